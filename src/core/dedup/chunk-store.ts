// The chunks a vault holds, from its pack indexes, and the writer that adds new chunks to it in packs.
// A pack is written (temporary name, fsync, rename) before its index, so an index never names a pack that
// was not completely written on the device that made it.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decryptBuffer } from '../age/buffer.js';
import { fsyncDir, writeFileAtomic } from '../fs-atomic.js';
import { isBackupId, newBackupId } from '../vault/layout.js';
import { objectFiles, presentIds } from '../vault/synced-files.js';
import type { ListProblem, Vault } from '../vault/vault.js';
import { crcUpdate } from './cksum.js';
import { PACK_TARGET_BYTES, storedChunk } from './pack.js';
import { decodeIndex, type IndexEntry } from './pack-index.js';
import { PackSealer } from './pack-sealer.js';

/** Where a chunk is: its pack and its entry there. */
export interface ChunkLocation extends IndexEntry {
  pack: string;
}

/** The chunk id of a stored name (`<id>` or `<id>.gz`). */
export function chunkIdOf(storedName: string): string {
  return storedName.replace(/\.gz$/, '');
}

/** Every chunk of the vault this device can see, by chunk id, and the indexes it could not read. */
export class ChunkStore {
  readonly locations = new Map<string, ChunkLocation>();
  readonly problems: ListProblem[] = [];

  /**
   * Reads every index in the vault (each is small) with this device's identities, or from `cache` (a file in
   * the profile) for the indexes read before: they never change. An index whose pack is not in the folder
   * (not synced yet, or lost in a crash before the folder was flushed) is left out: its chunks count as
   * missing, so a backup stores them again rather than refer to a pack that is not there.
   */
  static async load(
    vault: Vault,
    identities: readonly string[],
    authKey: Buffer,
    cache?: IndexCache,
    avoid: ReadonlySet<string> = new Set(),
    condemned: ReadonlySet<string> = avoid,
  ): Promise<ChunkStore> {
    const store = new ChunkStore();
    const packs = presentIds(await readdir(vault.paths.packsDir), isBackupId);
    const cached = (await cache?.read(vault.root)) ?? new Map<string, IndexEntry[]>();
    const read = new Map<string, readonly IndexEntry[]>();
    for (const [pack, files] of objectFiles(await readdir(vault.paths.indexDir), isBackupId)) {
      if (!packs.has(pack)) continue;
      const name = files[0] as string;
      try {
        const entries =
          cached.get(pack) ??
          decodeIndex(
            authKey,
            pack,
            await decryptBuffer(await readFile(join(vault.paths.indexDir, name)), identities),
          );
        read.set(pack, entries);
        // A pack a collection condemned may be deleted soon: its chunks count as missing (stored again).
        if (avoid.has(pack)) store.avoided.set(pack, entries);
        else store.add(pack, entries);
      } catch (err) {
        store.problems.push({ id: pack, problem: `pack index: ${(err as Error).message}` });
      }
    }
    // The cached index of a condemned pack that is gone stays cached: it tells which pack a lost chunk
    // was in (see reclaim.ts, lostWhileAway).
    for (const [pack, entries] of cached)
      if (!read.has(pack) && condemned.has(pack)) store.collected.set(pack, entries);
    const keep = store.cacheable();
    if (cache && (keep.size !== cached.size || [...keep.keys()].some((p) => !cached.has(p))))
      await cache.write(vault.root, keep);
    return store;
  }

  /** Entries of the packs loaded but left out (see `load`). */
  readonly avoided = new Map<string, readonly IndexEntry[]>();

  /** Cached entries of condemned packs that are no longer in the folder (see `load`). */
  readonly collected = new Map<string, readonly IndexEntry[]>();

  /** Every index read or written (of the packs in the folder). */
  allIndexes(): Map<string, readonly IndexEntry[]> {
    return new Map([...this.byPack, ...this.avoided]);
  }

  /** What the index cache keeps: every index read or written, and those of collected packs. */
  cacheable(): Map<string, readonly IndexEntry[]> {
    return new Map([...this.allIndexes(), ...this.collected]);
  }

  /** Each pack's entries, as loaded and added. */
  readonly byPack = new Map<string, readonly IndexEntry[]>();

  /** Records the chunks of `pack` (the first pack that holds a chunk keeps it). */
  add(pack: string, entries: readonly IndexEntry[]): void {
    this.byPack.set(pack, entries);
    for (const entry of entries) {
      const id = chunkIdOf(entry.name);
      if (!this.locations.has(id)) this.locations.set(id, { ...entry, pack });
    }
  }
}

/**
 * This device's copy of the pack indexes it has read and proven, in its profile (JSON; chunk ids are keyed
 * hashes, nothing of the chats): indexes never change, so a backup decrypts only the ones new since.
 */
export class IndexCache {
  /** `writable` false: `write` does nothing (see readOnly). */
  constructor(
    private readonly path: string,
    private readonly writable = true,
  ) {}

  /**
   * This cache, read but never written: for a reader (a restore) that does not know which packs a
   * collection condemned, whose cached indexes a write would drop (see ChunkStore.load).
   */
  readOnly(): IndexCache {
    return new IndexCache(this.path, false);
  }

  /** The cached indexes of the vault at `root` (empty if there is none, or it is unreadable). */
  async read(root: string): Promise<Map<string, IndexEntry[]>> {
    try {
      const value = JSON.parse(await readFile(this.path, 'utf8')) as {
        format?: unknown;
        root?: unknown;
        packs?: Record<string, [string, number, number, number][]>;
      };
      if (value.format !== 1 || value.root !== root || typeof value.packs !== 'object' || !value.packs)
        return new Map();
      return new Map(
        Object.entries(value.packs).map(([pack, rows]) => [
          pack,
          rows.map(([name, storedBytes, plainBytes, crc]) => ({ name, storedBytes, plainBytes, crc })),
        ]),
      );
    } catch {
      return new Map();
    }
  }

  /** Replaces the cache with `packs`. */
  async write(root: string, packs: ReadonlyMap<string, readonly IndexEntry[]>): Promise<void> {
    if (!this.writable) return;
    const rows = Object.fromEntries(
      [...packs].map(([pack, entries]) => [
        pack,
        entries.map((e) => [e.name, e.storedBytes, e.plainBytes, e.crc]),
      ]),
    );
    await writeFileAtomic(this.path, JSON.stringify({ format: 1, root, packs: rows }), 0o600);
  }
}

/**
 * The packs this device wrote, in its profile: the ones it may repack (see reclaim.ts), since it knows they
 * are encrypted to no more recipients than it trusts.
 */
export class OwnPacks {
  constructor(private readonly path: string) {}

  async read(root: string): Promise<Set<string>> {
    try {
      const value = JSON.parse(await readFile(this.path, 'utf8')) as { root?: unknown; packs?: unknown };
      if (value.root !== root || !Array.isArray(value.packs)) return new Set();
      return new Set(value.packs.filter((p): p is string => typeof p === 'string'));
    } catch {
      return new Set();
    }
  }

  async add(root: string, packs: readonly string[]): Promise<void> {
    if (packs.length === 0) return;
    const all = await this.read(root);
    for (const p of packs) all.add(p);
    await writeFileAtomic(this.path, JSON.stringify({ root, packs: [...all] }), 0o600);
  }
}

/** The folders a pack writer writes packs and indexes into (a Vault has them). */
export interface PackFolders {
  paths: { packsDir: string; indexDir: string };
}

/** Keys and names a pack writer needs. */
export interface PackWriterOptions {
  /** Recipients of packs (the trusted recipients: device keys and the recovery key). */
  recipients: readonly string[];
  /** Recipients of indexes: the same and the vault index recipient. */
  indexRecipients: readonly string[];
  authKey: Buffer;
  /** The backup writing: temporary files carry its id, so `gc` knows whose leftovers they are. */
  backupId: string;
  /** Called with the bytes of each object written (pack and index). */
  onUpload?: (bytes: number) => void;
  /** Seal packs in this thread instead of the pack worker (one pack's memory instead of two). */
  inThread?: boolean;
}

/** New bytes in the first pack from which the pack worker is started (see PackSealer.warmUp). */
const WARM_UP_BYTES = 2 * 1024 * 1024;

/** Room for a pack's chunks: the target and one largest chunk. */
const ARENA_BYTES = PACK_TARGET_BYTES + 4 * 1024 * 1024;

/** A chunk waiting for its pack: where its stored bytes are in the arena, and its index entry. */
interface PendingChunk {
  offset: number;
  length: number;
  entry: IndexEntry;
}

/** Adds chunks that are not in the store yet, in packs of about PACK_TARGET_BYTES. */
export class PackWriter {
  private pending: PendingChunk[] = [];
  private pendingIds = new Map<string, IndexEntry>();
  /** The write of the last pack handed off (see flush). */
  private writing: Promise<void> = Promise.resolve();
  /** Each sealed pack's way to disk (with its index after it), awaited before the folders are flushed. */
  private readonly durables: Promise<void>[] = [];
  /** Packs written so far. */
  readonly packs: string[] = [];
  /**
   * Shared memory for the stored chunks of a pack: two arenas (one filling while the other's pack is sealed
   * by the pack worker, which reads it without a copy), or one where packs are sealed in this thread.
   * Pages are touched only as they are used.
   */
  private readonly arenas: SharedArrayBuffer[];
  private arenaUsed = 0;
  private readonly sealer: PackSealer;

  constructor(
    private readonly vault: PackFolders,
    private readonly store: ChunkStore,
    private readonly options: PackWriterOptions,
  ) {
    this.arenas = Array.from({ length: options.inThread ? 1 : 2 }, () => new SharedArrayBuffer(ARENA_BYTES));
    this.sealer = new PackSealer(
      {
        recipients: options.recipients,
        indexRecipients: options.indexRecipients,
        authKey: new Uint8Array(options.authKey),
        packsDir: vault.paths.packsDir,
        indexDir: vault.paths.indexDir,
        backupId: options.backupId,
      },
      options.inThread,
    );
  }

  /** Whether the packs were sealed by the pack worker (on another core). */
  get sealedInWorker(): boolean {
    return this.sealer.inWorker;
  }

  /** Starts the pack worker now (it is otherwise started at WARM_UP_BYTES); settles once it has loaded. */
  warmUp(): Promise<void> {
    return this.sealer.warmUp();
  }

  /** Whether the pack worker was started (see WARM_UP_BYTES). */
  get workerStarted(): boolean {
    return this.sealer.started;
  }

  /** Chunk `id`'s entry if the vault (or this writer, or another writer of the backup) holds it already. */
  known(id: string): IndexEntry | undefined {
    return this.store.locations.get(id) ?? this.pendingIds.get(id) ?? this.elsewhere.get(id);
  }

  /** Chunks another writer of the same backup stored (on another thread), by id. */
  private readonly elsewhere = new Map<string, IndexEntry>();

  /** Records chunks another writer of the same backup stored: they are not stored again here. */
  learn(entries: readonly IndexEntry[]): void {
    for (const entry of entries) {
      const id = chunkIdOf(entry.name);
      if (!this.known(id)) this.elsewhere.set(id, entry);
    }
  }

  /**
   * Adds a chunk unless it is known; returns its entry (stored name, sizes and CRC register). Writes a pack
   * when enough is pending. `data` need not outlive the call.
   */
  async add(id: string, data: Buffer): Promise<IndexEntry> {
    const known = this.known(id);
    if (known) return known;
    const stored = storedChunk(id, data);
    if (stored.data.length > ARENA_BYTES)
      throw new Error(`A chunk of ${stored.data.length} bytes is too large.`);
    if (this.arenaUsed + stored.data.length > ARENA_BYTES) await this.flush();
    const arena = Buffer.from(this.arenas[0] as SharedArrayBuffer);
    stored.data.copy(arena, this.arenaUsed);
    // The CRC here, where the chunk's bytes are still in this core's cache.
    const entry = {
      name: stored.name,
      storedBytes: stored.data.length,
      plainBytes: data.length,
      crc: crcUpdate(0, data),
    };
    this.pending.push({ offset: this.arenaUsed, length: stored.data.length, entry });
    this.arenaUsed += stored.data.length;
    this.pendingIds.set(id, entry);
    // More than a text's worth of new chunks: packs may follow this one; load the worker meanwhile.
    if (this.arenaUsed >= WARM_UP_BYTES) void this.sealer.warmUp();
    if (this.arenaUsed >= PACK_TARGET_BYTES) await this.flush();
    return entry;
  }

  /** Writes what is pending; after this every chunk added is in a pack on disk, with its index. */
  async finish(): Promise<void> {
    try {
      if (this.pending.length) await this.flush();
      await this.writing;
      await Promise.all(this.durables);
    } finally {
      await this.sealer.close();
    }
    // Packs and indexes were renamed into place without flushing their folders; flush them once, before
    // anything that refers to them (the snapshot) is written.
    await fsyncDir(this.vault.paths.packsDir);
    await fsyncDir(this.vault.paths.indexDir);
  }

  /**
   * After a failure: waits until the packs already handed off are written and durable with their indexes
   * (or have failed), so that none is left without its index, and stops the pack worker. What is pending is
   * dropped.
   */
  async abandon(): Promise<void> {
    this.pending = [];
    this.pendingIds = new Map();
    await this.writing.catch(() => undefined);
    await Promise.allSettled(this.durables);
    await this.sealer.close();
  }

  /**
   * Hands the pending chunks to be sealed, after the previous pack was (so at most one pack is being sealed
   * while the next one fills). Its chunks count as known at once.
   */
  private async flush(): Promise<void> {
    const pack = newBackupId(new Date());
    const chunks = this.pending;
    this.pending = [];
    this.pendingIds = new Map();
    this.store.add(
      pack,
      chunks.map((c) => c.entry),
    );
    this.packs.push(pack);
    await this.writing;
    // And once the pack before that is durable, with its index: a crash loses at most the last two packs'
    // work, and a thread that cuts and seals without waiting for I/O would otherwise hold every pack's flush,
    // rename and index (and its open file) back until the backup ends.
    await this.durables.at(-2);
    // The previous pack is sealed: its arena is free to fill while this one is sealed.
    const arena = this.arenas[0] as SharedArrayBuffer;
    this.arenas.reverse();
    this.arenaUsed = 0;
    this.writing = this.writePack(pack, arena, chunks);
    // A failure is reported where the write is awaited (the next flush, or finish); never unhandled.
    this.writing.catch(() => undefined);
    // With one arena, the next chunks wait until this pack is sealed out of it.
    if (this.arenas.length === 1) await this.writing;
  }

  private async writePack(pack: string, arena: SharedArrayBuffer, chunks: PendingChunk[]): Promise<void> {
    const result = await this.sealer.seal({
      pack,
      arena,
      chunks: chunks.map((c) => ({
        name: c.entry.name,
        offset: c.offset,
        length: c.length,
        plainBytes: c.entry.plainBytes,
        crc: c.entry.crc,
      })),
    });
    result.durable.catch(() => undefined); // reported by finish(), which awaits it
    this.durables.push(result.durable);
    this.options.onUpload?.(result.bytes);
  }
}
