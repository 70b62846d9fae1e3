import { createHash } from 'node:crypto';
import type { Transform } from 'node:stream';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Result of running bytes through a transform: everything it released, and the error it ended with. */
export interface Outcome {
  output: Buffer;
  error: Error | undefined;
}

/** Feeds `input` (in pieces of `pieceSize`) through `transform`, collecting output even on failure. */
export async function runThrough(
  transform: Transform,
  input: Uint8Array,
  pieceSize = 1 << 20,
): Promise<Outcome> {
  const parts: Buffer[] = [];
  const pieces = function* () {
    for (let i = 0; i < input.length; i += pieceSize) yield Buffer.from(input.subarray(i, i + pieceSize));
  };
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      parts.push(chunk);
      cb();
    },
  });
  let error: Error | undefined;
  try {
    await pipeline(Readable.from(pieces()), transform, sink);
  } catch (err) {
    error = err as Error;
  }
  return { output: Buffer.concat(parts), error };
}

export function sha256hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
