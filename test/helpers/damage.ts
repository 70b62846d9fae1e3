// Damages a committed backup in place, as a bad disk or a meddling sync client might: its own object (the
// format-1 data object, or the format-2 snapshot) gets 16 bytes flipped in the middle.
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

/** Flips 16 bytes in the middle of a file. */
export async function flipBytes(path: string): Promise<void> {
  const file = await open(path, 'r+');
  try {
    const { size } = await file.stat();
    const at = Math.floor(size / 2);
    const bytes = Buffer.alloc(16);
    await file.read(bytes, 0, 16, at);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (bytes[i] ?? 0) ^ 0xff;
    await file.write(bytes, 0, 16, at);
  } finally {
    await file.close();
  }
}

/** The object that holds backup `id` of the vault in `cloud`: data/<id>.age (format 1) or snapshots/<id>.age. */
export function backupObject(cloud: string, id: string): string {
  const data = join(cloud, 'Puddleproof', 'data', `${id}.age`);
  return existsSync(data) ? data : join(cloud, 'Puddleproof', 'snapshots', `${id}.age`);
}

/** Damages backup `id` of the vault in `cloud`. */
export function damageBackup(cloud: string, id: string): Promise<void> {
  return flipBytes(backupObject(cloud, id));
}
