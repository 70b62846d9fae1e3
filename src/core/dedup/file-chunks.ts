// One file cut into chunks: a zip into its members' stored data and the raw records between them, each
// chunked on its own; any other file as one stream. Concatenating the chunks rebuilds the file. The file is
// read into one reused buffer, so a chunk's bytes are a view that the next step of the iteration replaces.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ChunkKeys } from './chunk-keys.js';
import { ChunkCutter, type ChunkerParams, chunkId, DEFAULT_CHUNKER } from './chunker.js';
import {
  type KnownMember,
  type MemberCache,
  type MemberChunk,
  MemberMac,
  memberKey,
  sampleRanges,
} from './member-cache.js';
import { type ZipSegment, zipLayout } from './zip-layout.js';

/**
 * One chunk of a file: its id, where it lies in the file, its length, and its bytes (valid until the next
 * chunk), or null for a chunk of a zip member the member cache knows and the vault holds (read and its MAC
 * checked, not cut again).
 */
export interface FileChunk {
  id: string;
  offset: number;
  length: number;
  data: Buffer | null;
}

/** Zip members to reuse without cutting them again: the chat's member cache, and whether the vault holds a chunk. */
export interface MemberReuse {
  cache: MemberCache;
  holds: (chunk: MemberChunk) => boolean;
}

const READ_BYTES = 1024 * 1024;

/** A read buffer to reuse from file to file (one cutting at a time); it grows once, to what a chunk needs. */
export interface ReadBuffer {
  buffer: Buffer;
}
const LOCAL_HEADER = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const EMPTY_ZIP = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

/** How a file is cut: each of its segments on its own. */
export interface FileLayout {
  size: number;
  /** A zip's members' stored data and the raw records between them, or the whole file as one raw segment. */
  segments: ZipSegment[];
}

/** The layout of the file open as `fd` (at `path`). */
export async function fileLayout(fd: number, path: string): Promise<FileLayout> {
  const size = fstatSync(fd).size;
  // Only what starts as a zip (a local header, or the end record of an empty zip) is looked into: most
  // files of an export are media, and looking for a zip's end record in each costs more than it gives.
  const magic = Buffer.alloc(4);
  readSync(fd, magic, 0, 4, 0);
  const zip = magic.equals(LOCAL_HEADER) || magic.equals(EMPTY_ZIP) ? await zipLayout(path) : null;
  return { size, segments: zip ?? [{ kind: 'raw', offset: 0, length: size }] };
}

/**
 * The key of member `segment` of the open file `fd`, and the member the cache knows by it when the vault
 * holds all its chunks (its data need not be cut again if its MAC still matches), else null.
 */
export function knownMember(
  fd: number,
  path: string,
  segment: Extract<ZipSegment, { kind: 'member' }>,
  keys: ChunkKeys,
  members: MemberReuse,
): { key: string; known: KnownMember | null } {
  const key = memberKey(keys.idKey, segment, samplesOf(fd, segment, path));
  const known = members.cache.lookup(key);
  const held =
    known &&
    known.chunks.reduce((sum, c) => sum + c.length, 0) === segment.length &&
    known.chunks.every((c) => members.holds(c));
  return { key, known: held ? known : null };
}

/**
 * The MAC (see member-cache.ts) of `segment` of the open file `fd`, read in pieces into `reuse`'s buffer; the
 * member cache's key of a member only finds a candidate, this says whether it is still the same bytes.
 */
export function segmentMac(
  fd: number,
  path: string,
  segment: ZipSegment,
  keys: ChunkKeys,
  reuse?: ReadBuffer,
): string {
  const mac = new MemberMac(keys.memberMacKey);
  const need = Math.max(1, Math.min(READ_BYTES, segment.length));
  if (reuse && reuse.buffer.length < need)
    reuse.buffer = Buffer.allocUnsafeSlow(DEFAULT_CHUNKER.max + READ_BYTES);
  const buffer = reuse ? reuse.buffer : Buffer.allocUnsafe(need);
  for (let read = 0; read < segment.length; ) {
    const want = Math.min(buffer.length, segment.length - read);
    const bytesRead = readSync(fd, buffer, 0, want, segment.offset + read);
    if (bytesRead !== want) throw new Error(`${path} changed while it was being read`);
    mac.update(buffer.subarray(0, want));
    read += want;
  }
  return mac.digest();
}

/**
 * The chunks of `segment` of the open file `fd`, cut on its own, in order (fed to `mac` too, as read); throws
 * if the file is shorter than the segment. Each chunk's `data` is only valid until the iteration resumes.
 */
export function* segmentChunks(
  fd: number,
  path: string,
  segment: ZipSegment,
  keys: ChunkKeys,
  params: ChunkerParams = DEFAULT_CHUNKER,
  reuse?: ReadBuffer,
  mac?: MemberMac,
): Generator<FileChunk> {
  const cutter = new ChunkCutter(keys.table, params);
  // Holds the current chunk's bytes [start, filled); never more than a max-size chunk and one read, nor
  // more than the segment (most files of an export are small).
  const need = Math.max(1, Math.min(params.max + READ_BYTES, segment.length));
  if (reuse && reuse.buffer.length < need) reuse.buffer = Buffer.allocUnsafeSlow(params.max + READ_BYTES);
  const buffer = reuse ? reuse.buffer : Buffer.allocUnsafe(need);
  let start = 0;
  let filled = 0;
  /** Segment offset of buffer[0]. */
  let base = 0;
  let read = 0;
  const emit = function* (cut: number): Generator<FileChunk> {
    const end = cut - base;
    const data = buffer.subarray(start, end);
    yield { id: chunkId(keys.idKey, data), offset: segment.offset + base + start, length: data.length, data };
    start = end;
  };
  while (read < segment.length) {
    const want = Math.min(READ_BYTES, segment.length - read);
    if (filled + want > buffer.length) {
      buffer.copyWithin(0, start, filled);
      base += start;
      filled -= start;
      start = 0;
    }
    // Synchronous: the cutting waits for these bytes anyway, and a read handed to the thread pool and
    // back costs this thread more waiting than the copy itself.
    const bytesRead = readSync(fd, buffer, filled, want, segment.offset + read);
    if (bytesRead !== want) throw new Error(`${path} changed while it was being read`);
    mac?.update(buffer.subarray(filled, filled + want));
    const cuts = cutter.push(buffer.subarray(filled, filled + want));
    filled += want;
    read += want;
    for (const cut of cuts) yield* emit(cut);
  }
  for (const cut of cutter.end()) yield* emit(cut);
}

/**
 * The file at `path` as its chunks, in order; throws if the file changes size while it is read. Each
 * chunk's `data` is only valid until the iteration resumes: copy what must be kept. With `members`, a zip
 * member the cache knows (and the vault holds) that is still those chunks is not cut again: its chunks come
 * with `data` null.
 */
export async function* fileChunks(
  path: string,
  keys: ChunkKeys,
  params: ChunkerParams = DEFAULT_CHUNKER,
  reuse?: ReadBuffer,
  members?: MemberReuse,
): AsyncGenerator<FileChunk> {
  // Synchronous, as the reads: the thread would only wait for the thread pool's answer.
  const fd = openSync(path, 'r');
  try {
    for (const segment of (await fileLayout(fd, path)).segments) {
      const member =
        members && segment.kind === 'member' ? knownMember(fd, path, segment, keys, members) : null;
      if (member?.known && segmentMac(fd, path, segment, keys, reuse) === member.known.mac) {
        let at = segment.offset;
        for (const c of member.known.chunks) {
          yield { id: c.id, offset: at, length: c.length, data: null };
          at += c.length;
        }
        members?.cache.remember(member.key, member.known);
        continue;
      }
      const cut: MemberChunk[] = [];
      // Only a member the cache will remember needs its MAC (a pass over every byte it reads).
      const mac = member ? new MemberMac(keys.memberMacKey) : undefined;
      for (const chunk of segmentChunks(fd, path, segment, keys, params, reuse, mac)) {
        cut.push({ id: chunk.id, length: chunk.length });
        yield chunk;
      }
      if (member && mac) members?.cache.remember(member.key, { chunks: cut, mac: mac.digest() });
    }
  } finally {
    closeSync(fd);
  }
}

/** The samples of a member's stored data that its key covers (see member-cache.ts). */
function samplesOf(fd: number, segment: ZipSegment, path: string): Buffer[] {
  const samples: Buffer[] = [];
  for (const range of sampleRanges(segment.length)) {
    const sample = Buffer.alloc(range.length);
    // Synchronous, as zipLayout's small reads: a few KiB each, handing them to the thread pool costs more.
    const bytesRead = readSync(fd, sample, 0, range.length, segment.offset + range.at);
    if (bytesRead !== range.length) throw new Error(`${path} changed while it was being read`);
    samples.push(sample);
  }
  return samples;
}
