// The keyed content-defined chunker: cuts depend only on the bytes, the secret and the sizes; chunks stay
// within their bounds; a small edit near the start of a file leaves most of its chunks (and ids) unchanged.
import assert from 'node:assert/strict';
import { createCipheriv, createHash, createHmac, hkdfSync } from 'node:crypto';
import { test } from 'node:test';
import {
  ChunkCutter,
  type ChunkerParams,
  chunkId,
  DEFAULT_CHUNKER,
  gearTable,
} from '../../../src/core/dedup/chunker.js';

const SMALL: ChunkerParams = { min: 2 * 1024, avg: 8 * 1024, max: 64 * 1024 };
const MiB = 1024 * 1024;

/** Reproducible pseudo-random bytes: the AES-256-CTR keystream of a key derived from `seed`. */
function pseudoRandom(seed: string, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(length));
}

/** A reproducible 32-byte secret. */
function secret(seed: string): Buffer {
  return createHash('sha256').update(`secret ${seed}`).digest();
}

/** Reproducible piece sizes in [0, limit] (xorshift32). */
function pieceSizes(seed: number, limit: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % (limit + 1);
  };
}

/** The cuts of `data` fed in pieces whose sizes `nextSize` gives. */
function cutsInPieces(table: Uint32Array, params: ChunkerParams, data: Uint8Array, nextSize: () => number) {
  const cutter = new ChunkCutter(table, params);
  const cuts: number[] = [];
  for (let at = 0; at < data.length; ) {
    const size = nextSize();
    cuts.push(...cutter.push(data.subarray(at, at + size)));
    at += size;
  }
  return [...cuts, ...cutter.end()];
}

function cutsOf(table: Uint32Array, params: ChunkerParams, data: Uint8Array): number[] {
  return cutsInPieces(table, params, data, () => data.length);
}

/** The chunks (as [start, end) offsets) that the cuts make. */
function spans(cuts: number[]): [number, number][] {
  return cuts.map((end, i) => [cuts[i - 1] ?? 0, end]);
}

/**
 * The rule written plainly, chunk by chunk on a whole buffer, in unsigned arithmetic: the top n bits of the
 * hash are all zero when it is below 2^(32 - n).
 */
function referenceCuts(table: Uint32Array, { min, avg, max }: ChunkerParams, data: Uint8Array): number[] {
  const bits = Math.log2(avg);
  const cuts: number[] = [];
  let start = 0;
  while (start < data.length) {
    const end = Math.min(data.length, start + max);
    let cut = end;
    let hash = 0;
    for (let i = start + min; i < end; i++) {
      hash = (hash * 2 + (table[data[i] ?? 0] ?? 0)) % 2 ** 32;
      const maskBits = i - start < avg ? bits + 2 : bits - 2;
      if (hash < 2 ** (32 - maskBits)) {
        cut = i + 1;
        break;
      }
    }
    cuts.push(cut);
    start = cut;
  }
  return cuts;
}

function assertWithinBounds(cuts: number[], { min, max }: ChunkerParams, length: number) {
  assert.equal(cuts.at(-1), length, 'the last cut is the end of the stream');
  const sizes = spans(cuts).map(([start, end]) => end - start);
  sizes.forEach((size, i) => {
    assert.ok(size <= max, `chunk ${i} has ${size} bytes, more than ${max}`);
    if (i < sizes.length - 1) assert.ok(size >= min, `chunk ${i} has ${size} bytes, fewer than ${min}`);
    else assert.ok(size > 0, 'the last chunk is not empty');
  });
}

test('gearTable: HKDF-SHA256 of the secret with info "puddleproof gear v1", read as little-endian words', () => {
  const key = secret('gear');
  const bytes = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'puddleproof gear v1', 1024));
  const expected = Array.from({ length: 256 }, (_, i) => bytes.readUInt32LE(i * 4));
  const table = gearTable(key);
  assert.equal(table.length, 256);
  assert.deepEqual([...table], expected);
  assert.notDeepEqual([...gearTable(secret('other'))], expected);
  assert.throws(() => gearTable(new Uint8Array(31)), /32 bytes/);
  assert.throws(() => gearTable(new Uint8Array(33)), /32 bytes/);
});

test('the cuts are those of the plain FastCDC rule on the whole buffer', () => {
  const table = gearTable(secret('reference'));
  const data = pseudoRandom('reference', 2 * MiB);
  // Long runs of one byte value: the hash is periodic there, so chunks run to max (or cut at once).
  data.fill(0, 300_000, 700_000);
  data.fill(0xa5, 1_000_000, 1_300_000);
  const expected = referenceCuts(table, SMALL, data);
  assert.ok(expected.length > 100);
  assert.deepEqual(cutsOf(table, SMALL, data), expected);
});

test('the cuts do not depend on how the stream is split into buffers', () => {
  const table = gearTable(secret('splits'));
  const data = pseudoRandom('splits', 3 * MiB);
  data.fill(7, 1_000_000, 1_200_000);
  const whole = cutsOf(table, SMALL, data);
  assert.ok(whole.length > 100);
  for (const size of [1, 7, 64 * 1024]) {
    assert.deepEqual(
      cutsInPieces(table, SMALL, data, () => size),
      whole,
      `in pieces of ${size} bytes`,
    );
  }
  for (const [seed, limit] of [
    [1, 100],
    [2, 5000],
    [3, 200_000],
  ] as const) {
    const random = cutsInPieces(table, SMALL, data, pieceSizes(seed, limit));
    assert.deepEqual(random, whole, `in pieces of 0 to ${limit} bytes`);
  }
});

test('every chunk has min to max bytes, except the last, which may be shorter', () => {
  const table = gearTable(secret('bounds'));
  const data = pseudoRandom('bounds', 4 * MiB);
  data.fill(0, MiB, 2 * MiB);
  const cuts = cutsOf(table, SMALL, data);
  assertWithinBounds(cuts, SMALL, data.length);

  // A table whose hash never matches a mask (it stays 0x80000000) cuts every max bytes exactly.
  const neverMatches = new Uint32Array(256).fill(0x80000000);
  const length = 5 * SMALL.max + 123;
  const atMax = cutsOf(neverMatches, SMALL, pseudoRandom('max', length));
  assert.deepEqual(atMax, [1, 2, 3, 4, 5].map((k) => k * SMALL.max).concat(length));
});

test('the same secret gives the same cuts; another secret gives other cuts', () => {
  const data = pseudoRandom('secrets', 8 * MiB);
  const cuts = cutsOf(gearTable(secret('a')), SMALL, data);
  assert.deepEqual(cutsOf(gearTable(secret('a')), SMALL, data), cuts);
  const other = new Set(cutsOf(gearTable(secret('b')), SMALL, data));
  const shared = cuts.slice(0, -1).filter((cut) => other.has(cut)).length;
  assert.ok(shared < cuts.length * 0.05, `${shared} of ${cuts.length} cuts shared across secrets`);
});

test('a few bytes inserted or deleted near the start leave most chunk ids unchanged', () => {
  const table = gearTable(secret('shift'));
  const idKey = secret('ids');
  const data = pseudoRandom('shift', 20 * MiB);
  const idsOf = (bytes: Buffer) =>
    spans(cutsOf(table, SMALL, bytes)).map(([s, e]) => chunkId(idKey, bytes.subarray(s, e)));
  const before = new Set(idsOf(data));
  const edits = {
    inserted: Buffer.concat([data.subarray(0, 1000), Buffer.from('hello'), data.subarray(1000)]),
    deleted: Buffer.concat([data.subarray(0, 5000), data.subarray(5003)]),
  };
  for (const [edit, after] of Object.entries(edits)) {
    const chunks = spans(cutsOf(table, SMALL, after));
    const keptBytes = chunks
      .filter(([s, e]) => before.has(chunkId(idKey, after.subarray(s, e))))
      .reduce((sum, [s, e]) => sum + e - s, 0);
    assert.ok(
      keptBytes > 0.8 * after.length,
      `${edit}: ${keptBytes} of ${after.length} bytes keep their ids`,
    );
    assert.ok(keptBytes < after.length, `${edit}: the edited chunk has a new id`);
  }
});

test('random data gives chunks of about avg bytes', () => {
  const data = pseudoRandom('average', 16 * MiB);
  const cuts = cutsOf(gearTable(secret('average')), SMALL, data);
  const mean = data.length / cuts.length;
  assert.ok(mean > SMALL.avg / 2 && mean < SMALL.avg * 2, `mean chunk ${mean} bytes for avg ${SMALL.avg}`);
});

test('the default sizes: about 1 MiB chunks, within 256 KiB and 4 MiB', () => {
  const data = pseudoRandom('defaults', 64 * MiB);
  const cuts = cutsInPieces(gearTable(secret('defaults')), DEFAULT_CHUNKER, data, () => 64 * 1024);
  assertWithinBounds(cuts, DEFAULT_CHUNKER, data.length);
  const mean = data.length / cuts.length;
  assert.ok(mean > MiB / 2 && mean < MiB * 2, `mean chunk ${mean} bytes`);
});

test('an empty stream has no chunk; a stream that ends on a cut has no extra one', () => {
  const table = gearTable(secret('empty'));
  const cutter = new ChunkCutter(table, SMALL);
  assert.deepEqual(cutter.end(), []);
  assert.deepEqual(cutter.push(new Uint8Array(0)), []);
  assert.deepEqual(cutter.end(), []);

  const neverMatches = new ChunkCutter(new Uint32Array(256).fill(0x80000000), SMALL);
  assert.deepEqual(neverMatches.push(new Uint8Array(2 * SMALL.max)), [SMALL.max, 2 * SMALL.max]);
  assert.deepEqual(neverMatches.end(), []);
});

test('after end, the cutter starts a new stream at offset 0', () => {
  const table = gearTable(secret('restart'));
  const first = pseudoRandom('first', MiB);
  const second = pseudoRandom('second', MiB);
  const cutter = new ChunkCutter(table, SMALL);
  cutter.push(first.subarray(0, 300_001));
  assert.equal(cutter.end().length, 1);
  const again = [...cutter.push(second), ...cutter.end()];
  assert.deepEqual(again, cutsOf(table, SMALL, second));
});

test('chunkId is HMAC-SHA256 in lowercase hex, different for another key', () => {
  // RFC 4231, test case 2.
  assert.equal(
    chunkId(Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?')),
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  );
  const chunk = pseudoRandom('chunk', 100_000);
  const id = chunkId(secret('k1'), chunk);
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.equal(id, createHmac('sha256', secret('k1')).update(chunk).digest('hex'));
  assert.notEqual(chunkId(secret('k2'), chunk), id);
  assert.notEqual(chunkId(secret('k1'), chunk.subarray(1)), id);
});

test('chunker sizes are checked', () => {
  const table = gearTable(secret('params'));
  const invalid: [ChunkerParams, RegExp][] = [
    [{ min: 8192, avg: 8192, max: 65536 }, /min < avg < max/],
    [{ min: 2048, avg: 8192, max: 8192 }, /min < avg < max/],
    [{ min: 65536, avg: 8192, max: 4096 }, /min < avg < max/],
    [{ min: 2048, avg: 10_000, max: 65536 }, /power of two/],
    [{ min: 2048.5, avg: 8192, max: 65536 }, /whole numbers/],
    [{ min: Number.NaN, avg: 8192, max: 65536 }, /whole numbers/],
    [{ min: 16, avg: 128, max: 1024 }, /at least 64/],
    [{ min: 1024, avg: 2 ** 29, max: 2 ** 30 }, /avg must be at most/],
    [{ min: 1024, avg: 2 ** 20, max: 2 ** 31 }, /max must be at most/],
  ];
  for (const [params, message] of invalid) {
    assert.throws(() => new ChunkCutter(table, params), message, JSON.stringify(params));
    assert.throws(() => new ChunkCutter(table, params), /Invalid chunker sizes/);
  }
  assert.doesNotThrow(() => new ChunkCutter(table, { min: 64, avg: 128, max: 129 }));
  assert.throws(() => new ChunkCutter(new Uint32Array(255), SMALL), /256 entries/);
});
