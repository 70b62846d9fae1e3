// A pack's plaintext: a ustar tar of chunk files named `<chunk id>` (stored as is) or `<chunk id>.gz` (gzip),
// then a `padding` file of zeros that brings the tar to its Padmé length, so a pack's size says little.
import { deflateRawSync, gunzipSync, gzipSync } from 'node:zlib';
import { padmeLength } from './padme.js';
import { readUstar, USTAR_END, ustarEntry, ustarEntryBytes, ustarHeader } from './ustar.js';

/** A pack is written once its chunks reach this many stored bytes (so packs hold about 8–12 MiB). */
export const PACK_TARGET_BYTES = 8 * 1024 * 1024;

/** The name of the padding entry. */
export const PADDING_NAME = 'padding';

/** A chunk as it is kept in a pack. */
export interface StoredChunk {
  /** `<id>` or `<id>.gz`. */
  name: string;
  data: Buffer;
}

const SAMPLE_BYTES = 16 * 1024;
/** Bits per byte above which a sample is taken for incompressible (text is 4–6, JPEG and deflate near 8). */
const INCOMPRESSIBLE_BITS = 7.5;
const counts = new Uint32Array(256);

/** Shannon entropy of the byte values of `sample`, in bits per byte. */
function entropy(sample: Uint8Array): number {
  counts.fill(0);
  for (let i = 0; i < sample.length; i++)
    counts[sample[i] as number] = (counts[sample[i] as number] as number) + 1;
  let bits = 0;
  for (let b = 0; b < 256; b++) {
    const c = counts[b] as number;
    if (c > 0) bits -= (c / sample.length) * Math.log2(c / sample.length);
  }
  return bits;
}

/**
 * How a chunk is kept: gzip when it compresses (chat text, JSON, HTML), as it is otherwise (media, and zip
 * members already compressed). The byte entropy of a sample from its middle rules out media at almost no
 * cost; a quick deflate of the sample confirms the rest compresses.
 */
export function storedChunk(id: string, data: Buffer): StoredChunk {
  const from = Math.max(0, Math.floor((data.length - SAMPLE_BYTES) / 2));
  const sample = data.subarray(from, from + SAMPLE_BYTES);
  if (
    sample.length >= 64 &&
    entropy(sample) < INCOMPRESSIBLE_BITS &&
    deflateRawSync(sample, { level: 1 }).length < sample.length * 0.9
  ) {
    const packed = gzipSync(data, { level: 6 });
    if (packed.length < data.length * 0.95) return { name: `${id}.gz`, data: packed };
  }
  return { name: id, data };
}

/** The plain bytes of a stored chunk, which must be `plainBytes` long (a forged gzip cannot inflate past it). */
export function plainOf(chunk: StoredChunk, plainBytes: number): Buffer {
  const plain = chunk.name.endsWith('.gz')
    ? gunzipSync(chunk.data, { maxOutputLength: Math.max(1, plainBytes) })
    : chunk.data;
  if (plain.length !== plainBytes) throw new Error(`chunk ${chunk.name} is not ${plainBytes} bytes long`);
  return plain;
}

/** Bytes `chunks` take in a pack's tar, before padding. */
export function packEntriesBytes(chunks: readonly StoredChunk[]): number {
  return chunks.reduce((sum, c) => sum + ustarEntryBytes(c.data.length), 0);
}

let zeroBuffer = Buffer.alloc(0);

/** `length` zero bytes, from one buffer that is only ever read (it grows as needed). */
function zeros(length: number): Buffer {
  if (zeroBuffer.length < length) zeroBuffer = Buffer.alloc(Math.max(length, 2 * zeroBuffer.length));
  return zeroBuffer.subarray(0, length);
}

/** The length of a pack's tar, padding included, whose chunks are stored in `storedBytes` bytes each. */
export function packTarBytes(storedBytes: readonly number[]): number {
  const unpadded = storedBytes.reduce((sum, n) => sum + ustarEntryBytes(n), 0) + 512 + USTAR_END.length;
  return Math.ceil(padmeLength(unpadded) / 512) * 512;
}

/** The tar of `chunks`, padded to its Padmé length with the `padding` entry, as the parts to concatenate. */
export function packTarParts(chunks: readonly StoredChunk[]): Buffer[] {
  const unpadded = packEntriesBytes(chunks) + 512 + USTAR_END.length;
  const padding = packTarBytes(chunks.map((c) => c.data.length)) - unpadded;
  return [
    ...chunks.flatMap((c) => ustarEntry(c.name, c.data)),
    ustarHeader(PADDING_NAME, padding),
    zeros(padding),
    USTAR_END,
  ];
}

/** The tar of `chunks`, padded to its Padmé length with the `padding` entry. */
export function packTar(chunks: readonly StoredChunk[]): Buffer {
  return Buffer.concat(packTarParts(chunks));
}

/** The stored chunks of a pack's tar, by name (the padding left out). */
export function readPackTar(tar: Buffer): Map<string, Buffer> {
  const files = readUstar(tar);
  files.delete(PADDING_NAME);
  return files;
}
