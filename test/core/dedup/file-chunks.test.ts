import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chunkKeys } from '../../../src/core/dedup/chunk-keys.js';
import { ChunkCutter, type ChunkerParams, chunkId } from '../../../src/core/dedup/chunker.js';
import { fileChunks } from '../../../src/core/dedup/file-chunks.js';
import { MemberCache } from '../../../src/core/dedup/member-cache.js';
import { MIN_MEMBER_BYTES, zipLayout } from '../../../src/core/dedup/zip-layout.js';
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
    chunks.push({ ...chunk, data: Buffer.from(chunk.data ?? []) });
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

/** The chunks of `path` as ids, offsets and lengths, through a member cache whose vault holds `held`. */
async function throughCache(path: string, cache: MemberCache, held: Set<string>) {
  const out: { id: string; offset: number; length: number; cut: boolean }[] = [];
  for await (const c of fileChunks(path, keys, SMALL, undefined, {
    cache,
    holds: (chunk) => held.has(chunk.id),
  }))
    out.push({ id: c.id, offset: c.offset, length: c.length, cut: c.data !== null });
  return out;
}

describe('the member cache (zip members of the chat’s last export are not read again)', () => {
  test('a re-export: shared members are not cut again, and the chunks are exactly those a full cut gives', async () => {
    const [first, second] = series.map((v) => v.path ?? '');
    const cacheDir = join(dir, 'member-cache-a');
    const cache = await MemberCache.open(cacheDir, 'chat');
    const firstCut = await throughCache(first ?? '', cache, new Set());
    assert.ok(
      firstCut.every((c) => c.cut),
      'an empty cache cuts everything',
    );
    await cache.save();
    const held = new Set(firstCut.map((c) => c.id));
    const again = await MemberCache.open(cacheDir, 'chat');
    const next = await throughCache(second ?? '', again, held);
    const full = await collect(second ?? '');
    assert.deepEqual(
      next.map(({ id, offset, length }) => ({ id, offset, length })),
      full.map((c) => ({ id: c.id, offset: c.offset, length: c.data.length })),
    );
    // Every media file the two versions share (renamed, moved, with a new time) was checked, not cut again.
    const earlier = new Set(series[0]?.media.map((m) => m.id));
    // (Media smaller than MIN_MEMBER_BYTES are part of the zip's raw segments, cut with its records.)
    const shared = (series[1]?.media ?? [])
      .filter((m) => earlier.has(m.id) && m.bytes >= MIN_MEMBER_BYTES)
      .reduce((s, m) => s + m.bytes, 0);
    const skipped = next.filter((c) => !c.cut).reduce((s, c) => s + c.length, 0);
    assert.ok(shared > 0 && skipped >= shared, `skipped ${skipped} B of ${shared} B shared`);
    // Chunks the vault no longer holds (a pack reclaimed) are cut again.
    const none = await throughCache(second ?? '', await MemberCache.open(cacheDir, 'chat'), new Set());
    assert.ok(none.every((c) => c.cut));
    // Another chat's cache knows nothing of these members.
    const other = await throughCache(second ?? '', await MemberCache.open(cacheDir, 'other chat'), held);
    assert.ok(other.every((c) => c.cut));
  });

  test('a member whose bytes changed under the same CRC and sizes is cut again, in or outside a sample', async () => {
    const path = series[0]?.path ?? '';
    const cacheDir = join(dir, 'member-cache-b');
    const cache = await MemberCache.open(cacheDir, 'chat');
    const cut = await throughCache(path, cache, new Set());
    await cache.save();
    const member = (await zipLayout(path))?.find((s) => s.kind === 'member' && s.length > 3 * 4096);
    assert.ok(member);
    // The samples are the first, middle and last 4 KiB; 5000 is in none of them.
    assert.ok(member.length / 2 - 2048 > 5000);
    for (const at of [0, 5000, Math.floor(member.length / 2), member.length - 1]) {
      // The zip's records (CRC, sizes) stay as they were; only stored bytes change.
      const changed = Buffer.from(await readFile(path));
      changed[member.offset + at] = (changed[member.offset + at] ?? 0) ^ 0xff;
      const altered = join(dir, `altered-${at}.zip`);
      await writeFile(altered, changed);
      const chunks = await throughCache(
        altered,
        await MemberCache.open(cacheDir, 'chat'),
        new Set(cut.map((c) => c.id)),
      );
      const inMember = chunks.filter(
        (c) => c.offset >= member.offset && c.offset < member.offset + member.length,
      );
      assert.ok(
        inMember.every((c) => c.cut),
        `byte ${at} of the member changed: it is cut again`,
      );
      const full = await collect(altered);
      assert.deepEqual(
        chunks.map((c) => c.id),
        full.map((c) => c.id),
      );
    }
  });

  test('a cache of the format before MACs is not used: every member is cut once more', async () => {
    const path = series[0]?.path ?? '';
    const cacheDir = join(dir, 'member-cache-old');
    const cache = await MemberCache.open(cacheDir, 'chat');
    const cut = await throughCache(path, cache, new Set());
    await cache.save();
    const [name] = await readdir(cacheDir);
    assert.ok(name);
    const saved = JSON.parse(await readFile(join(cacheDir, name), 'utf8')) as {
      members: Record<string, { chunks: [string, number][] }>;
    };
    const old = Object.fromEntries(Object.entries(saved.members).map(([k, m]) => [k, m.chunks]));
    await writeFile(join(cacheDir, name), JSON.stringify({ format: 1, members: old }));
    const again = await throughCache(
      path,
      await MemberCache.open(cacheDir, 'chat'),
      new Set(cut.map((c) => c.id)),
    );
    assert.ok(again.every((c) => c.cut));
  });

  test('a damaged cache file is an empty cache', async () => {
    const cacheDir = join(dir, 'member-cache-c');
    const cache = await MemberCache.open(cacheDir, 'chat');
    cache.remember('k', { mac: '00', chunks: [{ id: 'a', length: 1 }] });
    await cache.save();
    for (const name of await readdir(cacheDir)) await writeFile(join(cacheDir, name), '{not json');
    assert.equal((await MemberCache.open(cacheDir, 'chat')).lookup('k'), undefined);
  });
});
