// One export → one format-2 backup: its files cut into chunks; chunks the vault does not hold yet go into
// new packs; then the snapshot (the file list). The caller writes the metadata last, as the commit record.
import { createHash } from 'node:crypto';
import { encryptBuffer } from '../age/buffer.js';
import { chunkKeys } from '../dedup/chunk-keys.js';
import { ChunkStore, type IndexCache, type OwnPacks, PackWriter } from '../dedup/chunk-store.js';
import { DEFAULT_CHUNKER } from '../dedup/chunker.js';
import { cksumFinish, crcCombine } from '../dedup/cksum.js';
import { fileChunks, type MemberReuse, type ReadBuffer } from '../dedup/file-chunks.js';
import { MemberCache } from '../dedup/member-cache.js';
import type { IndexEntry } from '../dedup/pack-index.js';
import { encodeSnapshot, type ListedChunk, type ListedEntry } from '../dedup/snapshot-list.js';
import { tempPathFor, writeFileAtomic } from '../fs-atomic.js';
import type { Vault } from '../vault/vault.js';
import { type ExportEntry, ExportError } from './walk.js';

/** What writing a snapshot needs. */
export interface SnapshotBackupRequest {
  vault: Vault;
  id: string;
  createdAt: Date;
  exportName: string;
  chatKey: string | null;
  entries: readonly ExportEntry[];
  authKey: Buffer;
  /** Opens the vault's pack indexes (the vault index identity). */
  /** Identities that open the vault's pack indexes (record-keys.ts). */
  identities: readonly string[];
  /** Recipients of packs; indexes and the snapshot go to `recordRecipients`. */
  recipients: readonly string[];
  recordRecipients: readonly string[];
  onBytes: (n: number) => void;
  /** This device's copy of the indexes it has read (see IndexCache). */
  indexCache?: IndexCache;
  /** Called with the bytes of each object written. */
  onUpload?: (bytes: number) => void;
  /** Packs not to reuse (condemned by a collection): their chunks are stored again. */
  avoid?: ReadonlySet<string>;
  /** Where this device records the packs it wrote. */
  ownPacks?: OwnPacks;
  /** The profile folder of the member caches (member-cache.ts): zip members of the chat's last export that
   * the vault holds are not read again. */
  memberCacheDir?: string;
}

/** The export's chunks are in packs; `writeSnapshot` writes the file list that makes them a backup. */
export interface StoredExport {
  /** Per file (by path within the export), a hash of its chunk ids: equal files, equal digests. */
  digests: Map<string, string>;
  /** Writes the snapshot; returns its hash and the bytes this backup added to the vault. */
  writeSnapshot(): Promise<{ snapshotSha256: string; uploadedBytes: number }>;
}

/**
 * Cuts one file into chunks, storing the new ones; returns its chunk list and their index entries, whose
 * CRC registers make the file's checksum once every pack is sealed (a known chunk is not read again).
 */
async function storeFile(
  entry: ExportEntry,
  writer: PackWriter,
  keys: ReturnType<typeof chunkKeys>,
  onBytes: (n: number) => void,
  reuse: ReadBuffer,
  members?: MemberReuse,
): Promise<{ chunks: ListedChunk[]; entries: IndexEntry[]; digest: string }> {
  const chunks: ListedChunk[] = [];
  const entries: IndexEntry[] = [];
  const ids = createHash('sha256');
  let size = 0;
  for await (const chunk of fileChunks(entry.absPath, keys, DEFAULT_CHUNKER, reuse, members)) {
    size += chunk.length;
    if (size > entry.size) break;
    ids.update(chunk.id);
    // A chunk not read (a member the cache knows) is one the vault holds: fileChunks checked.
    const stored = chunk.data ? await writer.add(chunk.id, chunk.data) : writer.known(chunk.id);
    if (!stored) throw new Error(`chunk ${chunk.id} is no longer in the vault`);
    entries.push(stored);
    chunks.push({ name: stored.name, plainBytes: chunk.length });
    onBytes(chunk.length);
  }
  if (size !== entry.size)
    throw new ExportError(`${entry.absPath} changed while it was being backed up; try again.`);
  return { chunks, entries, digest: ids.digest('hex') };
}

/** POSIX cksum of a file from its chunks' entries (their CRC registers and sizes). */
function cksumOf(entries: readonly IndexEntry[], size: number): number {
  let crc = 0;
  for (const e of entries) crc = crcCombine(crc, e.crc, e.plainBytes);
  return cksumFinish(crc, size);
}

/**
 * Writes the packs holding what is new in the export; the snapshot (`snapshots/<id>.age`) comes after, so a
 * snapshot on disk never names a chunk that is not in a pack on disk.
 */
export async function storeExport(req: SnapshotBackupRequest): Promise<StoredExport> {
  const { vault, authKey } = req;
  let uploadedBytes = 0;
  const onUpload = (n: number) => {
    uploadedBytes += n;
    req.onUpload?.(n);
  };
  const store = await ChunkStore.load(vault, req.identities, authKey, req.indexCache, req.avoid);
  const writer = new PackWriter(vault, store, {
    recipients: req.recipients,
    indexRecipients: req.recordRecipients,
    authKey,
    backupId: req.id,
    onUpload,
  });
  const keys = chunkKeys(authKey);
  const listed: ListedEntry[] = [];
  const digests = new Map<string, string>();
  /** Each file's chunk entries, for its checksum once the packs are sealed. */
  const fileEntries = new Map<ListedEntry, IndexEntry[]>();
  const reuse: ReadBuffer = { buffer: Buffer.alloc(0) };
  const cache = req.memberCacheDir
    ? await MemberCache.open(req.memberCacheDir, req.chatKey ?? `export:${req.exportName}`)
    : null;
  const members: MemberReuse | undefined = cache
    ? { cache, holds: (c) => writer.known(c.id)?.plainBytes === c.length }
    : undefined;
  for (const e of req.entries) {
    const path = e.archivePath.replace(/\/$/, '');
    const common = { path, mode: e.mode, mtimeMs: e.mtime.getTime() };
    if (e.type === 'dir') {
      listed.push({ type: 'dir', ...common });
      continue;
    }
    const { chunks, entries, digest } = await storeFile(e, writer, keys, req.onBytes, reuse, members);
    digests.set(e.relPath, digest);
    const file: ListedEntry = { type: 'file', ...common, size: e.size, cksum: 0, chunks };
    listed.push(file);
    fileEntries.set(file, entries);
  }
  await writer.finish();
  await req.ownPacks?.add(vault.root, writer.packs);
  await cache?.save();
  for (const [file, entries] of fileEntries)
    if (file.type === 'file') file.cksum = cksumOf(entries, file.size);
  // The packs just written join the cache, so the next backup need not decrypt their indexes.
  if (req.indexCache && writer.packs.length) await req.indexCache.write(vault.root, store.cacheable());
  const writeSnapshot = async () => {
    const plain = encodeSnapshot(
      {
        id: req.id,
        createdAt: req.createdAt.toISOString(),
        chatKey: req.chatKey,
        exportName: req.exportName,
      },
      listed,
    );
    const sealed = await encryptBuffer(plain, req.recordRecipients);
    const path = vault.paths.snapshot(req.id);
    await writeFileAtomic(path, sealed, 0o644, tempPathFor(path));
    onUpload(sealed.length);
    return { snapshotSha256: createHash('sha256').update(plain).digest('hex'), uploadedBytes };
  };
  return { digests, writeSnapshot };
}
