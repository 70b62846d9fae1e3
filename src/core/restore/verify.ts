// Verification, as `restic check --read-data`: decrypt a backup end to end without writing anything,
// and check every chunk, the tar's structure and SHA-256 against its metadata, and its proof.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createDecryptStream, NoIdentityMatchedError } from '../age/index.js';
import { type Device, deviceIdentities } from '../device.js';
import type { RecoveryKit } from '../keys/recovery-kit.js';
import { CheckTarStream } from '../vault/tar-trailer.js';
import { listTar } from './extract-tar.js';

/** Verifies one committed backup; returns null when it is sound, else the problem in plain words. */
export async function verifyBackup(device: Device, id: string, kit?: RecoveryKit): Promise<string | null> {
  const identities = deviceIdentities(device, kit);
  try {
    const meta = await device.vault.readMetadata(id, identities, device.secrets.authKey);
    const check = new CheckTarStream(device.secrets.authKey);
    const source = createReadStream(device.vault.paths.data(id), { highWaterMark: 1024 * 1024 });
    const listing = listTar(check);
    await Promise.all([pipeline(source, createDecryptStream({ identities }), check), listing]);
    const entries = await listing;
    const proof = check.check;
    if (!proof?.authentic) return `not authentic: ${proof?.problem ?? 'no proof'}`;
    if (proof.id !== id || proof.tarSha256 !== meta.tarSha256) return 'its data does not match its metadata';
    const files = entries.filter((e) => e.type === 'file').length;
    if (files !== meta.files) return `it holds ${files} files, its metadata says ${meta.files}`;
    return null;
  } catch (err) {
    if (err instanceof NoIdentityMatchedError) {
      return 'made on another device: this device cannot open it (pass --recovery-kit FILE)';
    }
    return (err as Error).message;
  }
}
