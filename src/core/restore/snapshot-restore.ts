// Reading a format-2 backup: its snapshot (the file list, matched against the authenticated metadata), and
// its files rebuilt from the chunks in packs. Each pack is decrypted once; every chunk is checked against
// its keyed id before it is written, so a forged, swapped or damaged pack is found and named.
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { chmod, readdir, readFile, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { decryptBuffer } from '../age/buffer.js';
import { NoIdentityMatchedError } from '../age/index.js';
import { chunkKeys } from '../dedup/chunk-keys.js';
import { type ChunkLocation, ChunkStore, chunkIdOf, type IndexCache } from '../dedup/chunk-store.js';
import { packTarBytes } from '../dedup/pack.js';
import { openPackChunks, PackOpenError, type PackSlot } from '../dedup/pack-open.js';
import { decodeSnapshot, type ListedEntry } from '../dedup/snapshot-list.js';
import { isBackupId } from '../vault/layout.js';
import type { Format2Metadata } from '../vault/metadata.js';
import { objectFiles, objectPath } from '../vault/synced-files.js';
import type { Vault } from '../vault/vault.js';
import { ChunkMismatchError, type ChunkPlacement, type PackJob } from './pack-placement.js';
import { PlaceError, placePacks } from './pack-placer.js';
import { RestoreError, type RestoreResult } from './restore.js';
import { chosenRoots, PathRegistry } from './tar-paths.js';

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
  const chosen = new Set(only);
  const keep = entries.filter((e) => chosenRoots(e.path, chosen).length > 0);
  const listed = new Set(entries.map((e) => e.path));
  const missing = only.filter((o) => !listed.has(o));
  if (missing.length) throw new RestoreError(`The backup holds no ${missing.join(', ')}.`, 'other');
  return keep;
}

/** A file that is not there (or only as a placeholder) has not synced yet; one that is there but unreadable is damaged. */
function missingOrBad(err: unknown): 'notSynced' | 'damaged' {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT' ? 'notSynced' : 'damaged';
}

/** Why a pack could not be opened or placed, as the RestoreError that names it (other errors as they are). */
function packFailure(pack: string, err: unknown): Error {
  if (err instanceof PackOpenError && err.reason === 'unreadable') {
    return new RestoreError(
      `Pack ${pack} is missing or unreadable; it may not be synced yet.`,
      err.code === 'ENOENT' ? 'notSynced' : 'damaged',
    );
  }
  if (err instanceof PackOpenError)
    return new RestoreError(`Pack ${pack} is damaged: ${err.message}`, 'damaged');
  if (err instanceof ChunkMismatchError)
    return new RestoreError(`Pack ${pack} is damaged or not authentic: ${err.message}.`, 'damaged');
  return err as Error;
}

/** The file a pack is read from (the pack, or a sync client's copy of it). */
const packPath = (vault: Vault, pack: string) => objectPath(vault.paths.packsDir, pack, isBackupId);

/** Decrypts a pack and returns its stored chunks; errors say which pack and what is wrong with it. */
export async function openPack(
  vault: Vault,
  pack: string,
  identities: readonly string[],
  slot: PackSlot,
): Promise<Map<string, Buffer>> {
  try {
    return await openPackChunks(await packPath(vault, pack), identities, slot);
  } catch (err) {
    throw packFailure(pack, err);
  }
}

/**
 * Where each chunk lies, by pack; a RestoreError naming what is missing from the vault's indexes. A chunk
 * whose first pack is not downloaded here (a sync client's placeholder) is taken from another pack that
 * holds it and is here, if there is one (two devices stored it at once).
 */
function placementsByPack(
  files: readonly ListedEntry[],
  base: string,
  store: ChunkStore,
  here: ReadonlySet<string>,
) {
  const byPack = new Map<string, ChunkPlacement[]>();
  let elsewhere: Map<string, ChunkLocation> | undefined;
  const locate = (id: string): ChunkLocation | undefined => {
    const first = store.locations.get(id);
    if (!first || here.has(first.pack)) return first;
    elsewhere ??= new Map(
      [...store.byPack]
        .filter(([pack]) => here.has(pack))
        .sort(([a], [b]) => a.localeCompare(b))
        .reverse()
        .flatMap(([pack, entries]) =>
          entries.map((e): [string, ChunkLocation] => [chunkIdOf(e.name), { ...e, pack }]),
        ),
    );
    return elsewhere.get(id) ?? first;
  };
  for (const file of files) {
    if (file.type !== 'file') continue;
    let offset = 0;
    for (const chunk of file.chunks) {
      const id = chunkIdOf(chunk.name);
      const where: ChunkLocation | undefined = locate(id);
      if (!where) {
        // An index that is there but cannot be opened or proven will not arrive by waiting.
        const bad = store.problems.map((p) => `${p.id}: ${p.problem}`);
        throw bad.length
          ? new RestoreError(
              `A chunk of ${file.path} is in no pack this device can use; pack indexes are damaged or not authentic (${bad.join('; ')}).`,
              'damaged',
            )
          : new RestoreError(
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

/**
 * Creates the folders and (empty, private) files of `entries` under the empty folder `dir`, each new: two
 * names this file system takes for one (letter case or Unicode form, on a case-insensitive disk whatever the
 * system) would otherwise become one file or folder, written by the chunks of both.
 */
function createTree(dir: string, id: string, entries: readonly ListedEntry[]): void {
  const clash = (path: string) =>
    new RestoreError(
      `Backup ${id} cannot be restored here: ${path} and another of its names are one on this disk (letter case or Unicode form).`,
      'other',
    );
  // Sorted, a folder comes before what is in it; one that exists already was made under another name.
  const folders = [...new Set(entries.map((e) => (e.type === 'dir' ? e.path : dirname(e.path))))].sort();
  for (const folder of folders) {
    if (folder === '.') continue;
    if (mkdirSync(join(dir, folder), { recursive: true }) === undefined) throw clash(folder);
  }
  for (const e of entries) {
    if (e.type !== 'file') continue;
    try {
      closeSync(openSync(join(dir, e.path), 'wx', 0o600));
    } catch (err) {
      throw (err as NodeJS.ErrnoException).code === 'EEXIST' ? clash(e.path) : err;
    }
  }
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
  /** This device's copy of the pack indexes, read (never written) instead of decrypting them again. */
  indexCache?: IndexCache;
  /**
   * Awaited once the folders are made and progress 0 is reported, before any pack is read (the window's
   * tests hold a restore there to cancel it while it runs).
   */
  beforePlacing?: () => Promise<void>;
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
  const store = await ChunkStore.load(vault, identities, authKey, req.indexCache?.readOnly());
  // The packs folder, listed once: which packs are here, and the file each is read from.
  const here = objectFiles(await readdir(vault.paths.packsDir).catch(() => []), isBackupId);
  // Packs a restore may read; one found damaged is left out and everything placed again from the others, as
  // long as they hold each of its chunks (writes land at fixed offsets, so placing twice changes nothing).
  const usable = new Set(here.keys());
  const readAround: string[] = [];
  let byPack = placementsByPack(entries, dir ?? '', store, usable);
  const files = entries.filter((e) => e.type === 'file');
  const total = files.reduce((sum, f) => sum + f.size, 0);
  if (dir !== null) createTree(dir, meta.id, entries);
  req.onProgress?.(0, total);
  await req.beforePlacing?.();
  req.signal?.throwIfAborted();
  for (;;) {
    const order = [...byPack.keys()].sort();
    const jobs = order.map((pack): PackJob => {
      const file = here.get(pack)?.[0];
      const path = file ? join(vault.paths.packsDir, file) : vault.paths.pack(pack);
      return { pack, path, chunks: byPack.get(pack) ?? [] };
    });
    let done = 0;
    try {
      await placePacks({
        jobs,
        identities,
        idKey: chunkKeys(authKey).idKey,
        // Each thread's buffers are allocated once, for the largest pack.
        largest: order.reduce(
          (most, p) => Math.max(most, packTarBytes((store.byPack.get(p) ?? []).map((e) => e.storedBytes))),
          0,
        ),
        write: dir !== null,
        onPlaced: (bytes) => {
          done += bytes;
          req.onProgress?.(Math.min(done, total), total);
        },
        ...(req.signal ? { signal: req.signal } : {}),
      });
      break;
    } catch (err) {
      if (!(err instanceof PlaceError)) throw err;
      const { job, cause } = err;
      // Verification reports every damaged pack; a restore reads around one whose chunks another pack holds.
      const packAtFault =
        cause instanceof PackOpenError ||
        cause instanceof ChunkMismatchError ||
        cause instanceof NoIdentityMatchedError;
      if (
        dir === null ||
        !packAtFault ||
        !usable.delete(job.pack) ||
        !heldElsewhere(store, job.chunks, usable)
      )
        throw packFailure(job.pack, cause);
      readAround.push(job.pack);
      byPack = placementsByPack(entries, dir, store, usable);
    }
  }
  if (dir !== null) {
    const finish = async (e: ListedEntry) => {
      const path = join(dir, e.path);
      await chmod(path, e.mode & 0o777);
      await utimes(path, new Date(e.mtimeMs), new Date(e.mtimeMs));
    };
    // Files a few at a time, then folders innermost first (a folder's time is set after its contents).
    const queue = entries.filter((e) => e.type === 'file');
    const finishFiles = async () => {
      for (let e = queue.pop(); e; e = queue.pop()) await finish(e);
    };
    await Promise.all(Array.from({ length: 4 }, finishFiles));
    for (const e of [...entries].reverse()) if (e.type === 'dir') await finish(e);
  }
  const them = readAround.length === 1 ? `Pack ${readAround[0]} is` : `Packs ${readAround.join(', ')} are`;
  const warning = readAround.length
    ? `${them} damaged, not authentic or unreadable here; every file was restored from other packs that hold the same chunks, and checked. Verify all backups (in Settings, or puddleproof verify): it names the backups that need ${readAround.length === 1 ? 'that pack' : 'those packs'}.`
    : undefined;
  return {
    files: files.length,
    dirs: entries.length - files.length,
    bytes: total,
    id: meta.id,
    authentic: true,
    ...(warning ? { warning } : {}),
  };
}

/** Whether packs in `usable` hold every chunk of `chunks` (so a restore can do without the pack they were taken from). */
function heldElsewhere(
  store: ChunkStore,
  chunks: readonly ChunkPlacement[],
  usable: ReadonlySet<string>,
): boolean {
  const held = new Set<string>();
  for (const [pack, stored] of store.byPack)
    if (usable.has(pack)) for (const e of stored) held.add(chunkIdOf(e.name));
  return chunks.every((c) => held.has(c.id));
}
