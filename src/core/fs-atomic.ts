// Crash-safe file writes: temporary name in the same folder, fsync, rename, fsync the folder.
import { randomBytes } from 'node:crypto';
import { link, lstat, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Flushes a folder's entries (a rename is durable only after this). No-op where unsupported. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    // Windows cannot open or fsync a folder; the rename is still atomic there.
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EBADF'].includes((err as NodeJS.ErrnoException).code ?? ''))
      throw err;
  } finally {
    await handle?.close();
  }
}

/** A temporary name next to `path`, hidden and recognizable (`.tmp-…`), for write-then-rename. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.tmp-${randomBytes(8).toString('hex')}-${basename(path)}`);
}

/** Writes a new file `temp` with `data` and flushes it to the disk. */
async function writeDurable(temp: string, data: string | Uint8Array, mode: number): Promise<void> {
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Throws EEXIST if something is at `path`. */
async function refuseTaken(path: string): Promise<void> {
  const taken = await lstat(path).then(
    () => true,
    () => false,
  );
  if (taken) throw Object.assign(new Error(`EEXIST: file already exists, '${path}'`), { code: 'EEXIST' });
}

/**
 * Writes `data` to `path` atomically: readers see the old content or the new, never a mix. `temp` is the
 * temporary name in the same folder (a folder whose readers pick files by extension needs another one).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode = 0o600,
  temp = tempPathFor(path),
): Promise<void> {
  await writeFileRenamed(path, data, mode, temp);
  await fsyncDir(dirname(path));
}

/**
 * Writes `data` to `path` through the temporary name `temp` (written, fsynced, renamed), without flushing the
 * folder: for many objects in one folder, whose caller flushes the folder once (fsyncDir) before anything
 * that depends on them is written.
 */
export async function writeFileRenamed(
  path: string,
  data: string | Uint8Array,
  mode: number,
  temp: string,
): Promise<void> {
  try {
    await writeDurable(temp, data, mode);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** Link errors of file systems without hard links (FAT and exFAT memory sticks, some network shares). */
const NO_HARD_LINKS = ['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK'];

/**
 * Creates `path` with `data` without ever replacing a file: the complete file appears under its name or
 * nothing does (written under a temporary name, then hard-linked, which fails with EEXIST if the name is
 * taken; without hard links, renamed after a check that the name is free).
 */
export async function createFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const temp = tempPathFor(path);
  try {
    await writeDurable(temp, data, mode);
    try {
      await link(temp, path);
    } catch (err) {
      if (!NO_HARD_LINKS.includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
      await refuseTaken(path);
      await rename(temp, path);
    }
  } finally {
    await rm(temp, { force: true });
  }
  await fsyncDir(dirname(path));
}
