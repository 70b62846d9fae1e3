// One file of an export cut into chunks, its new chunks added to a pack writer: on the main thread, or on
// the store worker's (store-worker.ts) for the files it takes.
import { createHash } from 'node:crypto';
import type { ChunkKeys } from '../dedup/chunk-keys.js';
import type { PackWriter } from '../dedup/chunk-store.js';
import { DEFAULT_CHUNKER } from '../dedup/chunker.js';
import { fileChunks, type MemberReuse, type ReadBuffer } from '../dedup/file-chunks.js';
import type { IndexEntry } from '../dedup/pack-index.js';
import type { ListedChunk } from '../dedup/snapshot-list.js';
import { type ExportEntry, ExportError } from './walk.js';

/** A stored file: its chunk list, the chunks' index entries (their CRCs make its cksum), its id digest. */
export interface StoredFile {
  chunks: ListedChunk[];
  entries: IndexEntry[];
  /** A hash of its chunk ids: equal files, equal digests. */
  digest: string;
}

/**
 * Cuts one file into chunks, storing the new ones; returns its chunk list and their index entries, whose
 * CRC registers make the file's checksum once every pack is sealed (a known chunk is not read again).
 */
export async function storeFile(
  entry: ExportEntry,
  writer: PackWriter,
  keys: ChunkKeys,
  onBytes: (n: number) => void,
  reuse: ReadBuffer,
  members?: MemberReuse,
): Promise<StoredFile> {
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
