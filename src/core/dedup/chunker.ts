// Content-defined chunking with a secret (vault format 2): FastCDC (Xia et al.) with a gear table derived
// from a per-vault secret, so that chunk boundaries and sizes cannot be predicted for a known file, and
// keyed chunk ids. See docs/FORMAT.md, "Format 2".
//
// The cut rule, for each chunk: skip its first `min` bytes; from there roll the 32-bit gear hash
// h = (h << 1) + table[byte] (h starts at 0 for each chunk); after a byte, end the chunk there if
// (h & mask) == 0, where mask is the top log2(avg) + 2 bits of the word while the chunk is shorter than
// `avg` and the top log2(avg) - 2 bits from then on (normalized chunking, level 2); a chunk that reaches
// `max` bytes ends there. Top bits, because bit k of a gear hash depends on the last k + 1 bytes only.
import { createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { KERNEL_BUFFER_BYTES, kernels } from './kernels.js';

export interface ChunkerParams {
  min: number;
  avg: number;
  max: number;
}

/** Default sizes: min 256 KiB, avg 1 MiB, max 4 MiB. */
export const DEFAULT_CHUNKER: ChunkerParams = Object.freeze({
  min: 256 * 1024,
  avg: 1024 * 1024,
  max: 4 * 1024 * 1024,
});

/** Bytes of the secret a gear table is derived from. */
export const GEAR_SECRET_BYTES = 32;

/** Normalized chunking level: mask bits are log2(avg) plus this before `avg` bytes, minus it after. */
const NORMALIZATION = 2;
const MIN_LIMIT = 64;
const AVG_LIMIT = 2 ** 28;
const MAX_LIMIT = 2 ** 30;

/** The 256-entry gear table derived from a 32-byte secret (HKDF-SHA256, info "puddleproof gear v1"). */
export function gearTable(secret: Uint8Array): Uint32Array {
  if (secret.length !== GEAR_SECRET_BYTES)
    throw new Error(`The gear secret must be ${GEAR_SECRET_BYTES} bytes, not ${secret.length}`);
  const bytes = new DataView(hkdfSync('sha256', secret, new Uint8Array(0), 'puddleproof gear v1', 1024));
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) table[i] = bytes.getUint32(i * 4, true);
  return table;
}

/** Throws a clear error unless min < avg < max, avg is a power of two, and all are within sane bounds. */
export function validateChunkerParams({ min, avg, max }: ChunkerParams): void {
  const bad = (why: string) =>
    new Error(`Invalid chunker sizes (min ${min}, avg ${avg}, max ${max}): ${why}`);
  if (![min, avg, max].every(Number.isSafeInteger)) throw bad('sizes must be whole numbers');
  if (!(min < avg && avg < max)) throw bad('they must grow strictly: min < avg < max');
  if (min < MIN_LIMIT) throw bad(`min must be at least ${MIN_LIMIT} bytes`);
  if (avg > AVG_LIMIT) throw bad(`avg must be at most ${AVG_LIMIT} bytes`);
  if (max > MAX_LIMIT) throw bad(`max must be at most ${MAX_LIMIT} bytes`);
  if ((avg & (avg - 1)) !== 0) throw bad('avg must be a power of two');
}

/** A 32-bit mask of the top `bits` bits, as a signed 32-bit integer (to compare with the int32 hash). */
function topBits(bits: number): number {
  return (~0 << (32 - bits)) | 0;
}

/** Streaming cutter: feed a byte stream in buffers of any size; returns absolute stream offsets where a chunk ends. */
export class ChunkCutter {
  private readonly table: Int32Array;
  private readonly min: number;
  private readonly avg: number;
  private readonly max: number;
  private readonly maskBeforeAvg: number;
  private readonly maskAfterAvg: number;
  /** Bytes of the stream fed before the current `push`. */
  private offset = 0;
  /** Bytes of the current (unfinished) chunk seen so far. */
  private chunkLength = 0;
  private hash = 0;

  constructor(table: Uint32Array, params: ChunkerParams = DEFAULT_CHUNKER) {
    if (table.length !== 256) throw new Error(`A gear table has 256 entries, not ${table.length}`);
    validateChunkerParams(params);
    // The same words read as signed, so the hash stays in 32-bit integer arithmetic.
    this.table = new Int32Array(table);
    this.min = params.min;
    this.avg = params.avg;
    this.max = params.max;
    const bits = Math.log2(params.avg);
    this.maskBeforeAvg = topBits(bits + NORMALIZATION);
    this.maskAfterAvg = topBits(bits - NORMALIZATION);
  }

  /** Feeds the next bytes of the stream; returns the end offsets of the chunks completed within them. */
  push(data: Uint8Array): number[] {
    const cuts: number[] = [];
    const { min, avg, max } = this;
    const k = kernels();
    k.gearTable.set(this.table);
    const n = data.length;
    let length = this.chunkLength;
    let hash = this.hash;
    let i = 0;
    while (i < n) {
      if (length < min) {
        const skipped = Math.min(min - length, n - i);
        i += skipped;
        length += skipped;
        continue;
      }
      const beforeAvg = length < avg;
      const mask = beforeAvg ? this.maskBeforeAvg : this.maskAfterAvg;
      const stop = Math.min(n, i + (beforeAvg ? avg : max) - length);
      // The gear hash runs in WebAssembly over a copy of the bytes, a buffer's worth at a time.
      let j = i;
      let found = false;
      while (j < stop && !found) {
        const piece = Math.min(stop - j, KERNEL_BUFFER_BYTES);
        k.buffer.set(data.subarray(j, j + piece));
        j += k.gearScan(0, piece, mask, hash);
        hash = k.lastHash;
        found = (hash & mask) === 0;
      }
      length += j - i;
      i = j;
      if (found || length === max) {
        cuts.push(this.offset + i);
        length = 0;
        hash = 0;
      }
    }
    this.offset += n;
    this.chunkLength = length;
    this.hash = hash;
    return cuts;
  }

  /**
   * Ends the stream: returns its final cut (the stream length) if bytes remain since the last cut, else [].
   * The cutter then starts a new stream at offset 0.
   */
  end(): number[] {
    const cuts = this.chunkLength > 0 ? [this.offset] : [];
    this.offset = 0;
    this.chunkLength = 0;
    this.hash = 0;
    return cuts;
  }
}

/** Each id key imported once (importing a raw key for every chunk costs more than hashing small ones). */
const importedKeys = new WeakMap<Uint8Array, KeyObject>();

/** Chunk id: HMAC-SHA256(idKey, chunk) as 64 lowercase hex characters. */
export function chunkId(idKey: Uint8Array, chunk: Uint8Array): string {
  let key = importedKeys.get(idKey);
  if (!key) {
    key = createSecretKey(idKey);
    importedKeys.set(idKey, key);
  }
  return createHmac('sha256', key).update(chunk).digest('hex');
}
