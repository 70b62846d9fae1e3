// The chunks a vault holds, from its pack indexes, and the writer that adds new chunks to it in packs.
// A pack is written (temporary name, fsync, rename) before its index, so an index never names a pack that
// was not completely written on the device that made it.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decryptBuffer, encryptBuffer } from '../age/buffer.js';
import { tempPathFor, writeFileAtomic } from '../fs-atomic.js';
import { idOfObjectName, newBackupId } from '../vault/layout.js';
import type { ListProblem, Vault } from '../vault/vault.js';
import { PACK_TARGET_BYTES, packTar, type StoredChunk, storedChunk } from './pack.js';
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

  /** Reads every index in the vault (each is small) with this device's identities. */
  static async load(vault: Vault, identities: readonly string[], authKey: Buffer): Promise<ChunkStore> {
    const store = new ChunkStore();
    for (const name of (await readdir(vault.paths.indexDir)).sort()) {
      const pack = idOfObjectName(name);
      if (pack === null) continue;
      try {
        const plain = await decryptBuffer(await readFile(join(vault.paths.indexDir, name)), identities);
        store.add(pack, decodeIndex(authKey, pack, plain));
      } catch (err) {
        store.problems.push({ id: pack, problem: `pack index: ${(err as Error).message}` });
      }
    }
    return store;
  }

  /** Records the chunks of `pack` (the first pack that holds a chunk keeps it). */
  add(pack: string, entries: readonly IndexEntry[]): void {
    for (const entry of entries) {
      const id = chunkIdOf(entry.name);
      if (!this.locations.has(id)) this.locations.set(id, { ...entry, pack });
    }
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

/** Adds chunks that are not in the store yet, in packs of about PACK_TARGET_BYTES. */
export class PackWriter {
  private pending: StoredChunk[] = [];
  private pendingIds = new Map<string, IndexEntry>();
  private pendingBytes = 0;
  /** Packs written so far. */
  readonly packs: string[] = [];

  constructor(
    private readonly vault: Vault,
    private readonly store: ChunkStore,
    private readonly options: PackWriterOptions,
  ) {}

  /** The stored name of chunk `id` if the vault (or this writer) holds it already. */
  known(id: string): string | undefined {
    return this.store.locations.get(id)?.name ?? this.pendingIds.get(id)?.name;
  }

  /** Adds a chunk unless it is known; returns its stored name. Writes a pack when enough is pending. */
  async add(id: string, data: Buffer): Promise<string> {
    const known = this.known(id);
    if (known) return known;
    const stored = storedChunk(id, data);
    this.pending.push(stored);
    this.pendingIds.set(id, { name: stored.name, storedBytes: stored.data.length, plainBytes: data.length });
    this.pendingBytes += stored.data.length;
    if (this.pendingBytes >= PACK_TARGET_BYTES) await this.flush();
    return stored.name;
  }

  /** Writes what is pending; after this every chunk added is in a pack on disk, with its index. */
  async finish(): Promise<void> {
    if (this.pending.length) await this.flush();
  }

  private async flush(): Promise<void> {
    const { vault, options } = this;
    const pack = newBackupId(new Date());
    const entries = [...this.pendingIds.values()];
    const sealed = await encryptBuffer(packTar(this.pending), options.recipients);
    const temp = (dir: string) => tempPathFor(join(dir, `${options.backupId}.age`));
    await writeFileAtomic(vault.paths.pack(pack), sealed, 0o644, temp(vault.paths.packsDir));
    const index = await encryptBuffer(encodeIndex(options.authKey, pack, entries), options.indexRecipients);
    await writeFileAtomic(vault.paths.index(pack), index, 0o644, temp(vault.paths.indexDir));
    options.onUpload?.(sealed.length + index.length);
    this.store.add(pack, entries);
    this.packs.push(pack);
    this.pending = [];
    this.pendingIds = new Map();
    this.pendingBytes = 0;
  }
}
