// A snapshot's plaintext: paths a shell turns back into bytes with printf '%b', lines it reads with
// `read -r`, and a decoder that refuses truncation, unsafe paths and inconsistent files.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import {
  decodePath,
  decodeSnapshot,
  encodePath,
  encodeSnapshot,
  type ListedEntry,
  type SnapshotHeader,
  SnapshotListError,
} from '../../../src/core/dedup/snapshot-list.js';

const run = promisify(execFile);

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'puddleproof-snapshot-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const PATHS = [
  'WhatsApp Chat with Bob',
  'plain-ASCII_name.v2~+,=@/x',
  'with space and  two',
  'Café été',
  'emoji 😀👍🏽 party',
  '中文聊天记录',
  'back\\slash',
  'new\nline',
  '100% sure',
  "quote\"s and 'single'",
  'tab\tand $dollar `tick` *star* ?q [b] {c} | & ; < > # !',
  '-leading dash',
  'ends in a backslash\\',
];

const chunk = (plainBytes: number) => ({ name: randomBytes(32).toString('hex'), plainBytes });
const gzChunk = (plainBytes: number) => ({ name: `${randomBytes(32).toString('hex')}.gz`, plainBytes });

test('decodePath reads what encodePath wrote, which keeps only safe characters and \\0ooo escapes', () => {
  for (const text of [...PATHS, 'a', '/', '\u0001', '\u007f', '\u00ff', '\u{10ffff}']) {
    const encoded = encodePath(text);
    assert.match(encoded, /^([A-Za-z0-9._~+,=@/-]|\\0[0-7]{3})+$/, JSON.stringify(text));
    assert.equal(decodePath(encoded), text);
  }
  assert.equal(encodePath('a b/é'), 'a\\0040b/\\0303\\0251');
  assert.equal(encodePath('%\\\n'), '\\0045\\0134\\0012');
});

test("printf '%b' in sh turns encodePath's output back into the same UTF-8 bytes", async () => {
  for (const text of PATHS) {
    const { stdout } = await run('sh', ['-c', 'printf "%b" "$1"', 'sh', encodePath(text)], {
      encoding: 'buffer',
    });
    assert.deepEqual(stdout, Buffer.from(text, 'utf8'), JSON.stringify(text));
  }
});

test('decodePath refuses what encodePath never writes and bytes that are not UTF-8', () => {
  for (const encoded of ['', 'a b', 'tab\t', '\\x41', '\\041', '\\0999', '\\01', 'é', 'a\\', '\\0a'])
    assert.throws(() => decodePath(encoded), SnapshotListError, JSON.stringify(encoded));
  for (const encoded of ['\\0377', '\\0303', 'a\\0355\\0240\\0200'])
    assert.throws(() => decodePath(encoded), JSON.stringify(encoded));
});

test('a path that is not UTF-8 is refused with a SnapshotListError that names its line', () => {
  for (const encoded of ['\\0377', '\\0303', 'a\\0355\\0240\\0200'])
    assert.throws(() => decodePath(encoded), SnapshotListError, JSON.stringify(encoded));
  assert.throws(() => decodeSnapshot(snapshot(['D 755 0 Export/\\0377'])), SnapshotListError);
  assert.throws(() => decodeSnapshot(snapshot(['D 755 0 Export/\\0377'])), /line 6/);
});

const header: SnapshotHeader = {
  id: '20260301T101500Z-abcdefghijkm',
  createdAt: '2026-03-01T10:15:00.123Z',
  chatKey: null,
  exportName: 'Chat export é',
};

function sampleEntries(): ListedEntry[] {
  const e = header.exportName;
  return [
    { type: 'dir', path: e, mode: 0o755, mtimeMs: 1_700_000_000_000 },
    {
      type: 'file',
      path: `${e}/_chat.txt`,
      mode: 0o644,
      mtimeMs: 1_700_000_000_123,
      size: 5,
      cksum: 1,
      chunks: [chunk(5)],
    },
    {
      type: 'file',
      path: `${e}/big video 😀.mp4`,
      mode: 0o600,
      mtimeMs: 0,
      size: 3_000_007,
      cksum: 4_294_967_295,
      chunks: [chunk(1_000_000), gzChunk(2_000_000), chunk(7)],
    },
    { type: 'file', path: `${e}/empty`, mode: 0o444, mtimeMs: 1, size: 0, cksum: 4_294_967_295, chunks: [] },
    { type: 'dir', path: `${e}/media/中文`, mode: 0o700, mtimeMs: 2 },
    {
      type: 'file',
      path: `${e}/media/中文/new\nline 100% "quoted" $HOME`,
      mode: 0o4755,
      mtimeMs: 9_999_999_999_999,
      size: 2 ** 40,
      cksum: 0,
      chunks: [chunk(2 ** 39), chunk(2 ** 39)],
    },
  ];
}

test('decodeSnapshot reads what encodeSnapshot wrote, padded to a power of two of at least 4 KiB', () => {
  const entries = sampleEntries();
  for (const h of [header, { ...header, chatKey: 'whatsapp:4f2a9c' }]) {
    const plain = encodeSnapshot(h, entries);
    assert.equal(plain.length, 4096);
    assert.deepEqual(decodeSnapshot(plain), { header: h, entries });
  }
  const text = encodeSnapshot(header, entries).toString('utf8');
  assert.match(
    text,
    /^puddleproof snapshot 2\nI 20260301T101500Z-abcdefghijkm\nT 2026-03-01T10:15:00.123Z\nK -\n/,
  );
  assert.match(
    text,
    /\nF 644 1700000000123 5 1 Chat\\0040export\\0040\\0303\\0251\/_chat\.txt\nC [0-9a-f]{64} 5\n/,
  );
  assert.match(text, /\nE\n\n*$/);
  assert.deepEqual(decodeSnapshot(encodeSnapshot(header, [])), { header, entries: [] });

  // Many files: the next power of two.
  const many: ListedEntry[] = [{ type: 'dir', path: header.exportName, mode: 0o755, mtimeMs: 5 }];
  for (let i = 0; i < 500; i++)
    many.push({
      type: 'file',
      path: `${header.exportName}/f${i}`,
      mode: 0o644,
      mtimeMs: i,
      size: 3,
      cksum: i,
      chunks: [chunk(1), gzChunk(2)],
    });
  const plain = encodeSnapshot(header, many);
  assert.ok(plain.length > 4096 && (plain.length & (plain.length - 1)) === 0);
  assert.ok(plain.toString('utf8').replace(/\n+$/, '\n').length > plain.length / 2);
  assert.deepEqual(decodeSnapshot(plain).entries, many);
});

test("a shell reads the lines with `read -r` and the paths with printf '%b'", async () => {
  const path = join(dir, 'snapshot.txt');
  const entries = sampleEntries();
  await writeFile(path, encodeSnapshot(header, entries));
  // The paths of F lines, each followed by a NUL.
  const script = `while read -r tag mode mtime size sum path; do
  [ "$tag" = F ] && printf '%b\\0' "$path"
done < "$1"; exit 0`;
  const { stdout } = await run('sh', ['-c', script, 'sh', path], { encoding: 'buffer' });
  const files = entries.filter((e) => e.type === 'file').map((e) => `${e.path}\0`);
  assert.deepEqual(stdout, Buffer.from(files.join(''), 'utf8'));
});

/** A snapshot's plaintext from its header lines and `body` lines, ended by E unless `end` is false. */
function snapshot(body: string[], end = true, exportName = 'Export'): Buffer {
  const lines = ['puddleproof snapshot 2', 'I x', 'T t', 'K -', `N ${encodePath(exportName)}`, ...body];
  return Buffer.from(`${[...lines, ...(end ? ['E'] : [])].join('\n')}\n\n\n`);
}

const NAME = 'ab'.repeat(32);

test('decodeSnapshot refuses a snapshot without its E line, or not of format 2', () => {
  const body = ['D 755 0 Export', `F 644 0 3 7 Export/a`, `C ${NAME} 3`];
  assert.equal(decodeSnapshot(snapshot(body)).entries.length, 2, 'control');
  assert.throws(() => decodeSnapshot(snapshot(body, false)), /truncated/);
  const plain = encodeSnapshot(header, sampleEntries());
  const text = plain.toString('utf8').replace(/\n+$/, '');
  for (let cut = 0; cut < text.length - 1; cut += 7)
    assert.throws(() => decodeSnapshot(Buffer.from(text.slice(0, cut))), SnapshotListError, `cut at ${cut}`);
  assert.throws(
    () => decodeSnapshot(Buffer.from(text.replace('snapshot 2', 'snapshot 1'))),
    /not a format-2/,
  );
  assert.throws(() => decodeSnapshot(snapshot(['E', ...body])), /malformed line/, 'an E line in the middle');
});

test('decodeSnapshot refuses unsafe paths and paths outside the export', () => {
  const refused: [string, string, RegExp][] = [
    ['..', 'Export/../etc/passwd', /"\.\."/],
    ['.. at the end', 'Export/..', /"\.\."/],
    ['.', 'Export/./a', /"\."/],
    ['absolute', '/Export/a', /absolute/],
    ['absolute, export named so', '/etc/passwd', /absolute/],
    ['doubled slash', 'Export//a', /empty name/],
    ['trailing slash', 'Export/a/', /empty name/],
    ['backslash', 'Export/a\\b', /backslash/],
    ['NUL', 'Export/a\0b', /NUL/],
    ['outside', 'Other/a', /outside the export/],
    ['sharing a prefix with the export', 'Export2/a', /outside the export/],
    ['sharing a prefix, alone', 'Exportx', /outside the export/],
  ];
  for (const [what, path, problem] of refused) {
    assert.throws(() => decodeSnapshot(snapshot([`D 755 0 ${encodePath(path)}`])), problem, `dir: ${what}`);
    assert.throws(
      () => decodeSnapshot(snapshot([`F 644 0 0 0 ${encodePath(path)}`])),
      problem,
      `file: ${what}`,
    );
  }
  // Also when the export itself is named so: every path must still be safe.
  assert.throws(() => decodeSnapshot(snapshot(['D 755 0 /etc'], true, '/etc')), /absolute/);
  assert.throws(() => decodeSnapshot(snapshot(['D 755 0 ..'], true, '..')), /"\.\."/);
  // An escaped slash or dot is not how encodePath writes them: refused before it could hide a "..".
  assert.throws(
    () => decodeSnapshot(snapshot(['D 755 0 Export\\0057\\0056\\0056'])),
    /not written as encodePath writes it/,
  );
  // encodeSnapshot writes such a path; decodeSnapshot is what refuses it.
  const bad: ListedEntry = { type: 'dir', path: `${header.exportName}/../x`, mode: 0o755, mtimeMs: 0 };
  assert.throws(() => decodeSnapshot(encodeSnapshot(header, [bad])), /"\.\."/);
});

test('decodeSnapshot refuses a file whose chunks do not add up to its size, and chunks outside a file', () => {
  const ok = decodeSnapshot(snapshot(['F 644 0 10 0 Export/a', `C ${NAME} 4`, `C ${NAME}.gz 6`]));
  assert.equal(ok.entries.length, 1);
  const sizes: string[][] = [
    ['F 644 0 10 0 Export/a', `C ${NAME} 4`, `C ${NAME} 5`],
    ['F 644 0 10 0 Export/a', `C ${NAME} 4`, `C ${NAME} 7`],
    ['F 644 0 10 0 Export/a'],
    ['F 644 0 0 0 Export/a', `C ${NAME} 1`],
    ['F 644 0 3 0 Export/a', 'D 755 0 Export/d', `C ${NAME} 3`],
  ];
  for (const body of sizes.slice(0, 4))
    assert.throws(() => decodeSnapshot(snapshot(body)), /do not add up/, body.join(' | '));
  assert.throws(
    () => decodeSnapshot(snapshot(sizes[4] as string[])),
    /malformed chunk line/,
    'a C line after a D line',
  );
  assert.throws(
    () => decodeSnapshot(snapshot([`C ${NAME} 3`, 'F 644 0 3 0 Export/a'])),
    /line 6: a malformed chunk line/,
  );
});

test('decodeSnapshot refuses malformed numbers and lines', () => {
  const lines: [string, string[], RegExp][] = [
    ['mode not octal', ['D 758 0 Export'], /malformed number/],
    ['mode too long', ['D 12345670 0 Export'], /malformed number/],
    ['mtime with letters', ['D 755 1e3 Export'], /malformed number/],
    ['mtime empty', ['D 755  Export'], /malformed/],
    ['mtime a lone minus', ['D 755 - Export'], /malformed number/],
    ['mtime fractional', ['D 755 1.5 Export'], /malformed number/],
    ['size of 17 digits', ['F 644 0 12345678901234567 0 Export/a'], /malformed number/],
    ['size beyond 2^53', ['F 644 0 9999999999999999 0 Export/a'], /out of range/],
    ['size in hex', ['F 644 0 0x10 0 Export/a'], /malformed number/],
    ['cksum negative', ['F 644 0 0 -1 Export/a'], /malformed number/],
    ['chunk size negative', ['F 644 0 0 0 Export/a', `C ${NAME} -0`], /malformed number/],
    ['chunk size with a sign', ['F 644 0 1 0 Export/a', `C ${NAME} +1`], /malformed number/],
    ['D with a field too many', ['D 755 0 0 Export'], /malformed line/],
    ['F with a field missing', ['F 644 0 0 Export/a'], /malformed line/],
    ['an unknown tag', ['X 755 0 Export'], /malformed line/],
    ['a blank line', ['D 755 0 Export', ''], /malformed line/],
    ['a path not encoded', ['D 755 0 Export/a b'], /malformed line/],
  ];
  for (const [what, body, problem] of lines)
    assert.throws(() => decodeSnapshot(snapshot(body)), problem, what);
  assert.equal(
    decodeSnapshot(snapshot(['D 755 0 Export', 'F 644 0 0 0 Export/a'])).entries.length,
    2,
    'control',
  );
});

test('decodeSnapshot refuses bad chunk names', () => {
  const names = [
    NAME.toUpperCase(),
    NAME.slice(1),
    `${NAME}0`,
    `${NAME}.gzip`,
    `${NAME}.GZ`,
    `${NAME}.gz.gz`,
    `../${NAME.slice(3)}`,
    `${NAME.slice(1)}g`,
  ];
  for (const name of names)
    assert.throws(
      () => decodeSnapshot(snapshot(['F 644 0 1 0 Export/a', `C ${name} 1`])),
      /malformed chunk line/,
      name,
    );
  assert.throws(
    () => decodeSnapshot(snapshot(['F 644 0 1 0 Export/a', `C ${NAME} 1 x`])),
    /malformed chunk line/,
  );
  assert.throws(() => decodeSnapshot(snapshot(['F 644 0 1 0 Export/a', `C ${NAME}`])), /malformed/);
});

test('decodeSnapshot refuses header lines out of place', () => {
  const text = encodeSnapshot(header, []).toString('utf8');
  const lines = text.replace(/\n+$/, '').split('\n');
  const swapped = [lines[0], lines[2], lines[1], ...lines.slice(3)].join('\n');
  assert.throws(() => decodeSnapshot(Buffer.from(swapped)), /line 2: expected "I"/);
  const noName = lines.filter((l) => !l.startsWith('N ')).join('\n');
  assert.throws(() => decodeSnapshot(Buffer.from(noName)), /expected "N"/);
});

// stat gives files dated before 1970 a negative mtimeMs; the snapshot keeps it.
test('a snapshot with a modification time before 1970 reads back', () => {
  const entries: ListedEntry[] = [
    { type: 'dir', path: header.exportName, mode: 0o755, mtimeMs: -86_400_000 },
    {
      type: 'file',
      path: `${header.exportName}/old`,
      mode: 0o644,
      mtimeMs: -1,
      size: 1,
      cksum: 2,
      chunks: [chunk(1)],
    },
  ];
  assert.deepEqual(decodeSnapshot(encodeSnapshot(header, entries)), { header, entries });
});
