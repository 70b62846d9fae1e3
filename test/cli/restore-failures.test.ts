// Restores that must fail: damaged, cut-short, swapped, forged and malicious data objects, the wrong recovery
// kit, a destination in use and a full disk. Each exits 1 with a plain message (no stack trace) and leaves
// nothing behind: no destination, no staging folder next to it, nothing outside it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  copyFile,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { create, type HeaderData } from 'tar';
import { type RecoveryKit, readRecoveryKit } from '../../src/core/keys/recovery-kit.js';
import { newBackupId } from '../../src/core/vault/layout.js';
import { SealTarStream } from '../../src/core/vault/tar-trailer.js';
import { makeSandbox, type RunResult, type Sandbox } from '../helpers/cli.js';
import { tarArchive, tarEntry } from '../helpers/tar-entry.js';

// These tests damage and kill format-1 objects (data/<id>.age), so this file writes format 1;
// format-2 objects have their own in test/core/backup/format2.test.ts.
process.env.PUDDLEPROOF_WRITE_FORMAT = '1';

const KiB = 1024;
const CHUNK = 64 * KiB + 16; // one sealed age payload chunk
const T0 = new Date('2024-05-06T07:08:09Z');

// ---- running the CLI and checking what it left ----

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Exit 1, every pattern in stderr, no stack trace, nothing claimed restored. */
function assertRefused(r: RunResult, ...patterns: RegExp[]): void {
  assert.equal(r.code, 1, `expected exit 1, got ${r.code}:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /^puddleproof restore: /m);
  for (const pattern of patterns) assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `a stack trace in stderr:\n${r.stderr}`);
  assert.doesNotMatch(
    r.stderr,
    /node:internal|\.[cm]?[jt]s:\d+:\d+/,
    `a stack trace in stderr:\n${r.stderr}`,
  );
  assert.doesNotMatch(r.stdout, /Restored/);
}

/** A restore destination in a fresh parent folder (which must stay as it was). */
interface Destination {
  parent: string;
  to: string;
  /** The destination existed (empty) before the restore. */
  existing: boolean;
}

let destinations = 0;
async function destination(
  sb: Sandbox,
  opts: { existing?: boolean; missingParents?: boolean } = {},
): Promise<Destination> {
  const parent = join(sb.root, 'restores', String(++destinations));
  await mkdir(parent, { recursive: true });
  const to = opts.missingParents ? join(parent, 'new', 'deeper', 'restored') : join(parent, 'restored');
  if (opts.existing) await mkdir(to);
  return { parent, to, existing: opts.existing ?? false };
}

/** Nothing written: the destination is gone (or still empty), no staging folder or created parent is left. */
async function assertNothingWritten(dest: Destination): Promise<void> {
  if (dest.existing) {
    assert.deepEqual(await readdir(dest.to), [], 'the existing destination stays empty');
    assert.deepEqual(await readdir(dest.parent), ['restored'], 'nothing is left next to the destination');
  } else {
    assert.equal(existsSync(dest.to), false, 'the destination does not exist');
    assert.deepEqual(await readdir(dest.parent), [], 'nothing (no staging folder) is left in the parent');
  }
}

/** Runs `age` with `input` on stdin; rejects with its stderr on failure. */
function age(args: string[], input: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('age', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`age ${args[0]}: ${stderr}`))));
    child.stdin.end(input);
  });
}

const encryptTo = (recipients: readonly string[], plaintext: Buffer, out: string) =>
  age([...recipients.flatMap((r) => ['-r', r]), '-o', out], plaintext);

// ---- data objects: where their parts are, and making new ones ----

/** Offsets in an age file: the header MAC line, the end of the header, the start of the payload chunks. */
function ageLayout(bytes: Buffer) {
  const macLine = bytes.indexOf('\n--- ') + 1;
  assert.ok(macLine > 0, 'an age header');
  const headerEnd = bytes.indexOf('\n', macLine) + 1;
  const firstStanza = bytes.indexOf('\n-> ') + 1;
  return { firstStanza, macLine, headerEnd, payloadStart: headerEnd + 16 };
}

function flipBit(bytes: Buffer, at: number, bit = 0x04): Buffer {
  const out = Buffer.from(bytes);
  out[at] = (out[at] as number) ^ bit;
  return out;
}

const entry = (fields: HeaderData & { body?: string | Buffer }) => tarEntry({ mtime: T0, ...fields });

/** The tar with the Puddleproof proof trailer, as a backup seals it (under `authKey`, for `id`). */
async function seal(tar: Buffer, authKey: Buffer, id: string): Promise<Buffer> {
  const stream = new SealTarStream(authKey, id);
  const parts: Buffer[] = [];
  const collected = (async () => {
    for await (const part of stream) parts.push(part as Buffer);
  })();
  stream.end(tar);
  await collected;
  return Buffer.concat(parts);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

// ---- the vault every case uses ----

/** Exports backed up at setup, one per case that damages its own backup. */
const CASES = [
  'flip-mac',
  'flip-mac-encoding',
  'flip-stanza',
  'flip-payload',
  'cut-empty',
  'cut-header',
  'cut-nonce',
  'cut-chunk',
  'cut-middle',
  'cut-last',
  'forged-data',
  'forged-full',
  'pristine',
] as const;
type Case = (typeof CASES)[number] | 'swap-one' | 'swap-two' | 'disk-full';

interface Listed {
  id: string;
  source: string;
  bytes: number;
  files: number;
}

describe('restores that must fail and leave nothing behind', () => {
  let sb: Sandbox;
  let other: Sandbox;
  let kit: RecoveryKit;
  let recipients: string[];
  const ids = new Map<string, string>();
  const idOf = (name: Case) => {
    const id = ids.get(`case-${name}`);
    assert.ok(id, `a backup of case-${name}`);
    return id;
  };
  const dataPath = (name: Case) => join(sb.cloud, 'Puddleproof', 'data', `${idOf(name)}.age`);
  const metaPath = (name: Case) => join(sb.cloud, 'Puddleproof', 'meta', `${idOf(name)}.age`);
  const restoreId = (name: Case, dest: Destination, ...more: string[]) =>
    sb.run(['restore', idOf(name), '--to', dest.to, ...more]);
  const restoreFile = (file: string, dest: Destination, kitPath: string, ...more: string[]) =>
    sb.run(['restore', '--file', file, '--to', dest.to, '--recovery-kit', kitPath, ...more]);

  async function makeExport(name: string, blobBytes: number, mtime?: Date): Promise<void> {
    const root = join(sb.watch, `case-${name}`);
    await mkdir(join(root, 'media'), { recursive: true });
    await writeFile(join(root, 'chat.txt'), `[12:00] alice: this is the ${name} chat\n`.repeat(50));
    await writeFile(join(root, 'media', 'blob.bin'), randomBytes(blobBytes));
    if (mtime) {
      for (const path of ['chat.txt', 'media/blob.bin', 'media', '.'])
        await utimes(join(root, path), mtime, mtime);
    }
  }

  before(async () => {
    [sb, other] = await Promise.all([makeSandbox(), makeSandbox()]);
    const [initA, initB] = await Promise.all([
      sb.run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit]),
      other.run(['init', '--watch', other.watch, '--cloud', other.cloud, '--recovery-kit', other.kit]),
    ]);
    ok(initA, 'init');
    ok(initB, 'init of the other vault');
    // Distinct sizes keep the quick fingerprints apart; the swapped pair has the same shape, other times.
    for (const [i, name] of CASES.entries()) await makeExport(name, 200 * KiB + i * KiB);
    await makeExport('swap-one', 150 * KiB);
    await makeExport('swap-two', 150 * KiB, new Date('2020-01-02T03:04:05Z'));
    await makeExport('disk-full', 6 * 1024 * KiB);
    ok(await sb.run(['backup']), 'backup');
    const [list, trusted] = await Promise.all([sb.run(['list', '--json']), sb.run(['recipients', 'list'])]);
    for (const b of JSON.parse(ok(list, 'list').stdout) as Listed[]) ids.set(b.source, b.id);
    assert.equal(ids.size, CASES.length + 3, 'one backup per case');
    kit = await readRecoveryKit(sb.kit);
    recipients = ok(trusted, 'recipients list')
      .stdout.trim()
      .split('\n')
      .map((line) => line.split(/\s+/)[0] as string);
    assert.equal(recipients.length, 3, 'this device, the recovery key and the vault data key');
    for (const r of recipients) assert.match(r, /^age1[0-9a-z]+$/);
  });

  after(async () => {
    await Promise.all([sb?.cleanup(), other?.cleanup()]);
  });

  test('control: an undamaged backup restores (so the failures below are the damage’s doing)', async () => {
    const dest = await destination(sb);
    const r = ok(await restoreId('pristine', dest), 'restore of an undamaged backup');
    assert.match(r.stdout, /Verified: complete/);
    assert.deepEqual(await readdir(join(dest.to, 'case-pristine')), ['chat.txt', 'media']);
    await rm(dest.to, { recursive: true });
  });

  test('a bit flip in the header MAC is refused', async () => {
    const bytes = await readFile(dataPath('flip-mac'));
    // A letter of the MAC's base64 (after "--- "): flipping 0x20 swaps its case, so it stays valid base64.
    const mac = ageLayout(bytes).macLine + 4;
    const at = [...bytes.subarray(mac + 8, mac + 40)].findIndex((c) =>
      /[A-Za-z]/.test(String.fromCharCode(c)),
    );
    assert.ok(at >= 0);
    await writeFile(dataPath('flip-mac'), flipBit(bytes, mac + 8 + at, 0x20));
    const dest = await destination(sb);
    assertRefused(await restoreId('flip-mac', dest), /header was damaged/, /Nothing was restored/);
    await assertNothingWritten(dest);
  });

  test('a bit flip that breaks the header MAC’s encoding is refused', async () => {
    const bytes = await readFile(dataPath('flip-mac-encoding'));
    // The high bit (0x80) takes a character out of the base64 alphabet: the MAC line no longer decodes.
    await writeFile(dataPath('flip-mac-encoding'), flipBit(bytes, ageLayout(bytes).macLine + 10, 0x80));
    const dest = await destination(sb);
    assertRefused(
      await restoreId('flip-mac-encoding', dest),
      /not a valid age file|header was damaged/,
      /Nothing was restored/,
    );
    await assertNothingWritten(dest);
  });

  test('a bit flip inside a recipient stanza is refused', async () => {
    const bytes = await readFile(dataPath('flip-stanza'));
    const layout = ageLayout(bytes);
    // The last byte of the first stanza's body (its wrapped file key), just before the next "\n->".
    const at = bytes.indexOf('\n-> ', layout.firstStanza) - 2;
    await writeFile(dataPath('flip-stanza'), flipBit(bytes, at));
    const dest = await destination(sb);
    assertRefused(await restoreId('flip-stanza', dest), /damaged|not a valid|opens this backup/);
    await assertNothingWritten(dest);
  });

  test('a bit flip in the middle of the payload is refused (into an existing empty folder)', async () => {
    const bytes = await readFile(dataPath('flip-payload'));
    const { payloadStart } = ageLayout(bytes);
    // Chunks before the damaged one decrypt fine and are extracted into the staging folder first.
    assert.ok(bytes.length - payloadStart > 3 * CHUNK);
    await writeFile(dataPath('flip-payload'), flipBit(bytes, payloadStart + 2 * CHUNK + 1000));
    const dest = await destination(sb, { existing: true });
    assertRefused(
      await restoreId('flip-payload', dest),
      /encrypted content is damaged or incomplete/,
      /Nothing was restored/,
    );
    await assertNothingWritten(dest);
  });

  test('a data object cut short at any point is refused', async () => {
    const cuts: [Case, (bytes: Buffer) => number][] = [
      ['cut-empty', () => 0],
      ['cut-header', () => 30],
      ['cut-nonce', (b) => ageLayout(b).headerEnd + 8],
      ['cut-chunk', (b) => ageLayout(b).payloadStart + 2 * CHUNK], // exactly at a chunk boundary
      ['cut-middle', (b) => Math.floor(b.length / 2) + 123],
      ['cut-last', (b) => b.length - 1],
    ];
    await Promise.all(
      cuts.map(async ([name, offset], i) => {
        const path = dataPath(name);
        const length = offset(await readFile(path));
        await truncate(path, length);
        // One of them restores into a folder whose parents do not exist yet: those must go again.
        const dest = await destination(sb, { missingParents: i === 3 });
        const r = await restoreId(name, dest);
        assertRefused(r, /damaged|incomplete|truncated|not a valid age file/i, /Nothing was restored/);
        await assertNothingWritten(dest);
      }),
    );
  });

  test('restore --file with the kit of another vault is refused', async () => {
    const dest = await destination(sb);
    assertRefused(
      await restoreFile(dataPath('pristine'), dest, other.kit),
      /recovery kit does not open this file/,
    );
    await assertNothingWritten(dest);
  });

  test('a backup whose data object was swapped with another backup’s is refused', async () => {
    const [one, two] = [dataPath('swap-one'), dataPath('swap-two')];
    await rename(one, `${one}.swapping`);
    await rename(two, one);
    await rename(`${one}.swapping`, two);
    const [destOne, destTwo] = [await destination(sb), await destination(sb)];
    const [r1, r2] = await Promise.all([restoreId('swap-one', destOne), restoreId('swap-two', destTwo)]);
    assertRefused(r1, /does not match its metadata/, /replaced or damaged/, /Nothing was restored/);
    assertRefused(r2, /does not match its metadata/, /replaced or damaged/, /Nothing was restored/);
    await assertNothingWritten(destOne);
    await assertNothingWritten(destTwo);
  });

  describe('a forged backup, made with only the public recipients', () => {
    const FORGED_TEXT = 'Send the bitcoins to the usual address.\n';
    let forgedTar: Buffer;
    let forgedAge: string;

    before(async () => {
      // What anyone who can write to the cloud folder can make: a tar (node-tar), encrypted with the age CLI.
      const work = join(sb.root, 'forger');
      await mkdir(join(work, 'src', 'case-forged', 'media'), { recursive: true });
      await writeFile(join(work, 'src', 'case-forged', 'chat.txt'), FORGED_TEXT);
      await writeFile(join(work, 'src', 'case-forged', 'media', 'photo.jpg'), randomBytes(5000));
      // (Not `portable: true`: node-tar then leaves folders without a modification time, which restore refuses.)
      await create({ cwd: join(work, 'src'), file: join(work, 'forged.tar') }, ['case-forged']);
      forgedTar = await readFile(join(work, 'forged.tar'));
      forgedAge = join(work, 'forged.age');
      await encryptTo(recipients, forgedTar, forgedAge);
    });

    test('in place of a data object: refused as not authentic, with or without --allow-unauthenticated', async () => {
      await copyFile(forgedAge, dataPath('forged-data'));
      const dest = await destination(sb);
      assertRefused(
        await restoreId('forged-data', dest),
        /not authentic/,
        /forged/,
        /Nothing was restored/,
        /--allow-unauthenticated/,
      );
      await assertNothingWritten(dest);
      // Its metadata is authentic and describes other content: even allowed, the forgery must not restore.
      const allowed = await destination(sb);
      assertRefused(
        await restoreId('forged-data', allowed, '--allow-unauthenticated'),
        /does not match its metadata/,
      );
      await assertNothingWritten(allowed);
    });

    test('with forged metadata too: refused; --allow-unauthenticated restores it with a loud WARNING', async () => {
      const id = idOf('forged-full');
      await copyFile(forgedAge, dataPath('forged-full'));
      const meta = {
        format: 1,
        id,
        source: 'case-forged-full',
        exportName: 'case-forged-full',
        createdAt: new Date().toISOString(),
        device: 'attacker',
        deviceId: 'attacker',
        files: 2,
        dirs: 2,
        bytes: Buffer.byteLength(FORGED_TEXT) + 5000,
        tarBytes: forgedTar.length,
        tarSha256: sha256(forgedTar),
        fingerprint: '0'.repeat(64),
        quickFingerprint: '0'.repeat(64),
        proof: randomBytes(32).toString('hex'),
      };
      await encryptTo(recipients, Buffer.from(JSON.stringify(meta)), metaPath('forged-full'));
      const dest = await destination(sb);
      assertRefused(await restoreId('forged-full', dest), /not authentic/);
      await assertNothingWritten(dest);

      const allowed = await destination(sb);
      const r = await restoreId('forged-full', allowed, '--allow-unauthenticated');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /\*\*\* WARNING \*\*\*/);
      assert.match(r.stderr, /not authentic/);
      assert.doesNotMatch(r.stdout, /Verified/);
      assert.equal(await readFile(join(allowed.to, 'case-forged', 'chat.txt'), 'utf8'), FORGED_TEXT);
    });

    test('restore --file with the real kit: refused; --allow-unauthenticated restores it with a loud WARNING', async () => {
      const dest = await destination(sb);
      assertRefused(
        await restoreFile(forgedAge, dest, sb.kit),
        /not authentic/,
        /carries no Puddleproof proof/,
        /Nothing was restored/,
      );
      await assertNothingWritten(dest);

      const allowed = await destination(sb);
      const r = await restoreFile(forgedAge, allowed, sb.kit, '--allow-unauthenticated');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /\*\*\* WARNING \*\*\*/);
      assert.match(r.stderr, /not authentic/);
      assert.match(r.stderr, /--allow-unauthenticated/);
      assert.doesNotMatch(r.stdout, /Verified/);
      assert.match(r.stdout, /Restored 2 files and 2 folders/);
      assert.equal(await readFile(join(allowed.to, 'case-forged', 'chat.txt'), 'utf8'), FORGED_TEXT);
    });

    test('sealed with another vault’s authentication key: refused, its proof does not match', async () => {
      const otherKit = await readRecoveryKit(other.kit);
      const sealed = await seal(
        tarArchive(
          entry({ path: 'case-x/', type: 'Directory', mode: 0o755 }),
          entry({ path: 'case-x/a.txt', body: 'x' }),
        ),
        otherKit.authKey,
        newBackupId(new Date()),
      );
      const file = join(sb.root, 'forger', 'other-key.age');
      await encryptTo(recipients, sealed, file);
      const dest = await destination(sb);
      assertRefused(await restoreFile(file, dest, sb.kit), /not authentic/, /proof does not match/);
      await assertNothingWritten(dest);
    });
  });

  describe('authentic archives of a malicious shape', () => {
    const evil = join(tmpdir(), `puddleproof-evil-${process.pid}-${randomBytes(4).toString('hex')}`);
    const escapeName = `puddleproof-escape-${process.pid}.txt`;
    let n = 0;

    /** Seals `entries` (after a folder and a 100 KiB file that get extracted first) and restores them. */
    async function restoreShape(...entries: Buffer[]) {
      const tar = tarArchive(
        entry({ path: 'case-evil/', type: 'Directory', mode: 0o755 }),
        entry({ path: 'case-evil/first.txt', body: randomBytes(100 * KiB) }),
        ...entries,
      );
      const file = join(sb.root, 'shapes', `${++n}.age`);
      await mkdir(dirname(file), { recursive: true });
      await encryptTo(recipients, await seal(tar, kit.authKey, newBackupId(new Date())), file);
      const dest = await destination(sb);
      return { r: await restoreFile(file, dest, sb.kit), dest };
    }

    after(async () => {
      await rm(evil, { recursive: true, force: true });
    });

    test('control: a benign archive sealed the same way restores', async () => {
      const { r, dest } = await restoreShape(entry({ path: 'case-evil/second.txt', body: 'fine\n' }));
      ok(r, 'restore of a benign sealed archive');
      assert.match(r.stdout, /Verified: complete/);
      assert.equal(await readFile(join(dest.to, 'case-evil', 'second.txt'), 'utf8'), 'fine\n');
    });

    const shapes: [string, () => Buffer[], RegExp][] = [
      [
        'an absolute path',
        () => [entry({ path: `${evil}/pwned.txt`, body: 'pwned' })],
        /the path is absolute/,
      ],
      [
        'a ".." path',
        () => [entry({ path: `case-evil/../../../${escapeName}`, body: 'escaped' })],
        /the path contains "\.\."/,
      ],
      [
        'a symbolic link',
        () => [
          entry({ path: 'case-evil/link', type: 'SymbolicLink', linkpath: evil, size: 0 }),
          entry({ path: 'case-evil/link/pwned.txt', body: 'pwned' }),
        ],
        /symbolic link/,
      ],
      [
        'a hard link',
        () => [entry({ path: 'case-evil/passwd', type: 'Link', linkpath: '/etc/passwd', size: 0 })],
        /hard link/,
      ],
      [
        'a device file',
        () => [entry({ path: 'case-evil/null', type: 'CharacterDevice', devmaj: 1, devmin: 3, size: 0 })],
        /it is a device/,
      ],
      [
        'a duplicate path',
        () => [entry({ path: 'case-evil/first.txt', body: 'the second copy replaces the first' })],
        /it appears twice/,
      ],
    ];

    for (const [what, entries, why] of shapes) {
      test(`${what} is refused, nothing written inside or outside the destination`, async () => {
        const { r, dest } = await restoreShape(...entries());
        assertRefused(r, /Unsafe entry/, why, /Nothing was restored/);
        await assertNothingWritten(dest);
        assert.equal(existsSync(evil), false, `${evil} must not exist`);
        for (const dir of [dest.parent, dirname(dest.parent), sb.root]) {
          assert.equal(existsSync(join(dir, escapeName)), false, `nothing escaped into ${dir}`);
        }
      });
    }
  });

  test('a non-empty destination is refused and left untouched', async () => {
    const dest = await destination(sb, { existing: true });
    await writeFile(join(dest.to, 'keep.txt'), 'mine\n');
    assertRefused(await restoreId('pristine', dest), /is not empty/);
    assert.deepEqual(await readdir(dest.to), ['keep.txt']);
    assert.equal(await readFile(join(dest.to, 'keep.txt'), 'utf8'), 'mine\n');
    assert.deepEqual(await readdir(dest.parent), ['restored'], 'no staging folder');
  });

  test('a destination that is a file is refused and left untouched', async () => {
    const dest = await destination(sb);
    await writeFile(dest.to, 'a file\n');
    assertRefused(await restoreId('pristine', dest), /is a file/);
    assert.equal(await readFile(dest.to, 'utf8'), 'a file\n');
    assert.deepEqual(await readdir(dest.parent), ['restored'], 'no staging folder');
  });

  test('a full disk during the restore is reported plainly and leaves nothing', async () => {
    const mountPoint = join(sb.root, 'small-disk');
    await mkdir(mountPoint);
    await new Promise<void>((resolve, reject) => {
      const child = spawn('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint], {
        stdio: 'inherit',
      });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`mount exited ${code}`))));
    });
    try {
      const dest: Destination = { parent: mountPoint, to: join(mountPoint, 'restored'), existing: false };
      const r = await restoreId('disk-full', dest);
      assertRefused(r, /disk is full/, /Nothing was restored/);
      await assertNothingWritten(dest);
    } finally {
      await new Promise<void>((resolve) => {
        spawn('umount', [mountPoint], { stdio: 'inherit' }).on('close', () => resolve());
      });
    }
  });
});
