// tools/restore-with-age.sh: restoring format-2 backups with age, tar, gzip and POSIX tools alone, run with a
// PATH that holds nothing else; and every failure (wrong kit, damaged pack, changed chunk, bad snapshot)
// leaving no files behind.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  access,
  chmod,
  constants,
  cp,
  lstat,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { makeSandbox, type RunResult, type Sandbox } from '../helpers/cli.js';
import { type SeriesVersion, writeExportSeries } from '../helpers/export-series.js';

const SCRIPT = fileURLToPath(new URL('../../tools/restore-with-age.sh', import.meta.url));
/** Everything the script may run: the shell, age, tar, gzip and POSIX utilities. */
const TOOLS =
  'sh age tar gzip awk sed grep sort cksum cat head tail ls dirname mkdir rmdir mv rm chmod'.split(' ');
const FOLDER = 'Telegram Export – Ünïcode';
const ZIP = 'WhatsApp Chat - Lake friends.zip';
const ID = /^stored .* as (\d{8}T\d{6}Z-[a-z2-7]{12}) \(/m;

/** A folder of symbolic links to TOOLS, found on the test's own PATH. */
async function toolFolder(dir: string): Promise<string> {
  await mkdir(dir);
  for (const tool of TOOLS) {
    let found: string | undefined;
    for (const d of (process.env.PATH ?? '').split(':')) {
      if (found || !d) continue;
      const candidate = join(d, tool);
      if (
        await access(candidate, constants.X_OK).then(
          () => true,
          () => false,
        )
      )
        found = candidate;
    }
    assert.ok(found, `${tool} is on the PATH`);
    await symlink(found, join(dir, tool));
  }
  return dir;
}

/** Text that compresses (so its chunks are stored as .gz) and is not one repeated line. */
function chatText(bytes: number): Buffer {
  const words = ['lake', 'swim', 'tomorrow', 'bring', 'towels', 'sunny', 'pier', 'cold', 'ducks', 'bread'];
  const lines: string[] = [];
  let seed = 12345;
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const text = Array.from({ length: 4 + (seed % 9) }, (_, k) => words[(seed >>> (k + 3)) % words.length]);
    const line = `{"id":${i},"from":"user${seed % 7}","text":"${text.join(' ')}"},\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, bytes);
}

/** A Telegram-like folder export with awkward names, modes, an empty file and files of several chunks. */
async function makeFolderExport(parent: string): Promise<string> {
  const root = join(parent, FOLDER);
  const files: [string, Buffer | string, number?][] = [
    ['messages.html', `<html>${'<div class="message">See you at the pier</div>\n'.repeat(400)}</html>\n`],
    ['result.json', chatText(5_500_000)], // > 5 MB of text: several chunks, each gzip'd
    ['photos/photo 1 (big).jpg', randomBytes(1_600_000)], // random: chunks stored as they are
    ['files/naïve résumé – ü.txt', 'non-ASCII name\n'],
    ['files/with space/inner file.txt', 'nested\n'],
    ['files/line\nbreak.txt', 'a newline in the name\n'],
    ['files/-dash $(echo hi) `x` *?[a] \'q\' "dq".txt', 'shell-hostile name\n'],
    ['files/emoji 🐸.txt', 'frog\n'],
    ['empty', ''],
    ['scripts/run.sh', '#!/bin/sh\necho hi\n', 0o755],
    ['private/secret.txt', 'only me\n', 0o600],
  ];
  for (const [rel, content, mode] of files) {
    const path = join(root, rel);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, content);
    if (mode !== undefined) await chmod(path, mode);
  }
  await mkdir(join(root, 'empty folder'));
  await chmod(join(root, 'private'), 0o700);
  await chmod(root, 0o750);
  return root;
}

/** Changes the bits `mask` of byte `i`. */
function flip(bytes: Buffer, i: number, mask: number): void {
  bytes.writeUInt8(bytes.readUInt8(i) ^ mask, i);
}

interface Node {
  mode: number;
  data?: Buffer;
}

/** Every entry under `root` (itself as ""), with its mode and a file's bytes. */
async function treeOf(root: string, rel = '', out = new Map<string, Node>()): Promise<Map<string, Node>> {
  const path = rel ? join(root, rel) : root;
  const info = await lstat(path);
  if (info.isDirectory()) {
    out.set(rel, { mode: info.mode & 0o777 });
    for (const child of await readdir(path)) await treeOf(root, rel ? `${rel}/${child}` : child, out);
  } else {
    assert.ok(info.isFile(), `${path} is a file or a folder`);
    out.set(rel, { mode: info.mode & 0o777, data: await readFile(path) });
  }
  return out;
}

/** Asserts `actual` holds the same names, bytes and modes as `expected` (a file or a folder). */
async function assertSame(actual: string, expected: string): Promise<void> {
  const [a, e] = [await treeOf(actual), await treeOf(expected)];
  assert.deepEqual([...a.keys()].sort(), [...e.keys()].sort(), 'the same entries');
  for (const [rel, node] of e) {
    const got = a.get(rel);
    assert.equal(got?.mode.toString(8), node.mode.toString(8), `${rel}: mode`);
    if (node.data) assert.ok(got?.data?.equals(node.data), `${rel}: bytes`);
  }
}

describe('tools/restore-with-age.sh', () => {
  let sb: Sandbox;
  let other: Sandbox;
  let bin: string;
  let restores: string;
  let series: SeriesVersion[];
  let twin: SeriesVersion;
  let folder: string;
  /** Backup ids: the series' versions, then the folder, then the other chat of the same export name. */
  const ids: string[] = [];
  /** Packs the folder's backup wrote (only its chunks are in them). */
  let folderPacks: string[];
  let n = 0;

  const vault = (cloud = sb.cloud) => join(cloud, 'Puddleproof');
  const packs = async () => (await readdir(join(vault(), 'packs'))).filter((f) => f.endsWith('.age'));
  /** A fresh path for OUT_DIR (not created). */
  const outDir = () => join(restores, `out-${++n}`);

  /** Runs the script with PATH = the tool folder only. */
  function restore(...args: string[]): Promise<RunResult> {
    return new Promise((resolve) => {
      execFile(
        join(bin, 'sh'),
        [SCRIPT, ...args],
        { env: { PATH: bin }, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => {
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
        },
      );
    });
  }

  /** Backs up `path`, in a later second than the last backup, so ids sort in backup order. */
  async function backup(path: string): Promise<string> {
    const last = ids.at(-1)?.slice(0, 16) ?? '';
    const stamp = () =>
      new Date()
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
    while (stamp() <= last) await delay(20);
    const r = await sb.run(['backup', path]);
    assert.equal(r.code, 0, r.stderr);
    const id = ID.exec(r.stdout)?.[1];
    assert.ok(id, r.stdout);
    ids.push(id);
    return id;
  }

  /** Asserts a failed run: non-zero, a message, and neither files nor temporary folders left behind. */
  async function assertFailedCleanly(r: RunResult, out: string, message: RegExp, existed = false) {
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
    if (existed) assert.deepEqual(await readdir(out), []);
    else await assert.rejects(lstat(out), { code: 'ENOENT' });
    assert.deepEqual(
      (await readdir(restores)).filter((f) => f.startsWith('.')),
      [],
      'no temporary folder is left',
    );
  }

  /** A copy of the cloud folder to damage. */
  async function cloudCopy(): Promise<string> {
    const copy = join(sb.root, `cloud-copy-${++n}`);
    await cp(sb.cloud, copy, { recursive: true });
    return copy;
  }

  const decrypt = (kit: string, file: string) =>
    execFileSync('age', ['-d', '-i', kit, file], { maxBuffer: 64 * 1024 * 1024 });
  const encryptTo = (kit: string, plain: Buffer, file: string) =>
    execFileSync('age', ['-e', '-i', kit, '-o', file], { input: plain });

  before(async () => {
    [sb, other] = [await makeSandbox(), await makeSandbox()];
    for (const s of [sb, other]) {
      const init = await s.run(['init', '--watch', s.watch, '--cloud', s.cloud, '--recovery-kit', s.kit]);
      assert.equal(init.code, 0, init.stderr);
    }
    bin = await toolFolder(join(sb.root, 'bin'));
    restores = join(sb.root, 'restores');
    await mkdir(restores);
    const exports = join(sb.root, 'exports');
    series = await writeExportSeries(join(exports, 'series'), {
      versions: 3,
      firstBytes: 3_000_000,
      lastBytes: 4_000_000,
      seed: 7,
      fixedTimes: false,
    });
    [twin] = (await writeExportSeries(join(exports, 'twin'), {
      versions: 1,
      firstBytes: 1_000_000,
      lastBytes: 1_000_000,
      seed: 99,
      fixedTimes: false,
    })) as [SeriesVersion];
    folder = await makeFolderExport(exports);
    for (const v of series) await backup(v.path);
    const before = await packs();
    await backup(folder);
    folderPacks = (await packs()).filter((p) => !before.includes(p));
    await backup(twin.path);
    const r = await sb.run(['list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const listed = JSON.parse(r.stdout) as { id: string; chat: string | null }[];
    const chatOf = (id: string | undefined) => listed.find((b) => b.id === id)?.chat;
    assert.equal(new Set(ids.slice(0, 3).map(chatOf)).size, 1, 'the three versions are one chat');
    assert.equal(new Set(ids.map(chatOf)).size, 3, 'three chats');
  });
  after(async () => {
    await sb?.cleanup();
    await other?.cleanup();
  });

  test('the vault has what the script must handle: gzip chunks, files of several chunks, odd names', () => {
    const plain = decrypt(sb.kit, join(vault(), 'snapshots', `${ids[3]}.age`)).toString();
    assert.match(plain, /^C [0-9a-f]{64}\.gz \d+$/m, 'a gzip chunk');
    assert.match(plain, /^C [0-9a-f]{64} \d+$/m, 'a chunk stored as it is');
    assert.match(plain, /^F .*\/result\.json\n(C .*\n){2,}[DFE]/m, 'a file of several chunks');
    assert.match(plain, /\\0012/, 'a newline in a name');
    assert.ok(folderPacks.length > 0);
  });

  test('restores the newest backup of every chat, byte for byte, with sh, age, tar, gzip and POSIX tools alone', async () => {
    const out = outDir();
    const r = await restore(sb.kit, sb.cloud, out);
    assert.equal(r.code, 0, r.stderr);
    const twinName = `${ZIP} (${ids[4]})`;
    assert.deepEqual(r.stdout.split('\n').sort(), [
      '',
      `${ids[2]} ${join(out, ZIP)}`,
      `${ids[3]} ${join(out, FOLDER)}`,
      `${ids[4]} ${join(out, twinName)}`,
    ]);
    assert.deepEqual((await readdir(out)).sort(), [FOLDER, ZIP, twinName].sort());
    await assertSame(join(out, ZIP), series[2]?.path ?? '');
    await assertSame(join(out, twinName), twin.path);
    await assertSame(join(out, FOLDER), folder);
    assert.deepEqual(
      (await readdir(restores)).filter((f) => f.startsWith('.')),
      [],
    );
  });

  test('restores a named older backup, into an empty OUT_DIR that exists, from the Puddleproof folder', async () => {
    const out = outDir();
    await mkdir(out);
    const r = await restore(sb.kit, vault(), out, ids[0] ?? '');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${ids[0]} ${join(out, ZIP)}\n`);
    assert.deepEqual(await readdir(out), [ZIP]);
    await assertSame(join(out, ZIP), series[0]?.path ?? '');
  });

  test('a snapshot without its metadata (an unfinished backup) is ignored', async () => {
    const cloud = await cloudCopy();
    await rm(join(vault(cloud), 'meta', `${ids[2]}.age`));
    const out = outDir();
    const r = await restore(sb.kit, cloud, out);
    assert.equal(r.code, 0, r.stderr);
    await assertSame(join(out, ZIP), series[1]?.path ?? '');
    const named = outDir();
    await assertFailedCleanly(await restore(sb.kit, cloud, named, ids[2] ?? ''), named, /no committed/);
  });

  test("another vault's kit fails and leaves nothing", async () => {
    const out = outDir();
    await assertFailedCleanly(await restore(other.kit, sb.cloud, out), out, /cannot decrypt snapshots\//);
    await mkdir(out);
    await assertFailedCleanly(await restore(other.kit, sb.cloud, out, ids[1] ?? ''), out, /wrong kit/, true);
  });

  test('a damaged pack fails and leaves nothing', async () => {
    const cloud = await cloudCopy();
    const pack = join(vault(cloud), 'packs', folderPacks[0] ?? '');
    const bytes = await readFile(pack);
    for (let i = 0; i < 16; i++) flip(bytes, Math.floor(bytes.length / 2) + i, 0xff);
    await writeFile(pack, bytes);
    const out = outDir();
    await assertFailedCleanly(await restore(sb.kit, cloud, out), out, /cannot decrypt packs\//);
  });

  test('a pack or pack index not synced yet fails and leaves nothing', async () => {
    for (const [folder, message] of [
      ['packs', /in no pack here whose index the kit opens \(a pack or index missing or not synced yet\?\)/],
      ['index', /in no pack here whose index the kit opens/],
    ] as const) {
      const cloud = await cloudCopy();
      await rm(join(vault(cloud), folder, folderPacks[0] ?? ''));
      const out = outDir();
      await assertFailedCleanly(await restore(sb.kit, cloud, out), out, message);
    }
  });

  test('a changed chunk in a pack that decrypts fails its cksum and leaves nothing', async () => {
    const cloud = await cloudCopy();
    const pack = join(vault(cloud), 'packs', folderPacks[0] ?? '');
    const tar = decrypt(sb.kit, pack);
    // Find a chunk stored as it is (not gzip'd), of some size, and change one byte of it.
    let at = 0;
    for (;;) {
      assert.ok(at < tar.length && tar[at] !== 0, 'a plain chunk of over 1 KiB in the pack');
      const name = tar
        .subarray(at, at + 100)
        .toString('latin1')
        .replace(/\0.*$/s, '');
      const size = Number.parseInt(tar.subarray(at + 124, at + 136).toString('latin1'), 8);
      if (/^[0-9a-f]{64}$/.test(name) && size > 1024) break;
      at += 512 + Math.ceil(size / 512) * 512;
    }
    flip(tar, at + 512 + 700, 0x01);
    encryptTo(sb.kit, tar, pack);
    const out = outDir();
    await assertFailedCleanly(await restore(sb.kit, cloud, out), out, /does not match its checksum/);
  });

  test('a snapshot with an unsafe path fails before writing anything', async () => {
    const snapshot = (cloud: string) => join(vault(cloud), 'snapshots', `${ids[3]}.age`);
    const plain = decrypt(sb.kit, snapshot(sb.cloud)).toString('latin1');
    const enc = plain.match(/^N (.*)$/m)?.[1] ?? '';
    for (const [bad, message] of [
      [`${enc}/../escaped.html`, /unsafe path/],
      ['/tmp/absolute.html', /unsafe path|outside its export/],
      ['elsewhere/messages.html', /outside its export/],
    ] as const) {
      const cloud = await cloudCopy();
      const forged = plain.replace(`${enc}/messages.html`, bad);
      assert.notEqual(forged, plain);
      encryptTo(sb.kit, Buffer.from(forged, 'latin1'), snapshot(cloud));
      const out = outDir();
      await assertFailedCleanly(await restore(sb.kit, cloud, out), out, message);
      await assert.rejects(lstat(join(restores, 'escaped.html')), { code: 'ENOENT' });
    }
  });

  test('refuses an OUT_DIR that holds files', async () => {
    const out = outDir();
    await mkdir(out);
    await writeFile(join(out, 'keep.txt'), 'mine');
    const r = await restore(sb.kit, sb.cloud, out);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /not an empty folder/);
    assert.deepEqual(await readdir(out), ['keep.txt']);
  });

  test('a missing tool is named, before anything is written', async () => {
    const partial = join(sb.root, 'bin-without-cksum');
    await mkdir(partial);
    for (const tool of TOOLS.filter((t) => t !== 'cksum'))
      await symlink(join(bin, tool), join(partial, tool));
    const out = outDir();
    const r = await new Promise<RunResult>((resolve) =>
      execFile(
        join(partial, 'sh'),
        [SCRIPT, sb.kit, sb.cloud, out],
        { env: { PATH: partial } },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code) || 1 : 0, stdout, stderr }),
      ),
    );
    await assertFailedCleanly(r, out, /it needs cksum, which is not on the PATH/);
  });

  test('a kit that ends without a newline (the QR code form) restores', async () => {
    const qr = join(sb.root, 'kit-from-qr.txt');
    const kit = await readFile(sb.kit, 'utf8');
    await writeFile(qr, kit.slice(kit.indexOf('# puddleproof-auth-key')).trimEnd());
    const out = outDir();
    const r = await restore(qr, sb.cloud, out, ids[0] ?? '');
    assert.equal(r.code, 0, r.stderr);
    await assertSame(join(out, ZIP), series[0]?.path ?? '');
  });

  test('paths that start with "-" are paths, not options', async () => {
    const dashed = join(restores, '-dashed');
    await mkdir(dashed);
    await cp(sb.kit, join(dashed, '-kit.txt'));
    const r = await new Promise<RunResult>((resolve) =>
      execFile(
        join(bin, 'sh'),
        [SCRIPT, '-kit.txt', sb.cloud, '-out', ids[0] ?? ''],
        { env: { PATH: bin }, cwd: dashed },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code) || 1 : 0, stdout, stderr }),
      ),
    );
    assert.equal(r.code, 0, r.stderr);
    await assertSame(join(dashed, '-out', ZIP), series[0]?.path ?? '');
    await rm(dashed, { recursive: true });
  });

  test('a cloud folder named with a leading space, given as a relative path', async () => {
    const spaced = join(restores, ' cloud');
    await cp(sb.cloud, spaced, { recursive: true });
    const r = await new Promise<RunResult>((resolve) =>
      execFile(
        join(bin, 'sh'),
        [SCRIPT, sb.kit, ' cloud', 'out-spaced', ids[0] ?? ''],
        { env: { PATH: bin }, cwd: restores },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code) || 1 : 0, stdout, stderr }),
      ),
    );
    assert.equal(r.code, 0, r.stderr);
    await assertSame(join(restores, 'out-spaced', ZIP), series[0]?.path ?? '');
    await rm(spaced, { recursive: true });
    await rm(join(restores, 'out-spaced'), { recursive: true });
  });

  test('objects left only as sync clients’ copies are read: the newest backup is still the newest', async () => {
    const cloud = await cloudCopy();
    const dir = (sub: string) => join(vault(cloud), sub);
    await rename(
      join(dir('meta'), `${ids[2]}.age`),
      join(dir('meta'), `${ids[2]} (Bob's conflicted copy 2026-12-01).age`),
    );
    await rename(join(dir('snapshots'), `${ids[2]}.age`), join(dir('snapshots'), `${ids[2]} 2.age`));
    for (const pack of folderPacks) {
      await rename(join(dir('packs'), pack), join(dir('packs'), pack.replace('.age', '-DESKTOP-AB12CD.age')));
      await rename(join(dir('index'), pack), join(dir('index'), pack.replace('.age', ' (1).age')));
    }
    const out = outDir();
    const r = await restore(sb.kit, cloud, out);
    assert.equal(r.code, 0, r.stderr);
    await assertSame(join(out, ZIP), series[2]?.path ?? '');
    await assertSame(join(out, FOLDER), folder);
  });

  test('a pack holding a link (which some tars follow out of the folder) is refused and touches nothing', async () => {
    const victim = join(sb.root, 'victim.txt');
    await writeFile(victim, 'mine\n');
    await chmod(victim, 0o400);
    const cloud = await cloudCopy();
    const pack = join(vault(cloud), 'packs', folderPacks[0] ?? '');
    // A hard link to the victim, under a chunk's name, before the pack's own entries.
    const link = Buffer.alloc(512);
    link.write('b'.repeat(64), 0, 'latin1');
    link.write('0000644\0', 100, 'latin1');
    for (const at of [108, 116]) link.write('0000000\0', at, 'latin1');
    link.write('00000000000\0', 124, 'latin1');
    link.write('00000000000\0', 136, 'latin1');
    link.write('1', 156, 'latin1');
    link.write(victim, 157, 'latin1');
    link.write('ustar\u000000', 257, 'latin1');
    link.write('        ', 148, 'latin1');
    const sum = link.reduce((a, byte) => a + byte, 0);
    link.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    const tar = Buffer.concat([link, decrypt(sb.kit, pack)]);
    encryptTo(sb.kit, tar, pack);
    const out = outDir();
    await assertFailedCleanly(await restore(sb.kit, cloud, out), out, /holds something other than chunks/);
    assert.equal(await readFile(victim, 'utf8'), 'mine\n');
    assert.equal((await lstat(victim)).mode & 0o777, 0o400);
  });

  test('a full disk fails and leaves nothing (never "restored" with nothing restored)', async (t) => {
    const small = join(sb.root, 'small-disk');
    await mkdir(small);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', small], { stdio: 'pipe' });
    } catch {
      return t.skip('mounting a tmpfs is not permitted here');
    }
    try {
      // Filled up to a little room, then less and less: every step of the script meets a full disk somewhere.
      for (const room of [4, 64, 256, 1024]) {
        await rm(join(small, 'fill'), { force: true });
        const free = Number(execFileSync('df', ['-k', '--output=avail', small]).toString().split('\n')[1]);
        await writeFile(join(small, 'fill'), Buffer.alloc(Math.max(0, free - room) * 1024));
        const out = join(small, 'out');
        const r = await restore(sb.kit, sb.cloud, out);
        assert.notEqual(r.code, 0, `with ${room} KiB free: ${r.stdout}`);
        assert.equal(r.stdout, '');
        assert.deepEqual((await readdir(small)).sort(), ['fill'], `with ${room} KiB free`);
      }
    } finally {
      execFileSync('umount', [small]);
    }
  });

  // Last: it changes the vault's recovery key.
  test('after a lost kit was renewed, the new kit restores the backups made before (through the data key)', async () => {
    const renewed = join(sb.root, 'new-kit.txt');
    const r = await sb.run(['kit', 'new', '--recovery-kit', renewed]);
    assert.equal(r.code, 0, r.stderr);
    const out = outDir();
    const restored = await restore(renewed, sb.cloud, out, ids[0] ?? '');
    assert.equal(restored.code, 0, restored.stderr);
    await assertSame(join(out, ZIP), series[0]?.path ?? '');
  });
});
