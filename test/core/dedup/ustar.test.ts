// The format-2 ustar tars against GNU tar: what we write, `tar` lists and extracts byte for byte; what
// `tar` writes (or a hand-altered header) that is not a plain regular file with a short name, we refuse.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import {
  readUstar,
  USTAR_END,
  UstarError,
  ustarEntry,
  ustarEntryBytes,
  ustarHeader,
} from '../../../src/core/dedup/ustar.js';

const run = promisify(execFile);

let dir = '';
let fileNo = 0;
/** A fresh path in the temp dir. */
const tmp = (name: string) => join(dir, `${fileNo++}-${name}`);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'puddleproof-ustar-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** Files of many sizes around the block size, one with a 100-byte name, one a view into a larger buffer. */
function sampleFiles(): Map<string, Buffer> {
  const big = randomBytes(5000);
  return new Map<string, Buffer>([
    ['empty', Buffer.alloc(0)],
    ['one', Buffer.from('x')],
    ['block-1', randomBytes(511)],
    ['block', randomBytes(512)],
    ['block+1', randomBytes(513)],
    ['x'.repeat(100), randomBytes(3 * 512 + 7)],
    ['view.gz', big.subarray(17, 4017)],
    ['big', randomBytes(100 * 1024 + 3)],
  ]);
}

function tarOf(files: Map<string, Buffer>): Buffer {
  return Buffer.concat([...[...files].flatMap(([name, data]) => ustarEntry(name, data)), USTAR_END]);
}

/** A tar made by GNU tar in `--format=ustar` of `names` inside `root`. */
async function systemTar(root: string, names: string[], extra: string[] = []): Promise<Buffer> {
  const out = tmp('system.tar');
  await run('tar', ['--format=ustar', ...extra, '-cf', out, '-C', root, ...names]);
  return readFile(out);
}

/** `header` with its checksum field recomputed, as a tar tool writing it would. */
function resum(header: Buffer): Buffer {
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return header;
}

test('GNU tar lists and extracts a tar we write byte for byte, and readUstar reads it back', async () => {
  const files = sampleFiles();
  const tar = tarOf(files);
  const expectedLength =
    [...files.values()].reduce((sum, d) => sum + 512 + Math.ceil(d.length / 512) * 512, 0) + 1024;
  assert.equal(tar.length, expectedLength);
  for (const [name, data] of files)
    assert.equal(ustarEntryBytes(data.length), 512 + Math.ceil(data.length / 512) * 512, name);
  const path = tmp('ours.tar');
  await writeFile(path, tar);

  const { stdout: listing } = await run('tar', ['-tvf', path]);
  const lines = listing.trimEnd().split('\n');
  assert.deepEqual(
    lines.map((l) => l.split(/\s+/).at(-1)),
    [...files.keys()],
  );
  for (const [i, data] of [...files.values()].entries()) {
    const [mode, , size] = (lines[i] as string).split(/\s+/);
    assert.equal(mode, '-rw-r--r--');
    assert.equal(Number(size), data.length);
  }

  const out = tmp('extracted');
  await mkdir(out);
  const { stderr } = await run('tar', ['-xf', path, '-C', out]);
  assert.equal(stderr, '', 'tar extracts without a warning');
  for (const [name, data] of files) assert.deepEqual(await readFile(join(out, name)), data, name);

  const read = readUstar(tar);
  assert.deepEqual([...read.keys()], [...files.keys()]);
  for (const [name, data] of files) assert.deepEqual(read.get(name), data, name);
  assert.deepEqual(readUstar(USTAR_END), new Map(), 'an empty archive');
});

test('readUstar reads a ustar archive of regular files that GNU tar wrote', async () => {
  const root = tmp('root');
  await mkdir(root);
  const files = new Map([
    ['a.txt', Buffer.from('hello\n')],
    ['b.bin', randomBytes(70_000)],
    ['c', Buffer.alloc(0)],
  ]);
  for (const [name, data] of files) await writeFile(join(root, name), data);
  const read = readUstar(await systemTar(root, [...files.keys()]));
  assert.deepEqual(read, files);
});

test('readUstar refuses a truncated archive, wherever it is cut before its end blocks', () => {
  const tar = tarOf(sampleFiles());
  // At the first zero block the archive ends; a cut anywhere before it leaves an entry or the end incomplete.
  const cuts = new Set<number>();
  for (let cut = 0; cut < tar.length - 512; cut += 97) cuts.add(cut);
  for (let cut = 0; cut < tar.length - 512; cut += 512) for (const d of [0, 1, 511]) cuts.add(cut + d);
  cuts.add(tar.length - 513);
  for (const cut of cuts)
    assert.throws(() => readUstar(tar.subarray(0, cut)), /truncated/, `cut at ${cut} of ${tar.length}`);
  // Without its end blocks at all.
  assert.throws(() => readUstar(tar.subarray(0, tar.length - 1024)), /truncated/);
});

test('readUstar refuses a header whose checksum is wrong', () => {
  const tar = tarOf(new Map([['name', Buffer.from('data')]]));
  const renamed = Buffer.from(tar);
  renamed[0] = 'm'.charCodeAt(0); // "mame", checksum left as it was
  assert.throws(() => readUstar(renamed), UstarError);
  assert.throws(() => readUstar(renamed), /checksum is wrong/);
  const resized = Buffer.from(tar);
  resized.write('00000000005', 124, 'ascii'); // size 4 → 5
  assert.throws(() => readUstar(resized), /checksum is wrong/);
  const badSum = Buffer.from(tar);
  badSum.write('99', 148, 'ascii'); // not octal
  assert.throws(() => readUstar(badSum), /bad checksum field/);
  // A changed data byte is not the header's business (age authenticates the whole tar).
  const data = Buffer.from(tar);
  data[512] = 0;
  assert.equal(readUstar(data).get('name')?.toString('latin1'), '\0ata');
});

test('readUstar refuses a symlink, a hard link and a folder that GNU tar wrote', async () => {
  const root = tmp('links');
  await mkdir(join(root, 'sub'), { recursive: true });
  await writeFile(join(root, 'file'), 'content');
  await symlink('file', join(root, 'symlink'));
  await link(join(root, 'file'), join(root, 'hardlink'));
  // The regular file alone is fine; with anything else beside it, the archive is refused.
  assert.equal(
    readUstar(await systemTar(root, ['file']))
      .get('file')
      ?.toString(),
    'content',
  );
  const symlinked = await systemTar(root, ['file', 'symlink']);
  assert.equal(symlinked[512 + 512 + 156], '2'.charCodeAt(0));
  assert.throws(() => readUstar(symlinked), /not a regular file/);
  // The second name of a file with two links is a hard link entry (type '1').
  const hardLinked = await systemTar(root, ['file', 'hardlink']);
  assert.equal(hardLinked[512 + 512 + 156], '1'.charCodeAt(0));
  assert.throws(() => readUstar(hardLinked), /not a regular file/);
  const folder = await systemTar(root, ['sub'], ['--no-recursion']);
  assert.equal(folder[156], '5'.charCodeAt(0));
  assert.throws(() => readUstar(folder), /not a regular file/);
  // GNU tar's own format ("ustar  ") is not ustar.
  const gnu = tmp('gnu.tar');
  await run('tar', ['--format=gnu', '-cf', gnu, '-C', root, 'file']);
  const gnuTar = await readFile(gnu);
  assert.throws(() => readUstar(gnuTar), /not a ustar archive/);
});

test('readUstar refuses an archive with the same name twice', () => {
  const tar = Buffer.concat([
    ...ustarEntry('same', Buffer.from('first')),
    ...ustarEntry('other', Buffer.from('x')),
    ...ustarEntry('same', Buffer.from('second')),
    USTAR_END,
  ]);
  assert.throws(() => readUstar(tar), /the entry same appears twice/);
});

test('readUstar refuses names with a slash and headers with the prefix field set', async () => {
  // ustarHeader itself lets a "/" through (only readUstar refuses it).
  const slashed = Buffer.concat([...ustarEntry('dir/file', Buffer.from('x')), USTAR_END]);
  assert.throws(() => readUstar(slashed), /unexpected name/);

  const root = tmp('deep');
  const longDir = 'd'.repeat(120);
  await mkdir(join(root, 'sub'), { recursive: true });
  await mkdir(join(root, longDir), { recursive: true });
  await writeFile(join(root, 'sub', 'file'), 'x');
  await writeFile(join(root, longDir, 'file'), 'x');
  const nested = await systemTar(root, ['sub/file']);
  assert.throws(() => readUstar(nested), /unexpected name/);
  // A path over 100 bytes: GNU tar puts the folder in the prefix field and "file" in the name field.
  const prefixed = await systemTar(root, [`${longDir}/file`]);
  assert.equal(prefixed.subarray(0, 5).toString('latin1'), 'file\0');
  assert.throws(() => readUstar(prefixed), /unexpected name/);

  // The same by hand: a valid header of "file" with the prefix field set.
  const tar = Buffer.concat([...ustarEntry('file', Buffer.from('x')), USTAR_END]);
  assert.equal(readUstar(tar).get('file')?.toString(), 'x');
  tar.write('dir', 345, 'ascii');
  resum(tar.subarray(0, 512));
  assert.throws(() => readUstar(tar), /unexpected name/);
});

test('ustarHeader refuses names that are empty, too long, or not printable ASCII without spaces', () => {
  for (const name of [
    '',
    'x'.repeat(101),
    'é',
    'caf\u00e9',
    '😀',
    'a b',
    ' ',
    'tab\t',
    'nl\n',
    'nul\0',
    '\x7f',
  ])
    assert.throws(() => ustarHeader(name, 1), UstarError, JSON.stringify(name));
  const header = ustarHeader('x'.repeat(100), 1);
  assert.equal(header.length, 512);
  assert.equal(header.subarray(257, 265).toString('latin1'), 'ustar\x0000');
  assert.throws(() => ustarEntry('a b', Buffer.from('x')), UstarError);
});
