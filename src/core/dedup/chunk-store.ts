// The chunks a vault holds, from its pack indexes, and the writer that adds new chunks to it in packs.
// A pack is written (temporary name, fsync, rename) before its index, so an index never names a pack that
// was not completely written on the device that made it.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decryptBuffer, encryptBuffer, encryptParts } from '../age/buffer.js';
import { fsyncDir, tempPathFor, writeFileAtomic, writeFileRenamed } from '../fs-atomic.js';
import { idOfObjectName, newBackupId } from '../vault/layout.js';
import type { ListProblem, Vault } from '../vault/vault.js';
import { crcUpdate } from './cksum.js';
import { PACK_TARGET_BYTES, packTarParts, type StoredChunk, storedChunk } from './pack.js';
import { decodeIndex, encodeIndex, type IndexEntry } from './pack-index.js';

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
  ): Promise<ChunkStore> {
    const store = new ChunkStore();
    const packs = new Set(await readdir(vault.paths.packsDir));
    const cached = (await cache?.read(vault.root)) ?? new Map<string, IndexEntry[]>();
    for (const name of (await readdir(vault.paths.indexDir)).sort()) {
      const pack = idOfObjectName(name);
      if (pack === null || !packs.has(name)) continue;
      const known = cached.get(pack);
      if (known) {
        store.add(pack, known);
        continue;
      }
      try {
        const plain = await decryptBuffer(await readFile(join(vault.paths.indexDir, name)), identities);
        store.add(pack, decodeIndex(authKey, pack, plain));
      } catch (err) {
        store.problems.push({ id: pack, problem: `pack index: ${(err as Error).message}` });
      }
    }
    if (cache && (store.byPack.size !== cached.size || [...store.byPack.keys()].some((p) => !cached.has(p))))
      await cache.write(vault.root, store.byPack);
    return store;
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
  constructor(private readonly path: string) {}

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
    const rows = Object.fromEntries(
      [...packs].map(([pack, entries]) => [
        pack,
        entries.map((e) => [e.name, e.storedBytes, e.plainBytes, e.crc]),
      ]),
    );
    await writeFileAtomic(this.path, JSON.stringify({ format: 1, root, packs: rows }), 0o600);
  }
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
}

/** Room for a pack's plain chunks: the target and one largest chunk. */
const ARENA_BYTES = PACK_TARGET_BYTES + 4 * 1024 * 1024;
/** Room for a sealed pack: its chunks in tar entries, Padmé padding (at most 12 %) and age's overhead. */
const SEALED_BYTES = Math.ceil(ARENA_BYTES * 1.15) + 1024 * 1024;

/** Adds chunks that are not in the store yet, in packs of about PACK_TARGET_BYTES. */
export class PackWriter {
  private pending: StoredChunk[] = [];
  private pendingIds = new Map<string, IndexEntry>();
  private pendingBytes = 0;
  /** The write of the last pack handed off (see flush). */
  private writing: Promise<void> = Promise.resolve();
  /** Packs written so far. */
  readonly packs: string[] = [];
  /**
   * Reused memory, so that a large backup does not leave hundreds of megabytes for the collector: two
   * arenas for the plain chunks of a pack (one filling while the other's pack is written) and one buffer
   * for the sealed pack. Pages are touched only as they are used.
   */
  private arenas = [Buffer.allocUnsafeSlow(ARENA_BYTES), Buffer.allocUnsafeSlow(ARENA_BYTES)];
  private arenaUsed = 0;
  private readonly sealed = Buffer.allocUnsafeSlow(SEALED_BYTES);

  constructor(
    private readonly vault: Vault,
    private readonly store: ChunkStore,
    private readonly options: PackWriterOptions,
  ) {}

  /** Chunk `id`'s entry if the vault (or this writer) holds it already. */
  known(id: string): IndexEntry | undefined {
    return this.store.locations.get(id) ?? this.pendingIds.get(id);
  }

  /**
   * Adds a chunk unless it is known; returns its entry (stored name, sizes, CRC register). Writes a pack when enough is pending. `data`
   * need not outlive the call.
   */
  async add(id: string, data: Buffer): Promise<IndexEntry> {
    const known = this.known(id);
    if (known) return known;
    const chosen = storedChunk(id, data);
    // `data` may be a view into a buffer the caller reuses: keep a copy of what is kept as it is.
    const stored = chosen.data === data ? { name: chosen.name, data: this.keep(data) } : chosen;
    this.pending.push(stored);
    const entry = {
      name: stored.name,
      storedBytes: stored.data.length,
      plainBytes: data.length,
      crc: crcUpdate(0, data),
    };
    this.pendingIds.set(id, entry);
    this.pendingBytes += stored.data.length;
    if (this.pendingBytes >= PACK_TARGET_BYTES) await this.flush();
    return entry;
  }

  /** A copy of `data` in the filling arena (or, if it does not fit, in memory of its own). */
  private keep(data: Buffer): Buffer {
    const arena = this.arenas[0] as Buffer;
    if (this.arenaUsed + data.length > arena.length) return Buffer.from(data);
    const copy = arena.subarray(this.arenaUsed, this.arenaUsed + data.length);
    data.copy(copy);
    this.arenaUsed += data.length;
    return copy;
  }

  /** Writes what is pending; after this every chunk added is in a pack on disk, with its index. */
  async finish(): Promise<void> {
    if (this.pending.length) await this.flush();
    await this.writing;
    // Packs and indexes were renamed into place without flushing their folders; flush them once, before
    // anything that refers to them (the snapshot) is written.
    await fsyncDir(this.vault.paths.packsDir);
    await fsyncDir(this.vault.paths.indexDir);
  }

  /**
   * Hands the pending chunks to a background write, after the previous pack's write ended (so at most one
   * pack is being written while the next one fills). Its chunks count as known at once.
   */
  private async flush(): Promise<void> {
    const pack = newBackupId(new Date());
    const chunks = this.pending;
    const entries = [...this.pendingIds.values()];
    this.pending = [];
    this.pendingIds = new Map();
    this.pendingBytes = 0;
    this.store.add(pack, entries);
    this.packs.push(pack);
    await this.writing;
    // The previous pack is written: its arena is free to fill while this one is written.
    this.arenas.reverse();
    this.arenaUsed = 0;
    this.writing = this.writePack(pack, chunks, entries);
    // A failure is reported where the write is awaited (the next flush, or finish); never unhandled.
    this.writing.catch(() => undefined);
  }

  private async writePack(pack: string, chunks: StoredChunk[], entries: IndexEntry[]): Promise<void> {
    const { vault, options } = this;
    const temp = (dir: string) => tempPathFor(join(dir, `${options.backupId}.age`));
    const sealed = await encryptParts(packTarParts(chunks), options.recipients, this.sealed);
    await writeFileRenamed(vault.paths.pack(pack), sealed, 0o644, temp(vault.paths.packsDir));
    const index = await encryptBuffer(encodeIndex(options.authKey, pack, entries), options.indexRecipients);
    await writeFileRenamed(vault.paths.index(pack), index, 0o644, temp(vault.paths.indexDir));
    options.onUpload?.(sealed.length + index.length);
  }
}
