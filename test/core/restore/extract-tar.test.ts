// Extraction of backup archives: real archives round-trip exactly, every unsafe or damaged shape is refused
// with nothing written outside the staging folder, and limits, selection and a full disk behave.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readlinkSync } from 'node:fs';
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, type TestContext, test } from 'node:test';
import { create, type HeaderData } from 'tar';
import {
  createTarExtractor,
  type ExtractOptions,
  type ExtractResult,
  listTar,
  UnsafeArchiveError,
} from '../../../src/core/restore/extract-tar.js';
import { pathProblem } from '../../../src/core/restore/tar-paths.js';
import { tarArchive, tarEntry } from '../../helpers/tar-entry.js';

const T0 = new Date('2021-03-04T05:06:07Z');
/** An absolute path some archives aim at; it must never appear. */
const EVIL = join(tmpdir(), `puddleproof-evil-${process.pid}`);

// ---- building archives by hand, including shapes no tar tool would write ----

const entry = (fields: HeaderData & { body?: string | Buffer }) => tarEntry({ mtime: T0, ...fields });

const dir = (path: string, mode = 0o755, mtime = T0) => entry({ path, type: 'Directory', mode, mtime });

/** A pax extended header ('x', or 'g' for global) carrying `records`. */
function pax(
  records: Record<string, string>,
  type: 'ExtendedHeader' | 'GlobalExtendedHeader' = 'ExtendedHeader',
) {
  const body = Object.entries(records)
    .map(([key, value]) => {
      const line = ` ${key}=${value}\n`;
      let length = Buffer.byteLength(line);
      while (String(length).length + Buffer.byteLength(line) !== length) {
        length = String(length).length + Buffer.byteLength(line);
      }
      return `${length}${line}`;
    })
    .join('');
  return entry({ path: 'PaxHeader', type, body });
}

/** Sets a header's raw type flag and recomputes its checksum (for flags node-tar will not encode). */
function withTypeFlag(block: Buffer, flag: string): Buffer {
  const out = Buffer.from(block);
  out.write(flag, 156, 1, 'latin1');
  out.fill(' ', 148, 156);
  const sum = out.subarray(0, 512).reduce((total, byte) => total + byte, 0);
  out.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return out;
}

/** Entries followed by the two zero blocks that end an archive. */

function* pieces(data: Buffer, size: number) {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

// ---- running an extraction ----

interface Outcome {
  result?: ExtractResult;
  error?: Error;
  streamError?: Error;
}

/** A fresh tmp/…/staging folder, removed after the test. */
async function makeStaging(t: TestContext) {
  const parent = await mkdtemp(join(tmpdir(), 'puddleproof-extract-'));
  t.after(() => rm(parent, { recursive: true, force: true }));
  const staging = join(parent, 'staging');
  await mkdir(staging);
  return { parent, staging };
}

/** Pipes `input` (a Buffer, in pieces of `pieceSize`) into an extractor; reports both the stream and `result`. */
async function extract(
  staging: string,
  input: Buffer | Readable,
  options: Omit<ExtractOptions, 'dir'> = {},
  pieceSize = 64 * 1024,
): Promise<Outcome> {
  const { stream, result } = createTarExtractor({ dir: staging, ...options });
  const source = Buffer.isBuffer(input) ? Readable.from(pieces(input, pieceSize)) : input;
  const [piped, extracted] = await Promise.allSettled([pipeline(source, stream), result]);
  return {
    result: extracted.status === 'fulfilled' ? extracted.value : undefined,
    error: extracted.status === 'rejected' ? extracted.reason : undefined,
    streamError: piped.status === 'rejected' ? piped.reason : undefined,
  };
}

async function extractOk(staging: string, input: Buffer | Readable, options?: Omit<ExtractOptions, 'dir'>) {
  const outcome = await extract(staging, input, options);
  assert.equal(outcome.error, undefined, `extraction failed: ${outcome.error?.message}`);
  assert.equal(outcome.streamError, undefined);
  return outcome.result as ExtractResult;
}

/** Files this process still has open under `folder` (Linux; empty elsewhere). */
function openFilesUnder(folder: string): string[] {
  if (!existsSync('/proc/self/fd')) return [];
  return readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((target) => target.startsWith(folder));
}

/** Extracts `input`, expecting an UnsafeArchiveError matching `pattern`, a failed stream, and nothing outside. */
async function assertRefused(
  t: TestContext,
  input: Buffer,
  pattern: RegExp,
  options?: Omit<ExtractOptions, 'dir'>,
): Promise<string> {
  const { parent, staging } = await makeStaging(t);
  const outcome = await extract(staging, input, options, 1000);
  assert.ok(outcome.error instanceof UnsafeArchiveError, `expected UnsafeArchiveError, got ${outcome.error}`);
  assert.equal(outcome.error.code, 'UNSAFE_ARCHIVE');
  assert.match(outcome.error.message, pattern);
  assert.ok(outcome.streamError, 'the stream must fail too, so that a pipeline fails');
  assert.deepEqual(await readdir(parent), ['staging'], 'nothing may be written next to the staging folder');
  assert.equal(existsSync(EVIL), false, `${EVIL} must not exist`);
  assert.deepEqual(openFilesUnder(parent), [], 'every file handle must be closed');
  return staging;
}

// ---- comparing folder trees ----

interface Node {
  type: 'file' | 'dir';
  mode: number;
  mtime: number;
  sha?: string;
}

/** Every path under `root` with its type, mode, mtime and content hash. */
async function snapshot(root: string, prefix = ''): Promise<Map<string, Node>> {
  const nodes = new Map<string, Node>();
  for (const name of await readdir(join(root, prefix))) {
    const path = prefix ? `${prefix}/${name}` : name;
    const info = await stat(join(root, path));
    const node: Node = {
      type: info.isDirectory() ? 'dir' : 'file',
      mode: info.mode & 0o7777,
      mtime: info.mtimeMs,
    };
    if (info.isDirectory()) {
      for (const [child, value] of await snapshot(root, path)) nodes.set(child, value);
    } else {
      node.sha = createHash('sha256')
        .update(await readFile(join(root, path)))
        .digest('hex');
    }
    nodes.set(path, node);
  }
  return nodes;
}

const NFC = 'caf\u00e9';
const NFD = 'cafe\u0301';
const LONG_NAME = `${'long name '.repeat(20)}é`.padEnd(240, 'x'); // > 100 bytes: needs pax or a GNU long name

/** Writes under `root` a folder tree with the names, modes and times a backup must reproduce exactly. */
async function makeTree(root: string): Promise<void> {
  const files: [string, string | Buffer, number][] = [
    ['tree/plain.txt', 'hello\n', 0o644],
    ['tree/with space.txt', 'spaces\n', 0o644],
    ['tree/emoji 🎉📦.txt', 'party\n', 0o644],
    [`tree/${NFC}-nfc.txt`, 'composed\n', 0o644],
    [`tree/${NFD}-nfd.txt`, 'decomposed\n', 0o644],
    ['tree/run.sh', '#!/bin/sh\necho hi\n', 0o755],
    ['tree/secret', 'private\n', 0o600],
    ['tree/readonly.txt', 'read only\n', 0o444],
    ['tree/empty.txt', '', 0o644],
    ['tree/exact-64k.bin', Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 7) & 255)), 0o644],
    [`tree/${LONG_NAME}/${LONG_NAME}/${LONG_NAME}/file.txt`, 'deep and long\n', 0o640],
    ['tree/deep/1/2/3/4/5/6/7/8/9/file.txt', 'deep\n', 0o644],
    ['tree/locked/inner.txt', 'inside a read-only folder\n', 0o644],
  ];
  const dirs: [string, number][] = [
    ['tree/empty-folder', 0o700],
    ['tree/locked', 0o555],
    ['tree', 0o755],
  ];
  await mkdir(join(root, 'tree/empty-folder'), { recursive: true });
  let second = 0;
  for (const [path, body, mode] of files) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), body);
    await chmod(join(root, path), mode);
    const when = new Date(T0.getTime() + 1000 * ++second);
    await utimes(join(root, path), when, when);
  }
  for (const [path, mode] of dirs) await chmod(join(root, path), mode);
  // Folder times last, deepest first, so that nothing written afterwards changes them.
  const folders = [...(await snapshot(root))].filter(([, node]) => node.type === 'dir').map(([key]) => key);
  folders.sort((a, b) => b.split('/').length - a.split('/').length);
  for (const folder of folders) {
    const when = new Date(T0.getTime() - 1000 * ++second);
    await utimes(join(root, folder), when, when);
  }
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}

describe('round trips', () => {
  const makers: [string, (source: string) => Promise<Buffer>][] = [
    ['node-tar create', (source) => collect(create({ cwd: source }, ['tree']))],
    [
      'GNU tar, pax format',
      async (source) => execFileSync('tar', ['--format=pax', '-cf', '-', '-C', source, 'tree']),
    ],
    [
      'GNU tar, gnu format',
      async (source) => execFileSync('tar', ['--format=gnu', '-cf', '-', '-C', source, 'tree']),
    ],
  ];
  for (const [name, make] of makers) {
    for (const pieceSize of [1 << 20, 1000, 7]) {
      test(`${name}, written in pieces of ${pieceSize} bytes: every byte, name, mode and time`, async (t) => {
        const { parent, staging } = await makeStaging(t);
        const source = join(parent, 'source');
        await makeTree(source);
        const tarball = await make(source);
        const result = (await extract(staging, tarball, {}, pieceSize)).result;
        assert.ok(result, 'extraction succeeded');
        const expected = await snapshot(source);
        assert.deepEqual(await snapshot(staging), expected);
        assert.equal(result.files, [...expected.values()].filter((node) => node.type === 'file').length);
        assert.equal(result.dirs, [...expected.values()].filter((node) => node.type === 'dir').length);
        assert.equal(result.bytes, 6 + 7 + 6 + 9 + 11 + 18 + 8 + 10 + 65536 + 14 + 5 + 26);
        assert.equal(result.entries.length, expected.size);
        assert.ok(result.entries.includes(`tree/${NFD}-nfd.txt`), 'NFD name reported as in the archive');
      });
    }
  }

  test('listTar lists every path with type, size and time, and writes nothing', async (t) => {
    const { parent } = await makeStaging(t);
    const source = join(parent, 'source');
    await makeTree(source);
    const listing = await listTar(Readable.from([await collect(create({ cwd: source }, ['tree']))]));
    const expected = await snapshot(source);
    assert.deepEqual(listing.map(({ path }) => path).sort(), [...expected.keys()].sort());
    for (const item of listing) {
      const node = expected.get(item.path);
      assert.equal(item.type, node?.type, item.path);
      assert.equal(item.mtime.getTime(), node?.mtime, item.path);
    }
    assert.equal(listing.find((item) => item.path === 'tree/exact-64k.bin')?.size, 65536);
    assert.deepEqual((await readdir(parent)).sort(), ['source', 'staging']);
    assert.deepEqual(await readdir(join(parent, 'staging')), []);
  });

  test('a 64 KiB file, an empty file and an empty folder from a hand-built archive', async (t) => {
    const { staging } = await makeStaging(t);
    const body = Buffer.alloc(65536, 'x');
    const result = await extractOk(
      staging,
      tarArchive(entry({ path: 'exact.bin', body }), entry({ path: 'empty' }), dir('nothing/')),
    );
    assert.deepEqual(result, { files: 2, dirs: 1, bytes: 65536, entries: ['exact.bin', 'empty', 'nothing'] });
    assert.deepEqual(await readFile(join(staging, 'exact.bin')), body);
    assert.equal((await readFile(join(staging, 'empty'))).length, 0);
    assert.deepEqual(await readdir(join(staging, 'nothing')), []);
  });

  test('modes lose setuid, setgid and sticky bits; folder times survive the files written into them', async (t) => {
    const { staging } = await makeStaging(t);
    const folderTime = new Date('2001-02-03T04:05:06Z');
    await extractOk(
      staging,
      tarArchive(
        dir('shared/', 0o1777, folderTime),
        entry({ path: 'shared/suid', mode: 0o4755, body: 'x' }),
        entry({ path: 'shared/sgid', mode: 0o2640, body: 'y' }),
        entry({ path: 'implied/parent/file', body: 'z' }),
      ),
    );
    assert.equal((await stat(join(staging, 'shared'))).mode & 0o7777, 0o777);
    assert.equal((await stat(join(staging, 'shared'))).mtimeMs, folderTime.getTime());
    assert.equal((await stat(join(staging, 'shared/suid'))).mode & 0o7777, 0o755);
    assert.equal((await stat(join(staging, 'shared/sgid'))).mode & 0o7777, 0o640);
    const file = await stat(join(staging, 'shared/suid'));
    assert.equal(file.mtimeMs, T0.getTime());
    assert.equal(file.atimeMs, T0.getTime());
    assert.equal((await stat(join(staging, 'implied/parent'))).mode & 0o777, 0o755 & ~process.umask());
  });

  test('pax headers, global ones and unknown keywords are metadata, not entries', async (t) => {
    const { staging } = await makeStaging(t);
    const longPath = `${'a-rather-long-folder-name/'.repeat(30)}${'n'.repeat(255)}`;
    const result = await extractOk(
      staging,
      tarArchive(
        pax({ 'PUDDLEPROOF.backup': 'v1', comment: 'made by a test' }, 'GlobalExtendedHeader'),
        pax({ 'PUDDLEPROOF.proof': 'abc=def', mtime: '1600000000.5' }),
        entry({ path: 'proof.txt', body: 'proven' }),
        pax({ path: longPath }),
        entry({ path: 'placeholder', body: 'long' }),
      ),
    );
    assert.deepEqual(result.entries, ['proof.txt', longPath]);
    assert.equal(await readFile(join(staging, 'proof.txt'), 'utf8'), 'proven');
    assert.equal((await stat(join(staging, 'proof.txt'))).mtimeMs, 1600000000500);
    assert.equal(await readFile(join(staging, longPath), 'utf8'), 'long');
  });

  test('nothing already in the folder is overwritten or followed', async (t) => {
    const { staging } = await makeStaging(t);
    await writeFile(join(staging, 'exists.txt'), 'mine');
    await symlink(EVIL, join(staging, 'link'));
    for (const path of ['exists.txt', 'link']) {
      const outcome = await extract(staging, tarArchive(entry({ path, body: 'theirs' })));
      assert.equal((outcome.error as NodeJS.ErrnoException | undefined)?.code, 'EEXIST', path);
    }
    assert.equal(await readFile(join(staging, 'exists.txt'), 'utf8'), 'mine');
    assert.equal(existsSync(EVIL), false);
  });

  test('case-different names are distinct when caseInsensitive is false', async (t) => {
    const { staging } = await makeStaging(t);
    const result = await extractOk(
      staging,
      tarArchive(entry({ path: 'Readme.txt', body: 'a' }), entry({ path: 'README.txt', body: 'b' })),
      { caseInsensitive: false },
    );
    assert.equal(result.files, 2);
  });

  test('a 200 MiB file streams through without being buffered in memory', async (t) => {
    const { staging } = await makeStaging(t);
    const MiB = 1 << 20;
    const size = 200 * MiB;
    const hash = createHash('sha256');
    const source = Readable.from(
      (function* () {
        yield entry({ path: 'big.bin', size }).subarray(0, 512);
        for (let i = 0; i < size / MiB; i++) {
          const chunk = Buffer.alloc(MiB, i & 255);
          hash.update(chunk);
          yield chunk;
        }
        yield Buffer.alloc(1024);
      })(),
    );
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    try {
      const result = await extractOk(staging, source);
      assert.equal(result.bytes, size);
    } finally {
      clearInterval(timer);
    }
    const grown = (peak - before) / MiB;
    t.diagnostic(`RSS before ${Math.round(before / MiB)} MiB, peak ${Math.round(peak / MiB)} MiB`);
    assert.ok(grown < 64, `RSS grew by ${grown.toFixed(0)} MiB while extracting 200 MiB`);
    assert.ok(peak < 200 * MiB, `peak RSS ${Math.round(peak / MiB)} MiB`);
    const written = createHash('sha256');
    for await (const chunk of createReadStream(join(staging, 'big.bin'))) written.update(chunk);
    assert.equal(written.digest('hex'), hash.digest('hex'));
  });
});

describe('refused entry types', () => {
  const cases: [string, Buffer, RegExp][] = [
    [
      'symbolic link',
      tarArchive(entry({ path: 'link', type: 'SymbolicLink', linkpath: '/tmp' }), entry({ path: 'link/x' })),
      /"link".*symbolic link/,
    ],
    [
      'hard link',
      tarArchive(entry({ path: 'passwd', type: 'Link', linkpath: '/etc/passwd' })),
      /"passwd".*hard link/,
    ],
    ['character device', tarArchive(entry({ path: 'tty', type: 'CharacterDevice' })), /"tty".*device/],
    ['block device', tarArchive(entry({ path: 'sda', type: 'BlockDevice' })), /"sda".*device/],
    ['FIFO', tarArchive(entry({ path: 'pipe', type: 'FIFO' })), /"pipe".*named pipe/],
    ['GNU dump folder', tarArchive(entry({ path: 'dump', type: 'GNUDumpDir' })), /"dump".*type GNUDumpDir/],
    ['sparse file', tarArchive(entry({ path: 'sparse', type: 'SparseFile' })), /"sparse".*type SparseFile/],
    ['unknown type flag', tarArchive(withTypeFlag(entry({ path: 'odd' }), 'Z')), /"odd".*type Unsupported/],
    [
      'a pax header over 1 MiB',
      tarArchive(pax({ comment: 'x'.repeat(1100000) }), entry({ path: 'f' })),
      /extended header is too large/,
    ],
    [
      'a header without a time',
      tarArchive(entry({ path: 'f', mtime: undefined })),
      /no valid mode or modification/,
    ],
  ];
  for (const [name, input, pattern] of cases) {
    test(name, async (t) => {
      await assertRefused(t, input, pattern);
    });
  }

  test('a file after a refused entry is not written', async (t) => {
    const staging = await assertRefused(
      t,
      tarArchive(entry({ path: 'pipe', type: 'FIFO' }), entry({ path: 'after.txt', body: 'x' })),
      /named pipe/,
    );
    assert.deepEqual(await readdir(staging), []);
  });
});

describe('refused paths', () => {
  const badPaths: [string, RegExp][] = [
    [EVIL, /absolute/],
    ['../escaped', /contains "\.\."/],
    ['a/../../escaped', /contains "\.\."/],
    ['a/..', /contains "\.\."/],
    ['./a', /contains "\."/],
    ['a/./b', /contains "\."/],
    ['a//b', /empty name/],
    ['\\\\server\\share\\x', /backslash/],
    ['\\x', /backslash/],
    ['a\\..\\..\\escaped', /backslash/],
    ['C:x', /drive letter/],
    ['C:\\x', /backslash|drive letter/],
    ['c:/x', /drive letter/],
    [`${'d/'.repeat(64)}f`, /more than 64 levels/],
    [`${'n'.repeat(256)}`, /longer than 255 bytes/],
    [`${'é'.repeat(128)}`, /longer than 255 bytes/],
    [`${'abcdefg/'.repeat(512)}h`, /longer than 4096 bytes/],
  ];
  for (const [path, pattern] of badPaths) {
    test(`file ${JSON.stringify(path.length > 60 ? `${path.slice(0, 60)}…` : path)}`, async (t) => {
      await assertRefused(
        t,
        tarArchive(pax({ path }), entry({ path: 'placeholder', body: 'evil' })),
        pattern,
      );
    });
  }

  test('the same paths as folders', async (t) => {
    for (const [path, pattern] of badPaths.slice(0, 7)) {
      await assertRefused(t, tarArchive(dir(`${path}/`)), pattern);
    }
  });

  test('a folder may end in one slash, not two', async (t) => {
    await assertRefused(t, tarArchive(dir('a//')), /empty name/);
  });

  test('a file may not end in a slash', async (t) => {
    await assertRefused(t, tarArchive(entry({ path: 'a/', type: 'ContiguousFile' })), /"a\/".*empty name/);
  });

  test('pathProblem: each rule and its boundary', () => {
    const cases: [string, RegExp | undefined][] = [
      ['a/b c/d', undefined],
      ['', /empty/],
      ['a\0b', /NUL/],
      ['/etc/x', /absolute/],
      ['\\\\server\\x', /backslash/],
      ['\\x', /backslash/],
      ['a\\b', /backslash/],
      ['C:x', /drive letter/],
      ['c:/x', /drive letter/],
      ['Z:', /drive letter/],
      ['ab:c/d:e', undefined],
      ['..', /"\.\."/],
      ['a/../b', /"\.\."/],
      ['.', /"\."/],
      ['a/.', /"\."/],
      ['..a/a..', undefined],
      ['.hidden/.x', undefined],
      ['a//b', /empty name/],
      ['a/', /empty name/],
      ['n'.repeat(255), undefined],
      ['n'.repeat(256), /255 bytes/],
      ['é'.repeat(127), undefined],
      ['é'.repeat(128), /255 bytes/],
      [Array(64).fill('d').join('/'), undefined],
      [Array(65).fill('d').join('/'), /64 levels/],
      [Array(17).fill('n'.repeat(240)).join('/'), undefined],
      [`${Array(17).fill('n'.repeat(240)).join('/')}n`, /4096 bytes/],
    ];
    for (const [path, expected] of cases) {
      const problem = pathProblem(path);
      if (expected) assert.match(problem ?? 'no problem', expected, JSON.stringify(path));
      else assert.equal(problem, undefined, JSON.stringify(path));
    }
  });

  test('a NUL in a header path ends the name there (node-tar), so nothing escapes', async (t) => {
    const { parent, staging } = await makeStaging(t);
    const result = await extractOk(
      staging,
      tarArchive(pax({ path: 'safe\0/../../escaped' }), entry({ path: 'p' })),
    );
    assert.deepEqual(result.entries, ['safe']);
    assert.deepEqual(await readdir(parent), ['staging']);
  });
});

describe('duplicates and conflicts', () => {
  const cases: [string, Buffer[], RegExp, boolean?][] = [
    ['the same file twice', [entry({ path: 'a.txt' }), entry({ path: 'a.txt' })], /"a.txt".*appears twice/],
    ['the same folder twice', [dir('d/'), dir('d/')], /"d\/".*appears twice/],
    ['a folder, then a file of that name', [dir('d/'), entry({ path: 'd' })], /"d".*appears twice/],
    [
      'NFC and NFD forms of one name',
      [entry({ path: `${NFC}.txt` }), entry({ path: `${NFD}.txt` })],
      /different letter case or Unicode form/,
      false,
    ],
    [
      'NFC and NFD forms of a parent folder',
      [entry({ path: `${NFC}/a` }), entry({ path: `${NFD}/b` })],
      /different letter case or Unicode form/,
      false,
    ],
    [
      'names differing in case, case-insensitively',
      [entry({ path: 'Readme.txt' }), entry({ path: 'README.txt' })],
      /different letter case/,
      true,
    ],
    [
      'parent folders differing in case, case-insensitively',
      [entry({ path: 'Photos/a.jpg' }), entry({ path: 'photos/b.jpg' })],
      /different letter case/,
      true,
    ],
    ['a file, then something inside it', [entry({ path: 'a' }), entry({ path: 'a/b' })], /"a" is a file/],
    [
      'a file inside, then the file',
      [entry({ path: 'a/b' }), entry({ path: 'a' })],
      /other entries are inside/,
    ],
    [
      'a file deep inside, then a file on the way',
      [entry({ path: 'a/b/c' }), entry({ path: 'a/b' })],
      /inside/,
    ],
  ];
  for (const [name, entries, pattern, caseInsensitive] of cases) {
    test(name, async (t) => {
      await assertRefused(t, tarArchive(...entries), pattern, { caseInsensitive });
    });
  }

  test('a folder entry after files inside it is fine', async (t) => {
    const { staging } = await makeStaging(t);
    const result = await extractOk(staging, tarArchive(entry({ path: 'd/f', body: 'x' }), dir('d/', 0o700)));
    assert.deepEqual(result.entries, ['d/f', 'd']);
    assert.equal((await stat(join(staging, 'd'))).mode & 0o777, 0o700);
  });
});

describe('limits', () => {
  const three = tarArchive(
    dir('d/'),
    entry({ path: 'd/a', body: 'a'.repeat(1000) }),
    entry({ path: 'b', body: 'b' }),
  );

  test('maxEntries: exactly at the limit passes, one more is refused', async (t) => {
    const { staging } = await makeStaging(t);
    assert.equal((await extractOk(staging, three, { maxEntries: 3 })).entries.length, 3);
    await assertRefused(t, three, /"b".*more than the 2 entries/, { maxEntries: 2 });
  });

  test('maxBytes: exactly at the limit passes, one byte less is refused', async (t) => {
    const { staging } = await makeStaging(t);
    assert.equal((await extractOk(staging, three, { maxBytes: 1001 })).bytes, 1001);
    await assertRefused(t, three, /"b".*more than the 1000 bytes/, { maxBytes: 1000 });
  });

  test('maxBytes is checked on the header, before any of the body is written', async (t) => {
    const big = entry({ path: 'big', body: Buffer.alloc(5000) });
    const staging = await assertRefused(
      t,
      tarArchive(entry({ path: 'small', body: 'x' }), big),
      /"big".*bytes/,
      {
        maxBytes: 4096,
      },
    );
    assert.equal(existsSync(join(staging, 'big')), false);
  });

  test('a huge declared size is refused even though its body never comes', async (t) => {
    const header = Buffer.concat([pax({ size: String(2 ** 40) }), entry({ path: 'huge' })]);
    await assertRefused(t, header, /"huge".*more than the 1048576 bytes/, { maxBytes: 1 << 20 });
  });
});

describe('only', () => {
  const tree = tarArchive(
    dir('docs/', 0o750),
    entry({ path: 'docs/a.txt', body: 'A' }),
    entry({ path: 'docs/sub/b.txt', body: 'B' }),
    entry({ path: 'docsextra.txt', body: 'not under docs' }),
    entry({ path: 'big.bin', body: Buffer.alloc(300000, 1) }),
    entry({ path: 'top.txt', body: 'TOP' }),
  );

  test('a folder (with or without its slash) selects it and everything under it', async (t) => {
    for (const only of [['docs'], ['docs/']]) {
      const { staging } = await makeStaging(t);
      const result = await extractOk(staging, tree, { only });
      assert.deepEqual(result.entries, ['docs', 'docs/a.txt', 'docs/sub/b.txt']);
      assert.deepEqual((await readdir(staging)).sort(), ['docs']);
      assert.equal((await stat(join(staging, 'docs'))).mode & 0o777, 0o750);
    }
  });

  test('single files: parents are created, skipped bodies are still read', async (t) => {
    const { staging } = await makeStaging(t);
    const result = await extractOk(staging, tree, { only: ['docs/sub/b.txt', 'top.txt'] });
    assert.deepEqual(result, { files: 2, dirs: 0, bytes: 4, entries: ['docs/sub/b.txt', 'top.txt'] });
    assert.deepEqual((await readdir(staging)).sort(), ['docs', 'top.txt']);
    assert.deepEqual(await readdir(join(staging, 'docs')), ['sub']);
    assert.equal(await readFile(join(staging, 'docs/sub/b.txt'), 'utf8'), 'B');
    assert.equal(await readFile(join(staging, 'top.txt'), 'utf8'), 'TOP');
  });

  test('a path that matches nothing is named in the error', async (t) => {
    const { staging } = await makeStaging(t);
    const outcome = await extract(staging, tree, { only: ['docs', 'nope/', 'doc'] });
    assert.match(outcome.error?.message ?? '', /Nothing in the backup matches "nope", "doc"\./);
    assert.ok(outcome.streamError);
  });

  test('entries outside the selection are still checked', async (t) => {
    await assertRefused(t, tarArchive(entry({ path: 'docs/a.txt' }), entry({ path: '../x' })), /"\.\.\/x"/, {
      only: ['docs'],
    });
  });
});

describe('damaged archives', () => {
  const body = Buffer.alloc(100000, 'b');
  const whole = tarArchive(entry({ path: 'first.txt', body: 'first' }), entry({ path: 'big.bin', body }));
  const cases: [string, Buffer, RegExp][] = [
    ['ends inside a body', whole.subarray(0, 1024 + 512 + 50000), /truncated: it ends inside "big\.bin"/],
    ['ends inside a header', whole.subarray(0, 1024 + 300), /truncated/],
    [
      'ends without end blocks',
      whole.subarray(0, whole.length - 1024),
      /truncated: its end marker is missing/,
    ],
    ['ends after one end block', whole.subarray(0, whole.length - 512), /truncated/],
    ['is empty', Buffer.alloc(0), /damaged/],
    ['is not a tar at all', Buffer.from('this is not a tar archive, just text\n'.repeat(40)), /damaged/],
  ];
  for (const [name, input, pattern] of cases) {
    test(`an archive that ${name}`, async (t) => {
      await assertRefused(t, input, pattern);
    });
  }

  test('a header with a bad checksum', async (t) => {
    const damagedHeader = Buffer.from(whole);
    damagedHeader[1024 + 10] = 'X'.charCodeAt(0); // inside the second header's name
    await assertRefused(t, damagedHeader, /damaged.*checksum/);
  });

  test('a failing source stops the extraction with its error', async (t) => {
    const { parent, staging } = await makeStaging(t);
    const source = Readable.from(
      (async function* () {
        yield whole.subarray(0, 1024 + 512 + 20000);
        throw new Error('the decryption failed');
      })(),
    );
    const outcome = await extract(staging, source);
    assert.equal(outcome.error?.message, 'the decryption failed');
    assert.equal(outcome.streamError?.message, 'the decryption failed');
    assert.deepEqual(openFilesUnder(parent), []);
  });

  test('destroying the stream early rejects result', async (t) => {
    const { parent, staging } = await makeStaging(t);
    const { stream, result } = createTarExtractor({ dir: staging });
    stream.write(whole.subarray(0, 1024 + 512 + 3000));
    await new Promise((resolve) => setTimeout(resolve, 20));
    stream.destroy();
    await assert.rejects(result, /stopped before the archive ended/);
    assert.deepEqual(openFilesUnder(parent), []);
  });

  test('listTar refuses what extraction refuses', async () => {
    await assert.rejects(listTar(Readable.from([tarArchive(entry({ path: '../x' }))])), UnsafeArchiveError);
    await assert.rejects(listTar(Readable.from([whole.subarray(0, 2000)])), /truncated/);
  });
});

test('a full disk fails with a plain message and leaves no file open', async (t) => {
  const { parent, staging } = await makeStaging(t);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', staging], { stdio: 'pipe' });
  } catch {
    t.skip('mounting a tmpfs is not permitted here');
    return;
  }
  try {
    const input = tarArchive(
      entry({ path: 'small.txt', body: 'x' }),
      entry({ path: 'big.bin', body: Buffer.alloc(3 << 20) }),
    );
    const outcome = await extract(staging, input);
    assert.equal(outcome.error?.message, 'The disk is full while writing big.bin');
    assert.equal((outcome.error as NodeJS.ErrnoException).code, 'ENOSPC');
    assert.ok(outcome.streamError);
    assert.deepEqual(await readdir(parent), ['staging']);
    assert.deepEqual(openFilesUnder(staging), []);
  } finally {
    execFileSync('umount', [staging]); // also fails (EBUSY) if a file were still open
  }
});
