import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { recogniseExport } from '../../src/core/chats/recognize.js';
import {
  distinctContentBytes,
  NEW_MEDIA_PER_VERSION,
  type SeriesOptions,
  type SeriesVersion,
  writeExportSeries,
} from './export-series.js';

interface Member {
  name: string;
  method: number;
  /** DOS time and date, from the central header and from the local header. */
  central: string;
  local: string;
  /** As stored (deflated for method 8). */
  raw: Buffer;
}

/** A zip's members in file order, read through the central directory. */
function readZip(zip: Buffer): Member[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let p = zip.readUInt32LE(end + 16);
  const members: Member[] = [];
  for (let i = 0; i < count; i++) {
    const nameLength = zip.readUInt16LE(p + 28);
    const local = zip.readUInt32LE(p + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    members.push({
      name: zip.subarray(p + 46, p + 46 + nameLength).toString('utf8'),
      method: zip.readUInt16LE(p + 10),
      central: `${zip.readUInt16LE(p + 14)}/${zip.readUInt16LE(p + 12)}`,
      local: `${zip.readUInt16LE(local + 12)}/${zip.readUInt16LE(local + 10)}`,
      raw: zip.subarray(start, start + zip.readUInt32LE(p + 20)),
    });
    p += 46 + nameLength + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
  }
  return members.sort((a, b) => a.raw.byteOffset - b.raw.byteOffset);
}

const members = async (v: SeriesVersion) => readZip(await readFile(v.path));
const chatText = (m: Member[]) => {
  const text = m.find((x) => x.name === '_chat.txt');
  assert.ok(text);
  return inflateRawSync(text.raw).toString('utf8');
};
/** The media-id → name map of a version. */
const names = (v: SeriesVersion) => new Map(v.media.map((m) => [m.id, m.name]));

const OPTS: SeriesOptions = {
  versions: 4,
  firstBytes: 1_500_000,
  lastBytes: 2_400_000,
  seed: 11,
  fixedTimes: false,
  mediaWindow: 10,
};

describe('export series', () => {
  let dir: string;
  let own: SeriesVersion[];
  let fixed: SeriesVersion[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'puddleproof-series-'));
    own = await writeExportSeries(join(dir, 'own'), OPTS);
    fixed = await writeExportSeries(join(dir, 'fixed'), { ...OPTS, versions: 3, fixedTimes: true });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes valid zips that the engine recognises as the same growing WhatsApp iOS chat', async () => {
    let messages = 0;
    for (const v of [...own, ...fixed]) {
      const test = spawnSync('unzip', ['-tq', v.path]);
      assert.equal(test.status, 0, test.stdout.toString());
      const found = await recogniseExport(v.path, Buffer.alloc(32, 1));
      assert.equal(found?.summary.platform, 'whatsapp');
      assert.equal(found?.summary.kind, 'ios');
      assert.equal(found?.summary.title, 'Lake friends');
      assert.deepEqual(found?.summary.warnings, []);
      assert.equal(found?.summary.media, OPTS.mediaWindow);
      assert.equal(
        found?.summary.mediaBytes,
        v.media.reduce((sum, m) => sum + m.bytes, 0),
      );
      assert.equal(v.members, v.media.length + 1);
      if (v === fixed[0]) messages = 0;
      assert.ok((found?.summary.messages ?? 0) > messages, 'more messages than the version before');
      messages = found?.summary.messages ?? 0;
    }
  });

  it('stores media and deflates the text, under the names it reports', async () => {
    for (const v of own) {
      const zip = await members(v);
      assert.deepEqual(zip.map((m) => m.name).sort(), ['_chat.txt', ...v.media.map((m) => m.name)].sort());
      for (const m of zip) assert.equal(m.method, m.name === '_chat.txt' ? 8 : 0, m.name);
      // Incompressible media: deflate saves nothing.
      for (const m of zip)
        if (m.method === 0) assert.ok(deflateRawSync(m.raw).length >= m.raw.length, m.name);
    }
  });

  it('renumbers the media that stay in the window, whose bytes stay the same', async () => {
    for (let k = 0; k + 1 < own.length; k++) {
      const [a, b] = [own[k] as SeriesVersion, own[k + 1] as SeriesVersion];
      const [za, zb] = [await members(a), await members(b)];
      const kept = [...names(a)].filter(([id]) => names(b).has(id));
      assert.equal(kept.length, (OPTS.mediaWindow ?? 0) - NEW_MEDIA_PER_VERSION);
      for (const [id, nameA] of kept) {
        const nameB = names(b).get(id) ?? '';
        assert.equal(Number(nameB.slice(0, 8)), Number(nameA.slice(0, 8)) - NEW_MEDIA_PER_VERSION, id);
        assert.equal(nameB.slice(8), nameA.slice(8));
        const dataA = za.find((m) => m.name === nameA)?.raw;
        const dataB = zb.find((m) => m.name === nameB)?.raw;
        assert.ok(dataA && dataB && dataA.length > 0);
        assert.ok(dataA.equals(dataB), `${id} has the same bytes as ${nameA} and ${nameB}`);
      }
    }
  });

  it('writes the members in another order in every version, the text not always first', async () => {
    const firsts = new Set<string>();
    for (let k = 0; k + 1 < own.length; k++) {
      const [a, b] = [own[k] as SeriesVersion, own[k + 1] as SeriesVersion];
      const idOf = (v: SeriesVersion) => new Map(v.media.map((m) => [m.name, m.id]));
      const order = async (v: SeriesVersion) => (await members(v)).map((m) => idOf(v).get(m.name) ?? m.name);
      const inB = new Set(await order(b));
      const inA = new Set(await order(a));
      const common = (await order(a)).filter((id) => inB.has(id));
      assert.ok(common.length > 2);
      assert.notDeepEqual(
        common,
        (await order(b)).filter((id) => inA.has(id)),
      );
    }
    for (const v of own) firsts.add((await members(v))[0]?.name ?? '');
    assert.ok([...firsts].some((name) => name !== '_chat.txt'));
  });

  it('writes its own member times in every export, or one fixed time', async () => {
    const timesOf = async (v: SeriesVersion) => {
      const zip = await members(v);
      for (const m of zip) assert.equal(m.local, m.central, `${m.name}: local and central times agree`);
      return new Set(zip.map((m) => m.central));
    };
    for (let k = 0; k + 1 < own.length; k++) {
      const a = await timesOf(own[k] as SeriesVersion);
      const b = await timesOf(own[k + 1] as SeriesVersion);
      assert.ok(a.size > 1);
      assert.ok(![...a].some((t) => b.has(t)), `versions ${k + 1} and ${k + 2} share no member time`);
    }
    const all = new Set<string>();
    for (const v of fixed) for (const t of await timesOf(v)) all.add(t);
    assert.equal(all.size, 1);
  });

  it('grows the chat text at the end; only the media lines before it change', async () => {
    // Media lines name files by their number in this export, or say "omitted" once out of the window.
    const plain = (text: string) =>
      text.replace(/<attached: [^>]*>|(?:image|video|audio|document) omitted(?=\r\n)/g, '<media>');
    for (let k = 0; k + 1 < own.length; k++) {
      const a = chatText(await members(own[k] as SeriesVersion));
      const b = chatText(await members(own[k + 1] as SeriesVersion));
      assert.ok(!b.startsWith(a), 'attachment names changed');
      assert.ok(plain(b).startsWith(plain(a)));
      const added = plain(b).slice(plain(a).length);
      assert.equal((added.match(/<media>/g) ?? []).length, NEW_MEDIA_PER_VERSION);
    }
  });

  it('grows the zips evenly from firstBytes to lastBytes', async () => {
    const step = (OPTS.lastBytes - OPTS.firstBytes) / (OPTS.versions - 1);
    for (const [k, v] of own.entries()) {
      assert.equal((await stat(v.path)).size, v.bytes);
      const target = OPTS.firstBytes + k * step;
      assert.ok(Math.abs(v.bytes - target) <= target * 0.01, `${v.bytes} near ${target}`);
    }
  });

  it('counts distinct content as each distinct media file once plus the largest stored text', async () => {
    const seen = new Map<string, number>();
    let text = 0;
    for (const v of own) {
      for (const m of await members(v)) {
        if (m.name === '_chat.txt') text = Math.max(text, m.raw.length);
        else seen.set(createHash('sha256').update(m.raw).digest('hex'), m.raw.length);
      }
    }
    const media = [...seen.values()].reduce((a, b) => a + b, 0);
    assert.equal(seen.size, (OPTS.mediaWindow ?? 0) + NEW_MEDIA_PER_VERSION * (OPTS.versions - 1));
    assert.equal(distinctContentBytes(own), media + text);
  });

  it('writes the same files for the same seed, other files for another', async () => {
    const again = await writeExportSeries(join(dir, 'again'), OPTS);
    const other = await writeExportSeries(join(dir, 'other'), { ...OPTS, seed: OPTS.seed + 1 });
    for (const [k, v] of own.entries()) {
      const bytes = await readFile(v.path);
      assert.ok(bytes.equals(await readFile(again[k]?.path ?? '')), `version ${k + 1} is reproducible`);
      assert.ok(!bytes.equals(await readFile(other[k]?.path ?? '')));
    }
  });
});
