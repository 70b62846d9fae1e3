// One file cut into chunks: a zip into its members' stored data and the raw records between them, each
// chunked on its own; any other file as one stream. Concatenating the chunks rebuilds the file. The file is
// read into one reused buffer, so a chunk's bytes are a view that the next step of the iteration replaces.
import { open } from 'node:fs/promises';
import type { ChunkKeys } from './chunk-keys.js';
import { ChunkCutter, type ChunkerParams, chunkId, DEFAULT_CHUNKER } from './chunker.js';
import { type ZipSegment, zipLayout } from './zip-layout.js';

/** One chunk of a file: its id, where it lies in the file, and its bytes (valid until the next chunk). */
export interface FileChunk {
  id: string;
  offset: number;
  data: Buffer;
}

const READ_BYTES = 1024 * 1024;

/**
 * The file at `path` as its chunks, in order; throws if the file changes size while it is read. Each
 * chunk's `data` is only valid until the iteration resumes: copy what must be kept.
 */
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
    // Holds the current chunk's bytes [start, filled); never more than a max-size chunk and one read.
    const buffer = Buffer.allocUnsafe(params.max + READ_BYTES);
    for (const segment of segments) {
      let start = 0;
      let filled = 0;
      /** Segment offset of buffer[0]. */
      let base = 0;
      let read = 0;
      const emit = function* (cut: number): Generator<FileChunk> {
        const end = cut - base;
        const data = buffer.subarray(start, end);
        yield { id: chunkId(keys.idKey, data), offset: segment.offset + base + start, data };
        start = end;
      };
      while (read < segment.length) {
        if (filled + READ_BYTES > buffer.length) {
          buffer.copyWithin(0, start, filled);
          base += start;
          filled -= start;
          start = 0;
        }
        const want = Math.min(READ_BYTES, segment.length - read);
        const { bytesRead } = await handle.read(buffer, filled, want, segment.offset + read);
        if (bytesRead !== want) throw new Error(`${path} changed while it was being read`);
        const cuts = cutter.push(buffer.subarray(filled, filled + want));
        filled += want;
        read += want;
        for (const cut of cuts) yield* emit(cut);
      }
      for (const cut of cutter.end()) yield* emit(cut);
    }
  } finally {
    await handle.close();
  }
}
