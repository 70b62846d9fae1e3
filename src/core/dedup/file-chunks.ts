// One file cut into chunks: a zip into its members' stored data and the raw records between them, each
// chunked on its own; any other file as one stream. Concatenating the chunks rebuilds the file.
import { open } from 'node:fs/promises';
import type { ChunkKeys } from './chunk-keys.js';
import { ChunkCutter, type ChunkerParams, chunkId, DEFAULT_CHUNKER } from './chunker.js';
import { type ZipSegment, zipLayout } from './zip-layout.js';

/** One chunk of a file: its id, where it lies in the file, and its bytes (owned by the caller). */
export interface FileChunk {
  id: string;
  offset: number;
  data: Buffer;
}

const READ_BYTES = 1024 * 1024;

/** The file at `path` as its chunks, in order; throws if the file changes size while it is read. */
export async function* fileChunks(
  path: string,
  keys: ChunkKeys,
  params: ChunkerParams = DEFAULT_CHUNKER,
): AsyncGenerator<FileChunk> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const segments: ZipSegment[] = (await zipLayout(path)) ?? [{ kind: 'raw', offset: 0, length: size }];
    const cutter = new ChunkCutter(keys.table, params);
    for (const segment of segments) {
      let pending: Buffer = Buffer.alloc(0);
      let pendingOffset = segment.offset;
      let read = 0;
      while (read < segment.length) {
        const piece = Buffer.allocUnsafe(Math.min(READ_BYTES, segment.length - read));
        const { bytesRead } = await handle.read(piece, 0, piece.length, segment.offset + read);
        if (bytesRead !== piece.length) throw new Error(`${path} changed while it was being read`);
        pending = pending.length ? Buffer.concat([pending, piece]) : piece;
        const cuts = cutter.push(piece);
        read += piece.length;
        for (const cut of cuts) {
          const length = segment.offset + cut - pendingOffset;
          const data = pending.subarray(0, length);
          yield { id: chunkId(keys.idKey, data), offset: pendingOffset, data };
          pending = pending.subarray(length);
          pendingOffset += length;
        }
      }
      if (cutter.end().length)
        yield { id: chunkId(keys.idKey, pending), offset: pendingOffset, data: pending };
    }
  } finally {
    await handle.close();
  }
}
