// One piece of an export cut into chunks, its new chunks added to a pack writer: on the main thread, or on
// the store worker's (store-worker.ts) for the pieces it takes. A piece is a whole file, or one segment of
// a zip (a member's data, or the records between members), which is cut on its own either way.
import { closeSync, fstatSync, openSync, type Stats, statSync } from 'node:fs';
import type { ChunkKeys } from '../dedup/chunk-keys.js';
import type { PackWriter } from '../dedup/chunk-store.js';
import { DEFAULT_CHUNKER } from '../dedup/chunker.js';
import {
  type FileChunk,
  fileChunks,
  type ReadBuffer,
  segmentChunks,
  segmentMac,
} from '../dedup/file-chunks.js';
import { type KnownMember, MemberMac } from '../dedup/member-cache.js';
import type { IndexEntry } from '../dedup/pack-index.js';
import type { ListedChunk } from '../dedup/snapshot-list.js';
import type { ZipSegment } from '../dedup/zip-layout.js';
import { ExportError } from './walk.js';

/** A file as the export's listing saw it: a file that is no longer so changed during the backup. */
export interface FileStamp {
  size: number;
  ino: number;
  mtimeMs: number;
}

/** The stamp of a file from its stats. */
export function stampOf(stats: Stats): FileStamp {
  return { size: stats.size, ino: stats.ino, mtimeMs: stats.mtimeMs };
}

/**
 * Throws unless `stats` (of the file at `path`, now) match `stamp`: a zip replaced by a new export under the
 * same name would otherwise be stored as segments of both.
 */
export function assertStamp(stats: Stats, stamp: FileStamp, path: string): void {
  if (stats.size !== stamp.size || stats.ino !== stamp.ino || stats.mtimeMs !== stamp.mtimeMs)
    throw new ExportError(`${path} changed while it was being backed up; try again.`);
}

/**
 * A piece to store: file `path` as `stamp` describes it, whole (segment null) or one segment of it; with
 * `expect`, the zip member the member cache says the segment was last time (its chunks are reused if the
 * segment's MAC still matches).
 */
export interface StorePiece {
  path: string;
  stamp: FileStamp;
  segment: ZipSegment | null;
  expect?: KnownMember;
}

/** A stored piece: its chunks in order, as the snapshot lists them, with their index entries and ids. */
export interface StoredPiece {
  chunks: ListedChunk[];
  /** Their CRC registers make the file's cksum once every pack is sealed. */
  entries: IndexEntry[];
  ids: string[];
  /** A zip member's: the MAC of its data, for the member cache. */
  mac?: string;
}

/** Bytes of a piece. */
export function pieceBytes(piece: StorePiece): number {
  return piece.segment ? piece.segment.length : piece.stamp.size;
}

/**
 * Cuts `piece` into chunks, storing the new ones (the writer's known ones are not stored again); throws an
 * ExportError if its file is not as its stamp says, before or after.
 */
export async function storePiece(
  piece: StorePiece,
  writer: PackWriter,
  keys: ChunkKeys,
  onBytes: (n: number) => void,
  reuse: ReadBuffer,
): Promise<StoredPiece> {
  const stored: StoredPiece = { chunks: [], entries: [], ids: [] };
  const expected = pieceBytes(piece);
  let size = 0;
  const add = async (chunk: FileChunk) => {
    const entry = await writer.add(chunk.id, chunk.data as Buffer);
    stored.entries.push(entry);
    stored.chunks.push({ name: entry.name, plainBytes: chunk.length });
    stored.ids.push(chunk.id);
    onBytes(chunk.length);
  };
  const { segment } = piece;
  if (segment) {
    const fd = openSync(piece.path, 'r');
    try {
      assertStamp(fstatSync(fd), piece.stamp, piece.path);
      const reused = piece.expect && reusedMember(fd, piece, piece.expect, writer, keys, reuse);
      if (reused) {
        assertStamp(fstatSync(fd), piece.stamp, piece.path);
        onBytes(segment.length);
        return reused;
      }
      const mac = segment.kind === 'member' ? new MemberMac(keys.memberMacKey) : undefined;
      for (const chunk of segmentChunks(fd, piece.path, segment, keys, DEFAULT_CHUNKER, reuse, mac)) {
        size += chunk.length;
        await add(chunk);
      }
      assertStamp(fstatSync(fd), piece.stamp, piece.path);
      if (mac) stored.mac = mac.digest();
    } finally {
      closeSync(fd);
    }
  } else {
    assertStamp(statSync(piece.path), piece.stamp, piece.path);
    for await (const chunk of fileChunks(piece.path, keys, DEFAULT_CHUNKER, reuse)) {
      size += chunk.length;
      if (size > expected) break;
      await add(chunk);
    }
    assertStamp(statSync(piece.path), piece.stamp, piece.path);
  }
  if (size !== expected)
    throw new ExportError(`${piece.path} changed while it was being backed up; try again.`);
  return stored;
}

/**
 * The member's chunks as last time, when its segment still has the MAC it had and the writer knows every
 * one of them (the vault holds them); else null, and the segment is cut again.
 */
function reusedMember(
  fd: number,
  piece: StorePiece,
  expect: KnownMember,
  writer: PackWriter,
  keys: ChunkKeys,
  reuse: ReadBuffer,
): StoredPiece | null {
  const entries = expect.chunks.map((c) => writer.known(c.id));
  if (!piece.segment || entries.some((e) => !e)) return null;
  if (segmentMac(fd, piece.path, piece.segment, keys, reuse) !== expect.mac) return null;
  return {
    entries: entries as IndexEntry[],
    chunks: expect.chunks.map((c, i) => ({ name: (entries[i] as IndexEntry).name, plainBytes: c.length })),
    ids: expect.chunks.map((c) => c.id),
    mac: expect.mac,
  };
}
