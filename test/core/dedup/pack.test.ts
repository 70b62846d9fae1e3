// A pack's plaintext: chunks kept gzipped or as they are, in a ustar tar padded to its Padmé length, which
// GNU tar and gzip read without Puddleproof.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import {
  PADDING_NAME,
  packEntriesBytes,
  packTar,
  packTarBytes,
  plainOf,
  readPackTar,
  type StoredChunk,
  storedChunk,
} from '../../../src/core/dedup/pack.js';
import { padmeLength } from '../../../src/core/dedup/padme.js';

const run = promisify(execFile);

let dir = '';
let fileNo = 0;
const tmp = (name: string) => join(dir, `${fileNo++}-${name}`);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'puddleproof-pack-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const idOf = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Chat text as an export holds it: dated lines by a few people. */
function chatText(lines: number): Buffer {
  const people = ['Alice', 'Bob', 'Chloé'];
  const words = ['ok', 'see you', 'the bus is late', 'haha', 'did you get the photo?', 'on my way'];
  const out: string[] = [];
  for (let i = 0; i < lines; i++)
    out.push(
      `[${String((i % 28) + 1).padStart(2, '0')}.03.24, ${String(i % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}] ${people[i % 3]}: ${words[(i * 7) % words.length]} ${i}`,
    );
  return Buffer.from(`${out.join('\n')}\n`);
}

function chatJson(messages: number): Buffer {
  const list = Array.from({ length: messages }, (_, i) => ({
    id: i,
    type: 'message',
    date: `2024-03-${String((i % 28) + 1).padStart(2, '0')}T10:${String(i % 60).padStart(2, '0')}:00`,
    from: i % 2 ? 'Alice' : 'Bob',
    text: `message number ${i}`,
  }));
  return Buffer.from(JSON.stringify({ name: 'Chat', messages: list }, null, 1));
}

/** `gzip -dc` of `data` (through a file). */
async function gunzipBySystem(data: Buffer): Promise<Buffer> {
  const path = tmp('chunk.gz');
  await writeFile(path, data);
  const { stdout } = await run('gzip', ['-dc', path], { encoding: 'buffer', maxBuffer: 64 * 2 ** 20 });
  return stdout;
}

test('text and JSON chunks are kept as <id>.gz that gzip -dc decodes; random data as <id>, unchanged', async () => {
  for (const plain of [chatText(5000), chatJson(3000), Buffer.from('a'.repeat(64))]) {
    const id = idOf(plain);
    const stored = storedChunk(id, plain);
    assert.equal(stored.name, `${id}.gz`);
    assert.ok(stored.data.length < plain.length * 0.95);
    assert.deepEqual(await gunzipBySystem(stored.data), plain);
    assert.deepEqual(plainOf(stored, plain.length), plain);
  }
  for (const plain of [
    randomBytes(1024 * 1024),
    randomBytes(64),
    Buffer.from('short text'),
    Buffer.alloc(0),
  ]) {
    const id = idOf(plain);
    const stored = storedChunk(id, plain);
    assert.equal(stored.name, id, `${plain.length} bytes`);
    assert.deepEqual(stored.data, plain);
    assert.deepEqual(plainOf(stored, plain.length), plain);
  }
});

/** Tar bytes of `chunks` before padding: each entry, the padding header and the two end blocks. */
const unpaddedBytes = (chunks: readonly StoredChunk[]) =>
  chunks.reduce((sum, c) => sum + 512 + Math.ceil(c.data.length / 512) * 512, 0) + 512 + 1024;

function someChunks(): (StoredChunk & { plain: Buffer })[] {
  const plains = [chatText(2000), randomBytes(300_001), chatJson(500), randomBytes(1), randomBytes(512)];
  return plains.map((p) => ({ ...storedChunk(idOf(p), p), plain: p }));
}

test('plainOf refuses a stored chunk of another length, and a gzip that inflates past it', () => {
  const plain = chatText(4000);
  const stored = storedChunk(idOf(plain), plain);
  assert.throws(() => plainOf(stored, plain.length - 1));
  assert.throws(() => plainOf(stored, plain.length + 1), /not \d+ bytes long/);
  const raw = randomBytes(100);
  assert.throws(() => plainOf(storedChunk(idOf(raw), raw), 99), /not 99 bytes long/);
});

test('packTar is padded to the Padmé length (in whole blocks) of its unpadded length', () => {
  const sets: StoredChunk[][] = [[], someChunks(), [storedChunk(idOf(randomBytes(10)), randomBytes(10))]];
  for (let n = 1; n <= 40; n++) {
    const data = randomBytes(n * 9973);
    sets.push([storedChunk(idOf(data), data)]);
  }
  for (const chunks of sets) {
    const unpadded = unpaddedBytes(chunks);
    assert.equal(packEntriesBytes(chunks), unpadded - 1536);
    const tar = packTar(chunks);
    assert.equal(tar.length, Math.ceil(padmeLength(unpadded) / 512) * 512, `${chunks.length} chunks`);
    assert.equal(packTarBytes(chunks.map((c) => c.data.length)), tar.length, 'packTarBytes');
    assert.equal(readPackTar(tar).size, chunks.length);
  }
});

test('GNU tar lists the chunks and the padding and extracts them; readPackTar leaves the padding out', async () => {
  const chunks = someChunks();
  const tar = packTar(chunks);
  const path = tmp('pack.tar');
  await writeFile(path, tar);
  const { stdout } = await run('tar', ['-tf', path]);
  assert.deepEqual(stdout.trimEnd().split('\n'), [...chunks.map((c) => c.name), PADDING_NAME]);

  const out = tmp('extracted');
  await mkdir(out);
  await run('tar', ['-xf', path, '-C', out]);
  assert.deepEqual((await readdir(out)).sort(), [...chunks.map((c) => c.name), PADDING_NAME].sort());
  const padding = await readFile(join(out, PADDING_NAME));
  assert.equal(padding.length % 512, 0);
  assert.ok(padding.every((b) => b === 0));
  for (const chunk of chunks) {
    const file = await readFile(join(out, chunk.name));
    assert.deepEqual(file, chunk.data, chunk.name);
    if (chunk.name.endsWith('.gz')) assert.deepEqual(await gunzipBySystem(file), chunk.plain);
  }

  const read = readPackTar(tar);
  assert.deepEqual(
    [...read.keys()],
    chunks.map((c) => c.name),
  );
  for (const chunk of chunks) {
    const data = read.get(chunk.name) as Buffer;
    assert.deepEqual(data, chunk.data);
    assert.deepEqual(plainOf({ name: chunk.name, data }, chunk.plain.length), chunk.plain);
  }
  assert.ok(chunks.some((c) => c.name.endsWith('.gz')) && chunks.some((c) => !c.name.endsWith('.gz')));
});

test('an empty pack is a tar of the padding alone', async () => {
  const tar = packTar([]);
  assert.equal(readPackTar(tar).size, 0);
  const path = tmp('empty.tar');
  await writeFile(path, tar);
  const { stdout } = await run('tar', ['-tf', path]);
  assert.equal(stdout, `${PADDING_NAME}\n`);
});
