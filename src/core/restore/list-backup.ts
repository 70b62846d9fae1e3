// The listing of one backup's archive ("pick what to restore"): decrypted and checked end to end,
// nothing written. A backup without a valid proof is refused, as restore refuses it.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { ArchiveEntry } from '../../shared/api.js';
import { createDecryptStream, NoIdentityMatchedError } from '../age/index.js';
import { isBackupId } from '../vault/layout.js';
import { objectPath } from '../vault/synced-files.js';
import { CheckTarStream } from '../vault/tar-trailer.js';
import type { Vault } from '../vault/vault.js';
import { listTar } from './extract-tar.js';
import { RestoreError, readableSize } from './restore.js';
import { restoreProblemOf } from './restore-problem.js';
import { readSnapshot } from './snapshot-restore.js';

export async function listBackup(
  vault: Vault,
  id: string,
  identities: readonly string[],
  authKey: Buffer,
): Promise<ArchiveEntry[]> {
  const meta = await vault.readMetadata(id, identities, authKey);
  if (meta.format === 2) {
    try {
      const entries = await readSnapshot(vault, meta, identities);
      return entries.map((e) => ({ path: e.path, type: e.type, size: e.type === 'file' ? e.size : 0 }));
    } catch (err) {
      if (err instanceof RestoreError) throw err;
      throw new RestoreError(`This backup cannot be read: ${(err as Error).message}`, restoreProblemOf(err));
    }
  }
  const dataPath = await objectPath(vault.paths.dataDir, id, isBackupId);
  await readableSize(dataPath);
  const check = new CheckTarStream(authKey);
  const listing = listTar(check);
  try {
    const source = createReadStream(dataPath, { highWaterMark: 1024 * 1024 });
    await Promise.all([pipeline(source, createDecryptStream({ identities }), check), listing]);
  } catch (err) {
    if (err instanceof NoIdentityMatchedError) {
      throw new RestoreError(
        'This backup was made on another device: load your recovery kit to open it.',
        'needsKit',
      );
    }
    throw new RestoreError(`This backup cannot be read: ${(err as Error).message}`, restoreProblemOf(err));
  }
  const proof = check.check;
  if (!proof?.authentic || proof.tarSha256 !== meta.tarSha256) {
    throw new RestoreError('This backup is damaged or not authentic; it cannot be restored.', 'damaged');
  }
  return (await listing).map(({ path, type, size }) => ({ path, type, size }));
}
