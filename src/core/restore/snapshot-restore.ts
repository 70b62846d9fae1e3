// Reading a format-2 backup: its snapshot (the file list, matched against the authenticated metadata), and
// its files rebuilt from the chunks in packs. Each pack is decrypted once; every chunk is checked against
// its keyed id before it is written, so a forged, swapped or damaged pack is found and named.
import { createHash } from 'node:crypto';
import { chmod, mkdir, open, readFile, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { decryptBuffer } from '../age/buffer.js';
import { NoIdentityMatchedError } from '../age/index.js';
import { chunkKeys } from '../dedup/chunk-keys.js';
import { type ChunkLocation, ChunkStore, chunkIdOf } from '../dedup/chunk-store.js';
import { chunkId } from '../dedup/chunker.js';
import { plainOf, readPackTar } from '../dedup/pack.js';
import { decodeSnapshot, type ListedEntry } from '../dedup/snapshot-list.js';
import { isBackupId } from '../vault/layout.js';
import type { Format2Metadata } from '../vault/metadata.js';
import { objectPath } from '../vault/synced-files.js';
import type { Vault } from '../vault/vault.js';
import { RestoreError, type RestoreResult } from './restore.js';
import { PathRegistry } from './tar-paths.js';

/** Reads and decrypts a format-2 backup's snapshot and checks it is the one its metadata names. */
export async function readSnapshot(
  vault: Vault,
  meta: Format2Metadata,
  identities: readonly string[],
): Promise<ListedEntry[]> {
  let sealed: Buffer;
  try {
    sealed = await readFile(await objectPath(vault.paths.snapshotsDir, meta.id, isBackupId));
  } catch (err) {
    throw new RestoreError(
      `The file list of backup ${meta.id} (snapshots/${meta.id}.age) is missing or unreadable; it may not be synced yet.`,
      missingOrBad(err),
    );
  }
  const plain = await decryptBuffer(sealed, identities);
  if (createHash('sha256').update(plain).digest('hex') !== meta.snapshotSha256) {
    throw new RestoreError(
      `The file list of backup ${meta.id} does not match its metadata (it was replaced or damaged).`,
      'damaged',
    );
  }
  const { header, entries } = decodeSnapshot(plain);
  if (header.id !== meta.id || header.exportName !== meta.exportName)
    throw new RestoreError(`The file list of backup ${meta.id} names another backup.`, 'damaged');
  const files = entries.filter((e) => e.type === 'file');
  const bytes = files.reduce((sum, f) => sum + (f.type === 'file' ? f.size : 0), 0);
  if (files.length !== meta.files || entries.length - files.length !== meta.dirs || bytes !== meta.bytes)
    throw new RestoreError(`The file list of backup ${meta.id} does not match its metadata.`, 'damaged');
  // Names this file system would take for one (another letter case or Unicode form) cannot both be restored.
  const places = new PathRegistry(process.platform === 'darwin' || process.platform === 'win32');
  for (const e of entries) {
    const clash = places.add(e.path, e.type === 'dir');
    if (clash)
      throw new RestoreError(`Backup ${meta.id} cannot be restored here: ${e.path}: ${clash}.`, 'other');
  }
  return entries;
}

/** The entries `only` selects (a path and everything under it); all of them when `only` is empty. */
function selected(entries: readonly ListedEntry[], only: readonly string[]): ListedEntry[] {
  if (only.length === 0) return [...entries];
  const wanted = (path: string) => only.some((o) => path === o || path.startsWith(`${o}/`));
  const keep = entries.filter((e) => wanted(e.path));
  const missing = only.filter((o) => !entries.some((e) => e.path === o));
  if (missing.length) throw new RestoreError(`The backup holds no ${missing.join(', ')}.`, 'other');
  return keep;
}

/** One chunk to place: into which file, at which offset. */
interface Placement {
  id: string;
  name: string;
  plainBytes: number;
  file: string;
  offset: number;
}

/** A file that is not there (or only as a placeholder) has not synced yet; one that is there but unreadable is damaged. */
function missingOrBad(err: unknown): 'notSynced' | 'damaged' {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT' ? 'notSynced' : 'damaged';
}

/** Decrypts a pack and returns its stored chunks; errors say which pack and what is wrong with it. */
export async function openPack(
  vault: Vault,
  pack: string,
  identities: readonly string[],
  slot: PackSlot,
): Promise<Map<string, Buffer>> {
  let sealed: Buffer;
  try {
    const handle = await open(await objectPath(vault.paths.packsDir, pack, isBackupId), 'r');
    try {
      const { size } = await handle.stat();
      if (slot.sealed.length < size) slot.sealed = Buffer.allocUnsafeSlow(size);
      sealed = slot.sealed.subarray(0, size);
      const { bytesRead } = await handle.read(sealed, 0, size, 0);
      if (bytesRead !== size) throw new Error('the pack changed while it was read');
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw new RestoreError(
      `Pack ${pack} is missing or unreadable; it may not be synced yet.`,
      missingOrBad(err),
    );
  }
  try {
    if (slot.plain.length < sealed.length) slot.plain = Buffer.allocUnsafeSlow(sealed.length);
    return readPackTar(await decryptBuffer(sealed, identities, slot.plain));
  } catch (err) {
    if (err instanceof NoIdentityMatchedError) throw err;
    throw new RestoreError(`Pack ${pack} is damaged: ${(err as Error).message}`, 'damaged');
  }
}

/** Memory for reading one pack, reused from pack to pack (two slots: one read ahead). */
export interface PackSlot {
  sealed: Buffer;
  plain: Buffer;
}

/** Where each chunk lies, by pack; a RestoreError naming what is missing from the vault's indexes. */
function placementsByPack(files: readonly ListedEntry[], base: string, store: ChunkStore) {
  const byPack = new Map<string, Placement[]>();
  for (const file of files) {
    if (file.type !== 'file') continue;
    let offset = 0;
    for (const chunk of file.chunks) {
      const id = chunkIdOf(chunk.name);
      const where: ChunkLocation | undefined = store.locations.get(id);
      if (!where) {
        throw new RestoreError(
          `A chunk of ${file.path} is in no pack this device knows of (its pack index is missing or not synced yet).`,
          'notSynced',
        );
      }
      const list = byPack.get(where.pack) ?? [];
      list.push({ id, name: where.name, plainBytes: chunk.plainBytes, file: join(base, file.path), offset });
      byPack.set(where.pack, list);
      offset += chunk.plainBytes;
    }
  }
  return byPack;
}

/** Files written at once while a pack's chunks go out (the thread pool has four threads). */
const WRITERS = 4;

/** Writes checked chunks into their files: each file opened once, a few files at a time. */
async function writePlaced(chunks: readonly (Placement & { plain: Buffer })[]): Promise<void> {
  const byFile = new Map<string, (Placement & { plain: Buffer })[]>();
  for (const c of chunks) {
    const list = byFile.get(c.file) ?? [];
    list.push(c);
    byFile.set(c.file, list);
  }
  const queue = [...byFile.entries()];
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const handle = await open(item[0], 'r+');
      try {
        for (const c of item[1]) await handle.write(c.plain, 0, c.plain.length, c.offset);
      } finally {
        await handle.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITERS, queue.length) }, worker));
}

/** What reading a format-2 backup needs. */
export interface SnapshotReadRequest {
  vault: Vault;
  meta: Format2Metadata;
  identities: readonly string[];
  authKey: Buffer;
  only?: readonly string[];
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  signal?: AbortSignal;
}

/**
 * Rebuilds a format-2 backup's files under `dir` (an empty folder); with `dir` null, reads and checks every
 * chunk without writing anything (verification).
 */
export async function readSnapshotFiles(
  req: SnapshotReadRequest,
  dir: string | null,
): Promise<RestoreResult> {
  const { vault, meta, identities, authKey } = req;
  const entries = selected(await readSnapshot(vault, meta, identities), req.only ?? []);
  const store = await ChunkStore.load(vault, identities, authKey);
  const byPack = placementsByPack(entries, dir ?? '', store);
  const files = entries.filter((e) => e.type === 'file');
  const total = files.reduce((sum, f) => sum + f.size, 0);
  if (dir !== null) {
    for (const e of entries) {
      if (e.type === 'dir') await mkdir(join(dir, e.path), { recursive: true });
      else {
        await mkdir(dirname(join(dir, e.path)), { recursive: true });
        await writeFile(join(dir, e.path), '', { flag: 'wx', mode: 0o600 });
      }
    }
  }
  const { idKey } = chunkKeys(authKey);
  let done = 0;
  const order = [...byPack.keys()].sort();
  // Three packs in memory at most: one being read and decrypted, one checked, one still being written. One
  // buffer for the sealed bytes serves every read (one read at a time); each pack gets its own plaintext.
  let sealedBuffer: Buffer = Buffer.alloc(0);
  const plains: Buffer[] = [Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0)];
  const openAt = async (i: number) => {
    const slot: PackSlot = { sealed: sealedBuffer, plain: plains[i % 3] as Buffer };
    const stored = await openPack(vault, order[i] as string, identities, slot);
    sealedBuffer = slot.sealed;
    plains[i % 3] = slot.plain;
    return stored;
  };
  let next = order.length ? openAt(0) : undefined;
  next?.catch(() => undefined);
  /** The writes of the pack before (its plaintext's memory is reused two packs later). */
  let writing: Promise<void> = Promise.resolve();
  try {
    for (const [i, pack] of order.entries()) {
      req.signal?.throwIfAborted();
      const stored = await (next as Promise<Map<string, Buffer>>);
      next = i + 1 < order.length ? openAt(i + 1) : undefined;
      next?.catch(() => undefined);
      const checked = (byPack.get(pack) ?? []).map((p) => {
        const data = stored.get(p.name);
        let plain: Buffer | undefined;
        try {
          plain = data && plainOf({ name: p.name, data }, p.plainBytes);
        } catch {
          plain = undefined;
        }
        if (!plain || plain.length !== p.plainBytes || chunkId(idKey, plain) !== p.id) {
          throw new RestoreError(
            `Pack ${pack} is damaged or not authentic: a chunk in it is missing or does not match its id.`,
            'damaged',
          );
        }
        return { ...p, plain };
      });
      // This pack's chunks are written while the next one is checked (the one after is read meanwhile).
      await writing;
      if (dir !== null) {
        writing = writePlaced(checked);
        writing.catch(() => undefined); // awaited before the next pack's writes, and after the last
      }
      for (const c of checked) {
        done += c.plain.length;
        req.onProgress?.(done, total);
      }
    }
  } finally {
    await writing.catch(() => undefined); // nothing is written after a failure is reported
  }
  await writing;
  if (dir !== null) {
    for (const e of [...entries].reverse()) {
      const path = join(dir, e.path);
      await chmod(path, e.mode & 0o777);
      await utimes(path, new Date(e.mtimeMs), new Date(e.mtimeMs));
    }
  }
  return {
    files: files.length,
    dirs: entries.length - files.length,
    bytes: total,
    id: meta.id,
    authentic: true,
  };
}
