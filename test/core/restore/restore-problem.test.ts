// The kind of a failed restore or listing (RestoreProblem), which picks the window's advice. These tests make
// the engine fail for real (restoreBackup, listBackup and Vault on real files, real age keys, a real full and
// a real read-only file system where mounting a tmpfs is permitted) and check the kind each failure gets,
// also when paths and archive entries hold words that other failures' messages use: the kind comes from the
// error, never from its words.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, type Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, type TestContext, test } from 'node:test';
import type { HeaderData } from 'tar';
import {
  createEncryptStream,
  generateX25519Identity,
  identityToRecipient,
} from '../../../src/core/age/index.js';
import { listBackup } from '../../../src/core/restore/list-backup.js';
import {
  NotAuthenticError,
  RestoreError,
  type RestoreRequest,
  restoreBackup,
} from '../../../src/core/restore/restore.js';
import { restoreProblemOf } from '../../../src/core/restore/restore-problem.js';
import { newBackupId } from '../../../src/core/vault/layout.js';
import { encryptMetadata, type Format1Metadata, signMetadata } from '../../../src/core/vault/metadata.js';
import { SealTarStream } from '../../../src/core/vault/tar-trailer.js';
import { Vault } from '../../../src/core/vault/vault.js';
import type { RestoreProblem } from '../../../src/shared/api.js';
import { tarArchive, tarEntry } from '../../helpers/tar-entry.js';

/** Words other failures' messages use; they appear in paths and entry names below to mislead a matcher. */
const MISLEADING = 'Recovery kit, another device, damaged, not authentic, is a file, not empty, disk is full';

/** What a promise rejected with (it must reject). */
async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof Error, `not an Error: ${String(err)}`);
    return err;
  }
  return assert.fail('expected a failure');
}

/** The kind of `err` as the engine service reports it, and, for a RestoreError, the kind it carries. */
function assertKind(err: Error, expected: RestoreProblem): void {
  assert.equal(restoreProblemOf(err), expected, `kind of: ${err.message}`);
  if (err instanceof RestoreError) assert.equal(err.problem, expected, `problem of: ${err.message}`);
}

async function through(input: Buffer, transform: Transform): Promise<Buffer> {
  const parts: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      parts.push(chunk);
      callback();
    },
  });
  await pipeline(Readable.from([input]), transform, sink);
  return Buffer.concat(parts);
}

/** Mounts a 1 MiB tmpfs (read-only if asked) at `dir`; false (and the test skipped) if not permitted. */
function mountTmpfs(t: TestContext, dir: string, readOnly = false): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=1m${readOnly ? ',ro' : ''}`, 'tmpfs', dir], {
      stdio: 'pipe',
    });
    return true;
  } catch {
    t.skip('mounting a tmpfs is not permitted here');
    return false;
  }
}

// ---- tar archives by hand, including shapes the engine refuses ----

const T0 = new Date('2026-11-26T10:00:00Z');

const entry = (fields: HeaderData & { body?: string | Buffer }) => tarEntry({ mtime: T0, ...fields });
const folder = (path: string) => entry({ path, type: 'Directory', mode: 0o755 });
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const GOOD_TAR = tarArchive(folder('Chat/'), entry({ path: 'Chat/a.txt', body: 'hello' }));
const SYMLINK_TAR = tarArchive(
  folder('Chat/'),
  entry({ path: 'Chat/link', type: 'SymbolicLink', linkpath: '/etc/passwd' }),
);
const TWICE_TAR = tarArchive(entry({ path: 'Chat/a.txt' }), entry({ path: 'Chat/a.txt' }));
const FILE_AS_FOLDER_TAR = tarArchive(entry({ path: 'Chat/a' }), entry({ path: 'Chat/a/b.txt' }));
/** Entry names come from chat exports: they may say anything. */
const MISLEADING_SYMLINK_TAR = tarArchive(
  folder('Chat/'),
  entry({ path: `Chat/${MISLEADING}`, type: 'SymbolicLink', linkpath: '/etc/passwd' }),
);

describe('the kind of a failed restore or listing', () => {
  let work: string;
  let mine: string;
  let myRecipient: string;
  let otherRecipient: string;
  const authKey = randomBytes(32);
  const otherVaultKey = randomBytes(32);
  const id = newBackupId(T0);
  let sealed: Buffer;
  let meta: Format1Metadata;
  let vault: Vault;

  const seal = (tar: Buffer, key = authKey, sealId = id) => through(tar, new SealTarStream(key, sealId));
  const encrypt = async (plain: Buffer, recipients = [myRecipient]) =>
    through(plain, await createEncryptStream(recipients));

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'puddleproof-problem-'));
    mine = await generateX25519Identity();
    myRecipient = await identityToRecipient(mine);
    otherRecipient = await identityToRecipient(await generateX25519Identity());
    sealed = await seal(GOOD_TAR);
    meta = {
      format: 1,
      id,
      source: 'Chat',
      exportName: 'Chat',
      createdAt: T0.toISOString(),
      device: 'Laptop',
      deviceId: 'laptop-1',
      files: 1,
      dirs: 1,
      bytes: 5,
      tarBytes: sealed.length,
      tarSha256: sha256(sealed),
      fingerprint: 'f'.repeat(64),
      quickFingerprint: 'q'.repeat(64),
    };
    await mkdir(join(work, 'cloud'));
    vault = await Vault.create(join(work, 'cloud'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  let runs = 0;
  /** Runs a real restore of `data` (null: no data file) as the engine service does; returns its error. */
  async function restoreFails(
    data: Buffer | null,
    overrides: Partial<RestoreRequest> = {},
  ): Promise<RestoreError> {
    runs++;
    const dataPath = join(work, `data-${runs}.age`);
    if (data) await writeFile(dataPath, data);
    const request: RestoreRequest = {
      dataPath,
      identities: [mine],
      authKey,
      expected: meta,
      to: join(work, `restored-${runs}`),
      ...overrides,
    };
    const err = await errorOf(restoreBackup(request));
    assert.ok(err instanceof RestoreError, `restoreBackup threw a ${err.constructor.name}: ${err.message}`);
    return err;
  }

  /** Stores a backup in the vault (data as given or none, metadata signed with `metaKey`); returns its id. */
  async function stored(
    data: Buffer | null,
    { metaKey = authKey, metaRecipients = [myRecipient] } = {},
  ): Promise<string> {
    const storedId = newBackupId(new Date(T0.getTime() + ++runs * 1000));
    if (data) await writeFile(vault.paths.data(storedId), data);
    const record = signMetadata({ ...meta, id: storedId }, metaKey);
    await writeFile(vault.paths.meta(storedId), await encryptMetadata(record, metaRecipients));
    return storedId;
  }
  const listingFails = (backupId: string) => errorOf(listBackup(vault, backupId, [mine], authKey));
  const metadataFails = (backupId: string) => errorOf(vault.readMetadata(backupId, [mine], authKey));

  test('a sound backup restores and lists with these keys (so the failures below are real)', async () => {
    await writeFile(join(work, 'sound.age'), await encrypt(sealed));
    const result = await restoreBackup({
      dataPath: join(work, 'sound.age'),
      identities: [mine],
      authKey,
      expected: meta,
      to: join(work, 'sound'),
    });
    assert.equal(result.authentic, true);
    assert.equal(result.files, 1);
    const listed = await listBackup(vault, await stored(await encrypt(sealed)), [mine], authKey);
    assert.deepEqual(
      listed.map((e) => e.path),
      ['Chat', 'Chat/a.txt'],
    );
  });

  describe('restoreBackup', () => {
    test('a backup made on another device needs the recovery kit', async () => {
      const err = await restoreFails(await encrypt(sealed, [otherRecipient]));
      assert.match(err.message, /another device/);
      assertKind(err, 'needsKit');
    });

    test('a file the recovery kit does not open (no metadata: restoring a file directly) needs the kit', async () => {
      const err = await restoreFails(await encrypt(sealed, [otherRecipient]), { expected: undefined });
      assert.match(err.message, /recovery kit does not open this file/);
      assertKind(err, 'needsKit');
    });

    test('the destination is a file', async () => {
      const to = join(work, 'a-file');
      await writeFile(to, 'x');
      const err = await restoreFails(await encrypt(sealed), { to });
      assert.match(err.message, /is a file; choose a new folder/);
      assertKind(err, 'destination');
    });

    test('the destination is a folder with something in it', async () => {
      const to = join(work, 'full-folder');
      await mkdir(to);
      await writeFile(join(to, 'keep.txt'), 'x');
      const err = await restoreFails(await encrypt(sealed), { to });
      assert.match(err.message, /is not empty/);
      assertKind(err, 'destination');
    });

    test('the backup file is not in the cloud folder: not synced yet', async () => {
      const err = await restoreFails(null);
      assert.match(err.message, /is missing or unreadable; it may not be synced yet/);
      assertKind(err, 'notSynced');
    });

    test('the file is not an age file', async () => {
      // Random bytes, but not starting with '-' or whitespace (which would read as an armored age file).
      const err = await restoreFails(Buffer.concat([Buffer.from([0]), randomBytes(2999)]));
      assert.match(err.message, /not a valid age file/);
      assertKind(err, 'damaged');
    });

    test('encrypted bytes were flipped', async () => {
      const data = await encrypt(sealed);
      data[data.length - 100] = (data[data.length - 100] ?? 0) ^ 0xff;
      const err = await restoreFails(data);
      assert.match(err.message, /encrypted content is damaged/);
      assertKind(err, 'damaged');
    });

    test('the encrypted file was cut short', async () => {
      const data = await encrypt(sealed);
      const err = await restoreFails(data.subarray(0, data.length - 200));
      assert.match(err.message, /encrypted content is damaged or incomplete/);
      assertKind(err, 'damaged');
    });

    test('the archive inside was cut short', async () => {
      const truncated = entry({ path: 'Chat/a.txt', body: 'x'.repeat(5000) }).subarray(0, 1024);
      const err = await restoreFails(await encrypt(truncated), { expected: { ...meta, bytes: 10_000 } });
      assert.match(err.message, /truncated/);
      assertKind(err, 'damaged');
    });

    test('the archive carries no proof', async () => {
      const err = await restoreFails(await encrypt(GOOD_TAR));
      assert.match(err.message, /not authentic: the archive carries no Puddleproof proof/);
      assertKind(err, 'damaged');
    });

    test('the proof was forged with another vault’s key', async () => {
      const err = await restoreFails(await encrypt(await seal(GOOD_TAR, otherVaultKey)));
      assert.match(err.message, /not authentic: its proof does not match/);
      assertKind(err, 'damaged');
      // The engine's message serves the window too; only the CLI names its override flag.
      assert.ok(err instanceof NotAuthenticError);
      assert.doesNotMatch(err.message, /--allow-unauthenticated/);
    });

    test('the data does not match its metadata (another archive, or another backup’s data)', async () => {
      const otherTar = await errorOf(
        restoreBackup({
          dataPath: join(work, 'sound.age'),
          identities: [mine],
          authKey,
          expected: { ...meta, tarSha256: '0'.repeat(64) },
          to: join(work, 'mismatch-sha'),
        }),
      );
      const otherId = await restoreFails(
        await encrypt(await seal(GOOD_TAR, authKey, newBackupId(new Date('2027-01-01T00:00:00Z')))),
        { expected: { ...meta, tarSha256: sha256(await seal(GOOD_TAR)) } },
      );
      for (const err of [otherTar, otherId]) {
        assert.match(err.message, /does not match its metadata/);
        assertKind(err, 'damaged');
      }
    });

    test('entries a restore refuses: a symbolic link, a path twice, a file used as a folder, more than listed', async () => {
      const refused: [Buffer, Partial<RestoreRequest>, RegExp][] = [
        [await seal(SYMLINK_TAR), {}, /it is a symbolic link/],
        [await seal(TWICE_TAR), {}, /it appears twice/],
        [await seal(FILE_AS_FOLDER_TAR), {}, /"Chat\/a" is a file, so nothing can be inside it/],
        [sealed, { expected: { ...meta, bytes: 2 } }, /more than the 2 bytes its backup lists/],
      ];
      for (const [tar, overrides, pattern] of refused) {
        const err = await restoreFails(await encrypt(tar), overrides);
        assert.match(err.message, pattern);
        assertKind(err, 'damaged');
      }
    });

    test('a restore cancelled before it began, or while it runs, is cancelled', async () => {
      const before = await restoreFails(await encrypt(sealed), { signal: AbortSignal.abort() });
      // A backup of several MiB, so that the restore is still reading when the first progress aborts it.
      const big = Buffer.concat([
        folder('Chat/'),
        entry({ path: 'Chat/big.bin', body: randomBytes(4 << 20) }),
        Buffer.alloc(1024),
      ]);
      const bigSealed = await seal(big);
      const controller = new AbortController();
      let progressed = 0;
      const during = await restoreFails(await encrypt(bigSealed), {
        expected: { ...meta, bytes: 4 << 20, tarBytes: bigSealed.length, tarSha256: sha256(bigSealed) },
        signal: controller.signal,
        onProgress: () => {
          progressed++;
          controller.abort();
        },
      });
      assert.ok(progressed > 0);
      for (const err of [before, during]) {
        assert.equal(err.message, 'The restore was cancelled. Nothing was restored.');
        assertKind(err, 'cancelled');
      }
    });

    test('asking for paths the backup does not hold is another problem', async () => {
      const err = await restoreFails(await encrypt(sealed), { only: ['Chat/not-there.txt'] });
      assert.match(err.message, /Nothing in the backup matches "Chat\/not-there.txt"/);
      assertKind(err, 'other');
    });

    test('a real full disk', async (t) => {
      const parent = join(work, `small disk, ${MISLEADING}`);
      await mkdir(parent);
      if (!mountTmpfs(t, parent)) return;
      try {
        const big = Buffer.concat([
          folder('Chat/'),
          entry({ path: 'Chat/big.bin', body: Buffer.alloc(3 << 20) }),
          Buffer.alloc(1024),
        ]);
        const bigSealed = await seal(big);
        const err = await restoreFails(await encrypt(bigSealed), {
          expected: { ...meta, bytes: 3 << 20, tarBytes: bigSealed.length, tarSha256: sha256(bigSealed) },
          to: join(parent, 'Alice'),
        });
        assert.equal(err.message, 'The disk is full. Nothing was restored; free some space and retry.');
        assertKind(err, 'diskFull');
        assert.deepEqual(await readdir(parent), []);
      } finally {
        execFileSync('umount', [parent]);
      }
    });

    test('a real read-only file system', async (t) => {
      const parent = join(work, `read-only, ${MISLEADING}`);
      await mkdir(parent);
      if (!mountTmpfs(t, parent, true)) return;
      try {
        for (const to of [join(parent, 'Alice'), join(parent, 'new', 'Alice')]) {
          const err = await restoreFails(await encrypt(sealed), { to });
          assert.match(err.message, /Nothing was restored\.$/);
          assertKind(err, 'notWritable');
        }
      } finally {
        execFileSync('umount', [parent]);
      }
    });

    test('a real folder nothing may be created in (immutable: not permitted, even for root)', async (t) => {
      const parent = join(work, `immutable, ${MISLEADING}`);
      await mkdir(parent);
      try {
        execFileSync('chattr', ['+i', parent], { stdio: 'pipe' });
      } catch {
        t.skip('chattr +i is not permitted here');
        return;
      }
      try {
        const err = await restoreFails(await encrypt(sealed), { to: join(parent, 'Alice') });
        assert.match(err.message, /^EPERM: operation not permitted/);
        assertKind(err, 'notWritable');
      } finally {
        execFileSync('chattr', ['-i', parent]);
      }
    });

    test('words in the destination’s path do not change the kind', async () => {
      const parent = join(work, MISLEADING);
      await mkdir(parent);

      const notEmpty = join(parent, 'Recovery kit');
      await mkdir(notEmpty);
      await writeFile(join(notEmpty, 'kit.txt'), 'x');
      const aFile = join(parent, 'damaged backup not authentic.txt');
      await writeFile(aFile, 'x');
      const destination = [
        await restoreFails(await encrypt(sealed), { to: notEmpty }),
        await restoreFails(await encrypt(sealed), { to: aFile }),
      ];
      for (const err of destination) {
        assert.ok(err.message.includes(MISLEADING));
        assertKind(err, 'destination');
      }

      const notSynced = await restoreFails(null, { dataPath: join(parent, 'Alice.age') });
      assert.ok(notSynced.message.includes(MISLEADING));
      assertKind(notSynced, 'notSynced');

      const unsafe = await restoreFails(await encrypt(await seal(MISLEADING_SYMLINK_TAR)), {
        to: join(parent, 'Alice'),
      });
      assert.match(unsafe.message, /Unsafe entry .*Recovery kit, another device.* symbolic link/);
      assertKind(unsafe, 'damaged');

      const needsKit = await restoreFails(await encrypt(sealed, [otherRecipient]), {
        to: join(parent, 'Bob'),
      });
      assertKind(needsKit, 'needsKit');

      const cancelled = await restoreFails(await encrypt(sealed), {
        to: join(parent, 'Carol'),
        signal: AbortSignal.abort(),
      });
      assertKind(cancelled, 'cancelled');

      // Nothing of these failed restores stayed behind.
      assert.deepEqual((await readdir(parent)).sort(), ['Recovery kit', 'damaged backup not authentic.txt']);
    });
  });

  describe('listBackup (and reading the metadata, as restore:start does)', () => {
    test('a backup made on another device needs the recovery kit (its data, or its metadata too)', async () => {
      const dataOnly = await listingFails(await stored(await encrypt(sealed, [otherRecipient])));
      assert.equal(
        dataOnly.message,
        'This backup was made on another device: load your recovery kit to open it.',
      );
      assertKind(dataOnly, 'needsKit');
      const both = await stored(await encrypt(sealed, [otherRecipient]), {
        metaRecipients: [otherRecipient],
      });
      for (const err of [await listingFails(both), await metadataFails(both)]) assertKind(err, 'needsKit');
    });

    test('encrypted bytes were flipped', async () => {
      const data = await encrypt(sealed);
      data[data.length - 100] = (data[data.length - 100] ?? 0) ^ 0xff;
      const err = await listingFails(await stored(data));
      assert.match(err.message, /^This backup cannot be read: The encrypted content is damaged/);
      assertKind(err, 'damaged');
    });

    test('the archive inside was cut short', async () => {
      const truncated = entry({ path: 'Chat/a.txt', body: 'x'.repeat(5000) }).subarray(0, 1024);
      const err = await listingFails(await stored(await encrypt(truncated)));
      assert.match(err.message, /truncated/);
      assertKind(err, 'damaged');
    });

    test('no proof, a forged proof, or data that does not match the metadata', async () => {
      const anotherArchive = tarArchive(folder('Chat/'), entry({ path: 'Chat/a.txt', body: 'other' }));
      const failures = [
        await listingFails(await stored(await encrypt(GOOD_TAR))),
        await listingFails(await stored(await encrypt(await seal(GOOD_TAR, otherVaultKey)))),
        await listingFails(await stored(await encrypt(await seal(anotherArchive)))),
      ];
      for (const err of failures) {
        assert.equal(err.message, 'This backup is damaged or not authentic; it cannot be restored.');
        assertKind(err, 'damaged');
      }
    });

    test('entries a restore would refuse, whatever their names say', async () => {
      for (const tar of [SYMLINK_TAR, TWICE_TAR, FILE_AS_FOLDER_TAR, MISLEADING_SYMLINK_TAR]) {
        const err = await listingFails(await stored(await encrypt(await seal(tar))));
        assert.match(err.message, /^This backup cannot be read: Unsafe entry /);
        assertKind(err, 'damaged');
      }
    });

    test('the data file is not in the cloud folder (its metadata is): not synced yet', async () => {
      const err = await listingFails(await stored(null));
      assert.match(err.message, /^The backup file .* is missing or unreadable; it may not be synced yet\.$/);
      assertKind(err, 'notSynced');
    });

    test('a backup id that is not in the vault, or metadata that is unreadable, means a damaged backup', async () => {
      const misnamed = await stored(await encrypt(sealed));
      const other = newBackupId(new Date('2027-02-01T00:00:00Z'));
      await writeFile(
        vault.paths.meta(other),
        await encryptMetadata(signMetadata({ ...meta, id: misnamed }, authKey), [myRecipient]),
      );
      const notJson = newBackupId(new Date('2027-02-02T00:00:00Z'));
      await writeFile(vault.paths.meta(notJson), await encrypt(Buffer.from('{"format": 1, "id":')));
      const notAge = newBackupId(new Date('2027-02-03T00:00:00Z'));
      await writeFile(vault.paths.meta(notAge), randomBytes(500));
      const forged = await stored(await encrypt(sealed), { metaKey: otherVaultKey });
      const missing = newBackupId(new Date('2027-02-04T00:00:00Z'));
      const cases: [string, RegExp][] = [
        [missing, /^There is no backup /],
        [other, /its metadata names another backup/],
        [notJson, /metadata is not valid JSON/],
        [notAge, /not a valid age file/],
        [forged, /its metadata is not authentic/],
      ];
      for (const [backupId, pattern] of cases) {
        for (const err of [await metadataFails(backupId), await listingFails(backupId)]) {
          assert.match(err.message, pattern);
          assertKind(err, 'damaged');
        }
      }
    });
  });

  describe('file-system errors, by their code (the message does not matter)', () => {
    const staging = join('/media/usb', MISLEADING, '.Alice.puddleproof-restore-0a1b2c3d4e5f');
    const systemError = (code: string, text: string) =>
      Object.assign(new Error(`${code}: ${text}, mkdir '${staging}'`), { code, errno: -1, syscall: 'mkdir' });

    test('no space left, or over the quota: the disk is full', () => {
      assert.equal(restoreProblemOf(systemError('ENOSPC', 'no space left on device')), 'diskFull');
      assert.equal(restoreProblemOf(systemError('EDQUOT', 'disk quota exceeded')), 'diskFull');
    });

    test('permission denied, not permitted, read-only: the folder is not writable', () => {
      assert.equal(restoreProblemOf(systemError('EACCES', 'permission denied')), 'notWritable');
      assert.equal(restoreProblemOf(systemError('EPERM', 'operation not permitted')), 'notWritable');
      assert.equal(restoreProblemOf(systemError('EROFS', 'read-only file system')), 'notWritable');
    });

    test('the code decides, not words in the message', () => {
      assert.equal(restoreProblemOf(systemError('ENOSPC', 'permission denied, read-only')), 'diskFull');
      assert.equal(restoreProblemOf(systemError('EACCES', 'no space left, the disk is full')), 'notWritable');
    });
  });

  test('anything else is another problem, whatever its message says', () => {
    for (const message of [
      MISLEADING,
      'EACCES: permission denied',
      'ENOSPC: no space left',
      'cancelled',
      '',
    ]) {
      assert.equal(restoreProblemOf(new Error(message)), 'other', message);
    }
    assert.equal(restoreProblemOf(Object.assign(new Error('x'), { code: 'EIO' })), 'other');
    for (const thrown of [null, undefined, 'the backup is damaged', 42]) {
      assert.equal(restoreProblemOf(thrown), 'other', String(thrown));
    }
  });
});
