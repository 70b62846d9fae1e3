// Verification, as `restic check --read-data`: decrypt a backup end to end without writing anything,
// and check every chunk, the tar's structure and SHA-256 against its metadata, and its proof.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createDecryptStream, NoIdentityMatchedError } from '../age/index.js';
import { type Device, deviceIdentities } from '../device.js';
import type { RecoveryKit } from '../keys/recovery-kit.js';
import { isBackupId } from '../vault/layout.js';
import { objectPath } from '../vault/synced-files.js';
import { CheckTarStream } from '../vault/tar-trailer.js';
import { listTar } from './extract-tar.js';
import { readSnapshotFiles } from './snapshot-restore.js';

/** The outcome: sound, broken (with the problem in plain words), or not openable with the keys at hand. */
export type VerifyResult =
  | { kind: 'ok' }
  | { kind: 'failed'; problem: string }
  | { kind: 'noKey'; problem: string };

/** Verifies one committed backup; `onBytes` hears how many encrypted bytes were read so far. */
export async function verifyBackup(
  device: Device,
  id: string,
  kit?: RecoveryKit,
  onBytes?: (done: number) => void,
): Promise<VerifyResult> {
  const identities = deviceIdentities(device, kit);
  const failed = (problem: string): VerifyResult => ({ kind: 'failed', problem });
  try {
    const meta = await device.vault.readMetadata(id, identities, device.secrets.authKey);
    if (meta.format === 2) {
      const { files } = await readSnapshotFiles(
        {
          vault: device.vault,
          meta,
          identities,
          authKey: device.secrets.authKey,
          onProgress: (done) => onBytes?.(done),
        },
        null,
      );
      if (files !== meta.files) return failed(`it holds ${files} files, its metadata says ${meta.files}`);
      return { kind: 'ok' };
    }
    const check = new CheckTarStream(device.secrets.authKey);
    const source = createReadStream(await objectPath(device.vault.paths.dataDir, id, isBackupId), {
      highWaterMark: 1024 * 1024,
    });
    let done = 0;
    if (onBytes)
      source.on('data', (chunk) => {
        done += chunk.length;
        onBytes(done);
      });
    const listing = listTar(check);
    await Promise.all([pipeline(source, createDecryptStream({ identities }), check), listing]);
    const entries = await listing;
    const proof = check.check;
    if (!proof?.authentic) return failed(`not authentic: ${proof?.problem ?? 'no proof'}`);
    if (proof.id !== id || proof.tarSha256 !== meta.tarSha256)
      return failed('its data does not match its metadata');
    const files = entries.filter((e) => e.type === 'file').length;
    if (files !== meta.files) return failed(`it holds ${files} files, its metadata says ${meta.files}`);
    return { kind: 'ok' };
  } catch (err) {
    if (err instanceof NoIdentityMatchedError) {
      return {
        kind: 'noKey',
        problem: 'made on another device: this device cannot open it without the recovery kit',
      };
    }
    return failed((err as Error).message);
  }
}
