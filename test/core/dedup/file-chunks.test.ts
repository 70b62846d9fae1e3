import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chunkKeys } from '../../../src/core/dedup/chunk-keys.js';
import { ChunkCutter, type ChunkerParams, chunkId } from '../../../src/core/dedup/chunker.js';
import { fileChunks } from '../../../src/core/dedup/file-chunks.js';
import { zipLayout } from '../../../src/core/dedup/zip-layout.js';
import { type SeriesVersion, writeExportSeries } from '../../helpers/export-series.js';

const SMALL: ChunkerParams = { min: 4 * 1024, avg: 16 * 1024, max: 128 * 1024 };
const keys = chunkKeys(Buffer.alloc(32, 7));
let dir: string;
let series: SeriesVersion[];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'puddleproof-chunks-'));
  series = await writeExportSeries(join(dir, 'series'), {
    versions: 2,
    firstBytes: 3_000_000,
    lastBytes: 3_500_000,
    seed: 11,
    fixedTimes: false,
    mediaWindow: 20,
  });
});
after(() => rm(dir, { recursive: true, force: true }));

async function collect(path: string) {
  const chunks: { id: string; offset: number; data: Buffer }[] = [];
  for await (const chunk of fileChunks(path, keys, SMALL))
    chunks.push({ ...chunk, data: Buffer.from(chunk.data) });
  return chunks;
}

/** Bytes of `chunks` whose ids are in `known`. */
function bytesKnown(chunks: { id: string; data: Buffer }[], known: Set<string>): number {
  return chunks.filter((c) => known.has(c.id)).reduce((sum, c) => sum + c.data.length, 0);
}

test('the chunks of a zip, in order, are the zip byte for byte; a member starts a chunk; ids are keyed MACs', async () => {
  const path = series[0]?.path ?? '';
  const chunks = await collect(path);
  assert.deepEqual(Buffer.concat(chunks.map((c) => c.data)), await readFile(path));
  let offset = 0;
  for (const chunk of chunks) {
    assert.equal(chunk.offset, offset);
    assert.equal(chunk.id, chunkId(keys.idKey, chunk.data));
    assert.ok(chunk.data.length <= SMALL.max);
    offset += chunk.data.length;
  }
  const starts = new Set(chunks.map((c) => c.offset));
  const members = (await zipLayout(path))?.filter((s) => s.kind === 'member') ?? [];
  assert.ok(members.length > 10);
  for (const member of members) assert.ok(starts.has(member.offset), `member ${member.name} starts a chunk`);
});

test('a re-export with new times, renumbered and reordered media deduplicates; chunking the zip as one stream does not', async () => {
  const [first, second] = series.map((v) => v.path);
  const known = new Set((await collect(first ?? '')).map((c) => c.id));
  const next = await collect(second ?? '');
  const total = next.reduce((sum, c) => sum + c.data.length, 0);
  const reused = bytesKnown(next, known) / total;

  // The same files cut as opaque streams: headers that change in every export break the chunks.
  const opaque = async (path: string) => {
    const data = await readFile(path);
    const cutter = new ChunkCutter(keys.table, SMALL);
    const cuts = [...cutter.push(data), ...cutter.end()];
    return cuts.map((end, i) => {
      const piece = data.subarray(cuts[i - 1] ?? 0, end);
      return { id: chunkId(keys.idKey, piece), data: piece };
    });
  };
  const opaqueKnown = new Set((await opaque(first ?? '')).map((c) => c.id));
  const opaqueNext = await opaque(second ?? '');
  const opaqueReused = bytesKnown(opaqueNext, opaqueKnown) / total;

  // Every media file version 2 shares with version 1 (renamed, moved, with a new time) is found again.
  const earlier = new Set(series[0]?.media.map((m) => m.id));
  const shared = (series[1]?.media ?? [])
    .filter((m) => earlier.has(m.id))
    .reduce((sum, m) => sum + m.bytes, 0);
  assert.ok(reused * total >= 0.95 * shared, `reused ${(reused * 100).toFixed(1)} % of version 2`);
  assert.ok(reused > opaqueReused, `zip-aware ${reused.toFixed(3)} vs opaque ${opaqueReused.toFixed(3)}`);
});

test('a file that is not a zip is chunked as one stream; an empty file has no chunk', async () => {
  const path = join(dir, 'plain.bin');
  const data = randomBytes(600 * 1024);
  await writeFile(path, data);
  const chunks = await collect(path);
  assert.ok(chunks.length > 3);
  assert.deepEqual(Buffer.concat(chunks.map((c) => c.data)), data);
  await writeFile(join(dir, 'empty'), '');
  assert.deepEqual(await collect(join(dir, 'empty')), []);
});

test('chunk keys come from the vault authentication key: the same key cuts alike, another differently', async () => {
  const again = chunkKeys(Buffer.alloc(32, 7));
  const other = chunkKeys(Buffer.alloc(32, 8));
  assert.deepEqual(again.table, keys.table);
  assert.deepEqual(again.idKey, keys.idKey);
  assert.notDeepEqual(other.table, keys.table);
  assert.notDeepEqual(other.idKey, keys.idKey);
  assert.notDeepEqual(Buffer.from(keys.idKey), Buffer.alloc(32, 7));
  assert.throws(() => chunkKeys(Buffer.alloc(16)), /32 bytes/);
});
