// zipLayout cuts a zip into raw records and its members' stored data: the segments cover the file exactly and
// in order, each member segment is exactly that member's (compressed) data, and a file that is not a zip we can
// read safely gives null. Zips come from the real zip tool, and by hand for layouts it does not write.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { crc32, inflateRawSync } from 'node:zlib';
import { MIN_MEMBER_BYTES, type ZipSegment, zipLayout } from '../../../src/core/dedup/zip-layout.js';
import { storedZip } from '../../helpers/zip.js';

const root = await mkdtemp(join(tmpdir(), 'puddleproof-zip-layout-'));
after(() => rm(root, { recursive: true, force: true }));

type MemberSegment = Extract<ZipSegment, { kind: 'member' }>;
type Method = 'stored' | 'deflated';

const CHAT = Buffer.from(
  Array.from({ length: 3000 }, (_, i) => `12/0${(i % 9) + 1}/2025, 10:${i % 60} - Ana: message ${i}\n`).join(
    '',
  ),
);
/** An export as the zip tool sees it: text, media, a folder, an empty file (the folder and the empty file have
 * no data, so no member segment). */
const EXPORT: Record<string, Buffer> = {
  '_chat.txt': CHAT,
  'IMG-20250101-WA0001.jpg': Buffer.from('not really a jpeg '.repeat(4000)),
  'media/PTT-20250102-WA0002.opus': Buffer.from('voice '.repeat(999)),
  'empty.txt': Buffer.alloc(0),
};

let dirCount = 0;
/** A new folder holding `files`. */
async function folderOf(files: Record<string, Buffer>): Promise<string> {
  const dir = join(root, `src-${dirCount++}`);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

/** Runs the zip tool in `cwd`; its standard output (the zip itself when it writes to `-`). */
function zipTool(cwd: string, args: string[], input?: Buffer | string): Buffer {
  const run = spawnSync('zip', args, { cwd, input, maxBuffer: 64 * 1024 * 1024 });
  assert.equal(run.status, 0, `zip ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

/** The zip the zip tool makes of `files` with these options, written to a new file. */
async function zipOf(files: Record<string, Buffer>, options: string[]): Promise<string> {
  const dir = await folderOf(files);
  const path = join(root, `zip-${dirCount++}.zip`);
  zipTool(dir, ['-X', '-q', '-r', ...options, path, '.']);
  return path;
}

async function saved(name: string, bytes: Buffer): Promise<string> {
  const path = join(root, name);
  await writeFile(path, bytes);
  return path;
}

function countOf(bytes: Buffer, signature: number): number {
  const needle = Buffer.alloc(4);
  needle.writeUInt32LE(signature);
  let count = 0;
  for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) count++;
  return count;
}

/** Checks the layout of the zip at `path` against the files it holds, and returns it. */
async function checkLayout(
  path: string,
  files: Record<string, Buffer>,
  method: Method,
): Promise<ZipSegment[]> {
  const zip = await readFile(path);
  const segments = await zipLayout(path, 1);
  assert.ok(segments, 'the zip is read');
  let cursor = 0;
  let previous: ZipSegment | undefined;
  for (const segment of segments) {
    assert.equal(segment.offset, cursor, 'segments are contiguous, in file order');
    assert.ok(segment.length > 0, 'no empty segment');
    assert.ok(segment.kind === 'member' || previous?.kind !== 'raw', 'adjacent raw bytes are one segment');
    cursor += segment.length;
    previous = segment;
  }
  assert.equal(cursor, zip.length, 'segments cover the whole file');
  const bytesOf = (s: ZipSegment) => zip.subarray(s.offset, s.offset + s.length);
  assert.ok(Buffer.concat(segments.map(bytesOf)).equals(zip), 'the segments put together are the file');
  const members = segments.filter((s): s is MemberSegment => s.kind === 'member');
  const withData = Object.keys(files).filter((name) => (files[name]?.length ?? 0) > 0);
  assert.deepEqual(members.map((m) => m.name).sort(), withData.sort());
  for (const member of members) {
    const content = files[member.name];
    const data = bytesOf(member);
    if (method === 'stored') assert.ok(data.equals(content ?? Buffer.alloc(0)), `${member.name} as stored`);
    else assert.ok(inflateRawSync(data).equals(content ?? Buffer.alloc(0)), `${member.name} inflates`);
  }
  return segments;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const DATA_DESCRIPTOR = 0x08074b50;
const END_RECORD = 0x06054b50;
const ZIP64_END_RECORD = 0x06064b50;

interface Entry {
  name: Buffer;
  flags: number;
  crc: number;
  size: number;
  method?: number;
}

function localHeader({ name, flags, crc, size, method = 0 }: Entry): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(LOCAL_HEADER, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(flags, 6);
  header.writeUInt16LE(method, 8);
  if (!(flags & 0x08)) {
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(size, 18);
    header.writeUInt32LE(size, 22);
  }
  header.writeUInt16LE(name.length, 26);
  return Buffer.concat([header, name]);
}

function centralHeader({ name, flags, crc, size, method = 0 }: Entry, offset: number, extra: Buffer): Buffer {
  const header = Buffer.alloc(46);
  header.writeUInt32LE(CENTRAL_HEADER, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(20, 6);
  header.writeUInt16LE(flags, 8);
  header.writeUInt16LE(method, 10);
  header.writeUInt32LE(crc, 16);
  header.writeUInt32LE(size, 20);
  header.writeUInt32LE(size, 24);
  header.writeUInt16LE(name.length, 28);
  header.writeUInt16LE(extra.length, 30);
  header.writeUInt32LE(offset, 42);
  return Buffer.concat([header, name, extra]);
}

function endRecord(entryCount: number, directorySize: number, directoryOffset: number): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_RECORD, 0);
  end.writeUInt16LE(entryCount, 8);
  end.writeUInt16LE(entryCount, 10);
  end.writeUInt32LE(directorySize, 12);
  end.writeUInt32LE(directoryOffset, 16);
  return end;
}

interface HandMember {
  /** A string is written as UTF-8 with the UTF-8 flag; bytes as they are, without it. */
  name: string | Buffer;
  data: Buffer;
  gapBefore?: Buffer;
  /** The size the headers declare, when it is not the data's. */
  declaredSize?: number;
  centralExtra?: Buffer;
}

interface HandOptions {
  /** The central directory lists the members in this order. */
  centralOrder?: number[];
  /** The central directory entry i points at the local header of member headerOf[i]. */
  headerOf?: number[];
  descriptor?: 'signed' | 'unsigned';
}

/** A stored zip built piece by piece, for layouts the zip tool does not write. */
function handMadeZip(members: HandMember[], options: HandOptions = {}): Buffer {
  const parts: Buffer[] = [];
  const entries: Entry[] = [];
  const offsets: number[] = [];
  let offset = 0;
  const append = (bytes: Buffer) => {
    parts.push(bytes);
    offset += bytes.length;
  };
  for (const member of members) {
    if (member.gapBefore) append(member.gapBefore);
    offsets.push(offset);
    const entry = {
      name: Buffer.from(member.name),
      flags: (typeof member.name === 'string' ? 0x0800 : 0) | (options.descriptor ? 0x08 : 0),
      crc: crc32(member.data),
      size: member.declaredSize ?? member.data.length,
    };
    entries.push(entry);
    append(Buffer.concat([localHeader(entry), member.data]));
    if (options.descriptor) {
      const descriptor = Buffer.alloc(16);
      descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0);
      descriptor.writeUInt32LE(entry.crc, 4);
      descriptor.writeUInt32LE(entry.size, 8);
      descriptor.writeUInt32LE(entry.size, 12);
      append(options.descriptor === 'signed' ? descriptor : descriptor.subarray(4));
    }
  }
  const order = options.centralOrder ?? members.map((_, i) => i);
  const centrals = order.map((i) => {
    const entry = entries[options.headerOf?.[i] ?? i];
    const headerOffset = offsets[options.headerOf?.[i] ?? i];
    assert.ok(entry && headerOffset !== undefined);
    return centralHeader(entry, headerOffset, members[i]?.centralExtra ?? Buffer.alloc(0));
  });
  const directory = Buffer.concat(centrals);
  return Buffer.concat([...parts, directory, endRecord(centrals.length, directory.length, offset)]);
}

test('zip -9: each deflated member is one segment; folders and empty files have none', async () => {
  const segments = await checkLayout(await zipOf(EXPORT, ['-9']), EXPORT, 'deflated');
  assert.equal(segments.length, 7, 'raw, member, raw, member, raw, member, raw');
});

test('zip -0: each stored member is one segment holding the file as it is', async () => {
  await checkLayout(await zipOf(EXPORT, ['-0']), EXPORT, 'stored');
});

test('zip -fz: Zip64 end records and Zip64 extra fields in the central and local headers', async () => {
  for (const [level, method] of [
    ['-9', 'deflated'],
    ['-0', 'stored'],
  ] as const) {
    const path = await zipOf(EXPORT, ['-fz', level]);
    assert.equal(countOf(await readFile(path), ZIP64_END_RECORD), 1, 'the zip tool wrote Zip64');
    await checkLayout(path, EXPORT, method);
  }
});

test('a zip written to a pipe has data descriptors; with zip -fz 64-bit ones and a saturated directory offset', async () => {
  const dir = await folderOf(EXPORT);
  for (const options of [[], ['-fz']]) {
    const zip = zipTool(dir, ['-X', '-q', '-r', ...options, '-', '.']);
    assert.equal(countOf(zip, DATA_DESCRIPTOR), 4, 'the zip tool wrote a descriptor for each file');
    await checkLayout(await saved(`pipe${options.join('')}.zip`, zip), EXPORT, 'deflated');
  }
});

test('standard input zipped to a pipe: the member named "-" with a data descriptor', async () => {
  const zip = zipTool(root, ['-q', '-', '-'], CHAT);
  assert.equal(countOf(zip, DATA_DESCRIPTOR), 1);
  await checkLayout(await saved('stdin.zip', zip), { '-': CHAT }, 'deflated');
});

test('encrypted members (zip -P) are segments like any other: their data is kept as it is', async () => {
  const path = await zipOf(EXPORT, ['-0', '-P', 'secret']);
  const zip = await readFile(path);
  const segments = await zipLayout(path, 1);
  assert.ok(segments);
  assert.equal(
    segments.reduce((sum, s) => sum + s.length, 0),
    zip.length,
  );
  const members = segments.filter((s): s is MemberSegment => s.kind === 'member');
  // Stored, so each member's data is its encryption header (12 bytes, even for the empty file) and the file's
  // bytes encrypted.
  assert.deepEqual(
    members.map(({ name, length }) => [name, length]).sort(),
    Object.entries(EXPORT)
      .map(([name, content]) => [name, content.length + 12])
      .sort(),
  );
  for (const member of members.filter((m) => m.name !== 'empty.txt')) {
    const data = zip.subarray(member.offset, member.offset + member.length);
    assert.ok(!data.includes(EXPORT[member.name]?.subarray(0, 64) ?? ''), `${member.name} is encrypted`);
  }
});

test('data descriptors with and without their signature, in a hand-made zip', async () => {
  const files = { 'a.txt': Buffer.from('first member'), 'b.txt': Buffer.from('second member, longer') };
  for (const descriptor of ['signed', 'unsigned'] as const) {
    const zip = handMadeZip(
      Object.entries(files).map(([name, data]) => ({ name, data })),
      { descriptor },
    );
    const segments = await checkLayout(await saved(`descriptor-${descriptor}.zip`, zip), files, 'stored');
    const between = segments[2];
    const descriptorLength = descriptor === 'signed' ? 16 : 12;
    assert.equal(
      between?.length,
      descriptorLength + 30 + 'b.txt'.length,
      'descriptor and next header: one raw',
    );
  }
});

test('an archive comment is kept in the last raw segment, even one that looks like an end record', async () => {
  const dir = await folderOf(EXPORT);
  const path = join(root, 'comment.zip');
  zipTool(dir, ['-X', '-q', '-r', '-z', path, '.'], 'Chat with Ana\nexported 2025-01-02\n');
  const segments = await checkLayout(path, EXPORT, 'deflated');
  assert.ok((await readFile(path)).subarray(segments.at(-1)?.offset).includes('exported 2025-01-02'));
  const files = { 'a.txt': Buffer.from('some text') };
  // An empty end record inside the comment, followed by more comment: only the real one ends the file.
  const fake = storedZip(Object.entries(files), `PK\x05\x06${'\0'.repeat(18)} is not the end record`);
  await checkLayout(await saved('fake-comment.zip', fake), files, 'stored');
});

test('bytes before the zip (a self-extracting stub), with offsets adjusted by zip -A or not', async () => {
  const stub = Buffer.from('#!/bin/sh\necho this is a self-extracting stub\nexit 0\n'.repeat(20));
  const withStub = async (name: string, options: string[]) => {
    const zip = await readFile(await zipOf(EXPORT, options));
    return saved(name, Buffer.concat([stub, zip]));
  };
  const adjusted = await withStub('stub-A.zip', ['-9']);
  const before = await readFile(adjusted);
  zipTool(root, ['-A', '-q', adjusted]);
  assert.ok(!before.equals(await readFile(adjusted)), 'zip -A changed the offsets');
  // zip -A refuses Zip64 archives, so a Zip64 archive with a stub is tried with its offsets unadjusted only.
  const cases = [
    [adjusted, 'deflated'],
    [await withStub('stub.zip', ['-9']), 'deflated'],
    [await withStub('stub-fz.zip', ['-0', '-fz']), 'stored'],
  ] as const;
  for (const [path, method] of cases) {
    const [first] = await checkLayout(path, EXPORT, method);
    assert.ok(first?.kind === 'raw' && first.length > stub.length, 'the stub starts the first raw segment');
  }
});

test('bytes after the zip are kept as the last raw segment', async () => {
  const zip = await readFile(await zipOf(EXPORT, ['-9']));
  await checkLayout(
    await saved('trailing.zip', Buffer.concat([zip, Buffer.from('trailing bytes')])),
    EXPORT,
    'deflated',
  );
});

test('members listed in another order than in the file, with gaps between them', async () => {
  const files = {
    'one.txt': Buffer.from('the first member'),
    'two.jpg': Buffer.from('the second member'),
    'three.opus': Buffer.from('the third member'),
  };
  const members = Object.entries(files).map(([name, data], i) => ({
    name,
    data,
    gapBefore: i > 0 ? Buffer.from(`gap ${i}`) : undefined,
  }));
  const zip = handMadeZip(members, { centralOrder: [2, 0, 1] });
  const segments = await checkLayout(await saved('order.zip', zip), files, 'stored');
  assert.deepEqual(
    segments.filter((s): s is MemberSegment => s.kind === 'member').map((s) => s.name),
    Object.keys(files),
    'in file order',
  );
});

test('member names: UTF-8 by the flag, code page 437 without it, the Info-ZIP Unicode path when it matches', async () => {
  const cp437 = Buffer.from([0x63, 0x61, 0x66, 0x82, 0x2e, 0x74, 0x78, 0x74]); // "café.txt"
  const unicodePath = (name: Buffer, unicode: string, crc: number) => {
    const field = Buffer.alloc(9);
    field.writeUInt16LE(0x7075, 0);
    field.writeUInt16LE(5 + Buffer.byteLength(unicode), 2);
    field.writeUInt8(1, 4);
    field.writeUInt32LE(crc, 5);
    return { name, data: Buffer.from(unicode), centralExtra: Buffer.concat([field, Buffer.from(unicode)]) };
  };
  const other = Buffer.from('other.txt');
  const zip = handMadeZip([
    { name: 'notas ☕ é.txt', data: Buffer.from('utf-8') },
    { name: cp437, data: Buffer.from('cp437') },
    unicodePath(Buffer.from('x.txt'), 'ünïcode ☕.txt', crc32(Buffer.from('x.txt'))),
    unicodePath(other, 'stale ☕.txt', crc32(Buffer.from('renamed since'))),
  ]);
  const files = {
    'notas ☕ é.txt': Buffer.from('utf-8'),
    'café.txt': Buffer.from('cp437'),
    'ünïcode ☕.txt': Buffer.from('ünïcode ☕.txt'),
    'other.txt': Buffer.from('stale ☕.txt'),
  };
  await checkLayout(await saved('names.zip', zip), files, 'stored');
});

test('not a zip we can read safely: null', async () => {
  const good = await readFile(await zipOf(EXPORT, ['-9']));
  const endAt = good.length - 22;
  const directoryAt = good.readUInt32LE(endAt + 16);
  const withEnd = (patch: (end: Buffer) => void) => {
    const copy = Buffer.from(good);
    patch(copy.subarray(endAt));
    return copy;
  };
  const firstData = 30 + good.readUInt16LE(26) + good.readUInt16LE(28);
  const same = Buffer.from('same header listed twice');
  /** A stored zip of `a.txt` holding one byte, with `patch` applied. */
  const oneStoredMember = (patch: (zip: Buffer) => void) => {
    const zip = storedZip([['a.txt', Buffer.from('x')]]);
    patch(zip);
    return zip;
  };
  const cases: Record<string, Buffer> = {
    'text.txt': Buffer.from('just some text\n'.repeat(100)),
    'empty.zip': Buffer.alloc(0),
    'image.zip': Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n'), Buffer.alloc(5000, 7)]),
    'cut-in-directory.zip': good.subarray(0, directoryAt + 60),
    'cut-in-member.zip': good.subarray(0, firstData + 100),
    'member-bytes-removed.zip': Buffer.concat([
      good.subarray(0, firstData + 10),
      good.subarray(firstData + 20),
    ]),
    'directory-offset-plus-7.zip': withEnd((end) => end.writeUInt32LE(directoryAt + 7, 16)),
    'directory-offset-minus-7.zip': withEnd((end) => end.writeUInt32LE(directoryAt - 7, 16)),
    'more-entries-than-listed.zip': withEnd((end) => {
      end.writeUInt16LE(end.readUInt16LE(8) + 1, 8);
      end.writeUInt16LE(end.readUInt16LE(10) + 1, 10);
    }),
    'fewer-entries-than-listed.zip': withEnd((end) => {
      end.writeUInt16LE(end.readUInt16LE(8) - 1, 8);
      end.writeUInt16LE(end.readUInt16LE(10) - 1, 10);
    }),
    'second-disk.zip': withEnd((end) => end.writeUInt16LE(1, 4)),
    'same-header-twice.zip': handMadeZip(
      [
        { name: 'a.txt', data: same },
        { name: 'a.txt', data: same },
      ],
      { headerOf: [0, 0] },
    ),
    'runs-into-next-header.zip': handMadeZip([
      { name: 'a.txt', data: Buffer.from('short'), declaredSize: 40 },
      { name: 'b.txt', data: Buffer.from('the next member holds enough bytes') },
    ]),
    'runs-into-directory.zip': handMadeZip([{ name: 'a.txt', data: Buffer.from('short'), declaredSize: 20 }]),
    'local-name-differs.zip': oneStoredMember((zip) => zip.write('b', 30)),
    'local-size-differs.zip': oneStoredMember((zip) => zip.writeUInt32LE(2, 18)),
    'local-crc-differs.zip': oneStoredMember((zip) => zip.writeUInt32LE(1, 14)),
    'entry-on-second-disk.zip': oneStoredMember((zip) => zip.writeUInt16LE(1, 30 + 5 + 1 + 34)),
    'bad-descriptor.zip': (() => {
      const zip = handMadeZip([{ name: 'a.txt', data: Buffer.from('described') }], { descriptor: 'signed' });
      zip.writeUInt32LE(0, 30 + 5 + 9 + 8); // the descriptor's compressed size
      return zip;
    })(),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    assert.equal(await zipLayout(await saved(name, bytes)), null, name);
  }
  // The zip the broken ones were made from is read: each is refused for what was done to it.
  assert.ok(await zipLayout(await saved('good.zip', good)));
});

test('I/O errors are thrown', async () => {
  await assert.rejects(zipLayout(join(root, 'missing.zip')), { code: 'ENOENT' });
});

test('the member data of a large zip is never read', async (t) => {
  const bigSize = 200 * 1024 * 1024;
  const path = join(root, 'large.zip');
  const after = Buffer.from('a small member after the big one');
  await writeSparseZip(path, bigSize, after);
  const read = t.mock.method(fs, 'readSync');
  const segments = await zipLayout(path, 1);
  // readSync(fd, buffer, offset, length, position): what was asked for is the length.
  const requested = read.mock.calls.reduce(
    (sum: number, call: { arguments: unknown[] }) => sum + Number(call.arguments[3]),
    0,
  );
  t.mock.restoreAll();
  assert.ok(read.mock.callCount() > 0, 'the reads were counted');
  assert.ok(requested < 128 * 1024, `read ${requested} bytes`);
  assert.deepEqual(
    segments?.filter((s) => s.kind === 'member'),
    [
      {
        kind: 'member',
        offset: 30 + 'big.bin'.length,
        length: bigSize,
        name: 'big.bin',
        crc: zerosCrc(bigSize),
        method: 0,
        uncompressedSize: bigSize,
      },
      {
        kind: 'member',
        offset: 30 + 7 + bigSize + 30 + 'after.txt'.length,
        length: after.length,
        name: 'after.txt',
        // The central directory's CRC, method and size of each member (what the member cache keys on).
        crc: crc32(after),
        method: 0,
        uncompressedSize: after.length,
      },
    ],
  );
});

/** The CRC-32 of `size` zero bytes. */
function zerosCrc(size: number): number {
  const zeros = Buffer.alloc(8 * 1024 * 1024);
  let crc = 0;
  for (let left = size; left > 0; left -= zeros.length) crc = crc32(zeros.subarray(0, left), crc);
  return crc;
}

/** A stored zip of `big.bin` (`bigSize` zero bytes, left as a hole in the file) then `after.txt`. */
async function writeSparseZip(path: string, bigSize: number, after: Buffer): Promise<void> {
  const big = { name: Buffer.from('big.bin'), flags: 0, crc: zerosCrc(bigSize), size: bigSize };
  const small = { name: Buffer.from('after.txt'), flags: 0, crc: crc32(after), size: after.length };
  const smallAt = 30 + big.name.length + bigSize;
  const tail = Buffer.concat([localHeader(small), after]);
  const directory = Buffer.concat([
    centralHeader(big, 0, Buffer.alloc(0)),
    centralHeader(small, smallAt, Buffer.alloc(0)),
  ]);
  const handle = await open(path, 'w');
  try {
    await handle.write(localHeader(big), 0, undefined, 0);
    await handle.write(
      Buffer.concat([tail, directory, endRecord(2, directory.length, smallAt + tail.length)]),
      0,
      undefined,
      smallAt,
    );
  } finally {
    await handle.close();
  }
}

test('members with less data than MIN_MEMBER_BYTES stay in the raw segments around them', async () => {
  const big = randomBytes(MIN_MEMBER_BYTES);
  const files: [string, Buffer][] = [
    ...Array.from({ length: 50 }, (_, i): [string, Buffer] => [`sticker-${i}.webp`, randomBytes(300 + i)]),
    ['photo.jpg', big],
    ['note.txt', Buffer.from('small')],
  ];
  const path = join(root, 'many-small.zip');
  await writeFile(path, storedZip(files));
  const segments = await zipLayout(path);
  assert.ok(segments);
  assert.deepEqual(
    segments.map((s) => (s.kind === 'member' ? s.name : 'raw')),
    ['raw', 'photo.jpg', 'raw'],
  );
  assert.equal(
    segments.reduce((sum, s) => sum + s.length, 0),
    (await readFile(path)).length,
  );
});
