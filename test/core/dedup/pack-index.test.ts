// A pack's index: lines a shell reads with grep, authenticated with the vault authentication key and bound
// to its pack, so that any change, addition or removal is refused.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { decodeIndex, encodeIndex, type IndexEntry, IndexError } from '../../../src/core/dedup/pack-index.js';

const run = promisify(execFile);

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'puddleproof-index-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const authKey = randomBytes(32);
const PACK = '20260301T101500Z-abcdefghijkm';
const OTHER_PACK = '20260301T101500Z-abcdefghijkn';

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

function entries(count: number): IndexEntry[] {
  return Array.from({ length: count }, (_, i) => {
    const name = randomBytes(32).toString('hex') + (i % 3 === 0 ? '.gz' : '');
    const plainBytes = 1 + i * 7919;
    const storedBytes = name.endsWith('.gz') ? Math.ceil(plainBytes / 3) : plainBytes;
    return { name, storedBytes, plainBytes, crc: (i * 2654435761) >>> 0 };
  });
}

/** The lines of an index's plaintext, without its newline padding. */
const linesOf = (plain: Buffer) => plain.toString('utf8').replace(/\n+$/, '').split('\n');
/** An index plaintext from `lines` (padded as encodeIndex pads, which does not matter to decodeIndex). */
const fromLines = (lines: string[]) => Buffer.from(`${lines.join('\n')}\n${'\n'.repeat(100)}`);

test('decodeIndex reads what encodeIndex wrote, padded with newlines to a power of two of at least 4 KiB', () => {
  for (const count of [0, 1, 2, 40, 47, 48, 200, 1000]) {
    const list = entries(count);
    const plain = encodeIndex(authKey, PACK, list);
    assert.ok(plain.length >= 4096, `${count} entries`);
    assert.equal(plain.length & (plain.length - 1), 0, `${plain.length} is a power of two`);
    const text = plain.toString('utf8');
    const unpadded = text.replace(/\n+$/, '\n');
    assert.ok(plain.length === 4096 || unpadded.length > plain.length / 2, 'padded to the next power only');
    assert.match(text.slice(unpadded.length), /^\n*$/);
    assert.deepEqual(decodeIndex(authKey, PACK, plain), list);
  }
  assert.equal(encodeIndex(authKey, PACK, []).length, 4096);
});

test('the plaintext is lines a shell reads: grep "^C " gives exactly the entries', async () => {
  const list = entries(60);
  const path = join(dir, 'index.txt');
  await writeFile(path, encodeIndex(authKey, PACK, list));
  const { stdout } = await run('grep', ['^C ', path]);
  assert.equal(
    stdout,
    list.map((e) => `C ${e.name} ${e.storedBytes} ${e.plainBytes} ${hex8(e.crc)}\n`).join(''),
  );
  const { stdout: pack } = await run('grep', ['^P ', path]);
  assert.equal(pack, `P ${PACK}\n`);
  const { stdout: proof } = await run('grep', ['-c', '^A [0-9a-f]\\{64\\}$', path]);
  assert.equal(proof, '1\n');
});

test('decodeIndex refuses an index made with another authentication key', () => {
  const list = entries(3);
  const plain = encodeIndex(randomBytes(32), PACK, list);
  assert.throws(() => decodeIndex(authKey, PACK, plain), IndexError);
  assert.throws(() => decodeIndex(authKey, PACK, plain), /not authentic/);
  assert.deepEqual(decodeIndex(authKey, PACK, encodeIndex(authKey, PACK, list)), list, 'control');
});

test('decodeIndex refuses the index of another pack, also with its P line rewritten', () => {
  const plain = encodeIndex(authKey, PACK, entries(3));
  assert.throws(() => decodeIndex(authKey, OTHER_PACK, plain), /describes another pack/);
  const lines = linesOf(plain);
  lines[1] = `P ${OTHER_PACK}`;
  assert.throws(() => decodeIndex(authKey, OTHER_PACK, fromLines(lines)), /not authentic/);
});

test('decodeIndex refuses any changed entry line: size, name, or their order', () => {
  const list = entries(4);
  const lines = linesOf(encodeIndex(authKey, PACK, list));
  assert.deepEqual(decodeIndex(authKey, PACK, fromLines(lines)), list, 'control: re-padded is fine');
  const changed = (i: number, line: string) => fromLines(lines.map((l, j) => (j === i ? line : l)));
  const e = list[1] as IndexEntry;
  const flip = (name: string) => (name[0] === 'a' ? 'b' : 'a') + name.slice(1);
  const cases: [string, Buffer][] = [
    ['stored size', changed(3, `C ${e.name} ${e.storedBytes + 1} ${e.plainBytes} ${hex8(e.crc)}`)],
    ['plain size', changed(3, `C ${e.name} ${e.storedBytes} ${e.plainBytes - 1} ${hex8(e.crc)}`)],
    ['name', changed(3, `C ${flip(e.name)} ${e.storedBytes} ${e.plainBytes} ${hex8(e.crc)}`)],
    [
      'name gzipped',
      changed(3, `C ${e.name.replace(/\.gz$/, '')}.gz ${e.storedBytes} ${e.plainBytes} ${hex8(e.crc)}`),
    ],
    ['crc', changed(3, `C ${e.name} ${e.storedBytes} ${e.plainBytes} ${hex8((e.crc ^ 1) >>> 0)}`)],
    ['order', fromLines([...lines.slice(0, 2), lines[3], lines[2], ...lines.slice(4)] as string[])],
  ];
  for (const [what, plain] of cases)
    assert.throws(() => decodeIndex(authKey, PACK, plain), /not authentic/, what);
  const malformed: [string, Buffer][] = [
    [
      'upper-case name',
      changed(3, `C ${e.name.toUpperCase()} ${e.storedBytes} ${e.plainBytes} ${hex8(e.crc)}`),
    ],
    ['negative size', changed(3, `C ${e.name} -${e.storedBytes} ${e.plainBytes} ${hex8(e.crc)}`)],
    ['extra field', changed(3, `C ${e.name} ${e.storedBytes} ${e.plainBytes} ${hex8(e.crc)} x`)],
    [
      'crc in upper case',
      changed(3, `C ${e.name} ${e.storedBytes} ${e.plainBytes} ${hex8(e.crc).toUpperCase()}x`),
    ],
    ['crc missing', changed(3, `C ${e.name} ${e.storedBytes} ${e.plainBytes}`)],
    ['missing field', changed(3, `C ${e.name} ${e.storedBytes}`)],
    ['another tag', changed(3, `X ${e.name} ${e.storedBytes} ${e.plainBytes}`)],
    ['blank line', changed(3, '')],
  ];
  for (const [what, plain] of malformed)
    assert.throws(() => decodeIndex(authKey, PACK, plain), /malformed line/, what);
  assert.throws(() => decodeIndex(authKey, PACK, changed(0, 'puddleproof index 1')), /not a format-2 index/);
});

test('decodeIndex refuses an added or a removed entry line, and a missing proof line', () => {
  const list = entries(3);
  const lines = linesOf(encodeIndex(authKey, PACK, list));
  const extra = `C ${randomBytes(32).toString('hex')} 10 10`;
  const proof = lines.at(-1) as string;
  const cases: [string, string[]][] = [
    ['added', [...lines.slice(0, -1), extra, proof]],
    ['added first', [lines[0], lines[1], extra, ...lines.slice(2)] as string[]],
    ['removed', [...lines.slice(0, 2), ...lines.slice(3)]],
    ['removed last', [...lines.slice(0, -2), proof]],
    ['all removed', [...lines.slice(0, 2), proof]],
    ['proof missing', lines.slice(0, -1)],
    ['proof missing, entry added', [...lines.slice(0, -1), extra]],
    [
      'proof of another index',
      [...lines.slice(0, -1), linesOf(encodeIndex(authKey, PACK, entries(3))).at(-1) as string],
    ],
    ['proof emptied', [...lines.slice(0, -1), 'A ']],
    ['proof cut short', [...lines.slice(0, -1), proof.slice(0, -2)]],
  ];
  for (const [what, changed] of cases)
    assert.throws(() => decodeIndex(authKey, PACK, fromLines(changed)), /not authentic|malformed line/, what);
  const empty = linesOf(encodeIndex(authKey, PACK, []));
  assert.throws(() => decodeIndex(authKey, PACK, fromLines(empty.slice(0, -1))), /not authentic|malformed/);
  assert.throws(
    () => decodeIndex(authKey, PACK, fromLines([...lines, proof])),
    /malformed line/,
    'proof twice',
  );
});

// Only the exact text encodeIndex writes is accepted: another spelling of a number (which a shell reading
// the index with $((…)) might take for octal) or of the proof line is refused.
test('decodeIndex refuses an index spelled otherwise than encodeIndex writes it', () => {
  const list = entries(2);
  const lines = linesOf(encodeIndex(authKey, PACK, list));
  const proof = lines.at(-1) as string;
  const e = list[0] as IndexEntry;
  const variants: [string, string[]][] = [
    ...['zz', ' extra', '0', 'g'].map((tail): [string, string[]] => [
      `proof line "A <proof>${tail}"`,
      [...lines.slice(0, -1), proof + tail],
    ]),
    [
      'size with a leading zero',
      [lines[0], lines[1], `C ${e.name} 0${e.storedBytes} ${e.plainBytes}`, ...lines.slice(3)] as string[],
    ],
  ];
  for (const [what, changed] of variants)
    assert.throws(() => decodeIndex(authKey, PACK, fromLines(changed)), IndexError, what);
});
