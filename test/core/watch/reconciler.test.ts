// The automatic-backup reconciler, driven by real file-system events in a temporary watch folder and
// backing up into a real vault (keys in the OS keychain). Each scenario has its own vault and reconciler.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Device, deviceIdentities, initVault } from '../../../src/core/device.js';
import { deleteVaultSecrets } from '../../../src/core/keys/vault-secrets.js';
import { restoreFromVault } from '../../../src/core/restore/restore-from-vault.js';
import { readCollections } from '../../../src/core/vault/collections.js';
import type { BackupMetadata } from '../../../src/core/vault/metadata.js';
import type { RetentionPolicy } from '../../../src/core/vault/retention.js';
import { Reconciler, type ReconcilerOptions } from '../../../src/core/watch/reconciler.js';
import type { ActivityState, EngineStatus } from '../../../src/shared/status.js';
import {
  type ChatModel,
  expectedSummary,
  growChat,
  makeChat,
  writeWhatsAppAndroid,
  writeWhatsAppIos,
} from '../../helpers/chat-exports/index.js';
import { assertSameTree } from '../../helpers/export-tree.js';
import { canMount, mountTmpfs } from '../../helpers/tmpfs.js';
import { storedZip } from '../../helpers/zip.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const KEEP_LAST_2: RetentionPolicy = { last: 2, hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 };
const TIMEOUT = { timeout: 60_000 };
/** The steps of one scenario run in order. */
const SEQUENTIAL = { concurrency: 1 };

/**
 * A status as the test saw it, with the time it arrived, and the reconciler's clock as it last read it before
 * (the time its retryAt and readyAt count from; `at` may be later on a busy machine).
 */
interface Seen {
  at: number;
  clock: number;
  status: EngineStatus;
}

type StateOf<K extends ActivityState['kind']> = Extract<ActivityState, { kind: K }>;

/** A vault, a watch folder and a reconciler over them, recording every status. */
class World {
  readonly seen: Seen[] = [];
  reconciler: Reconciler | undefined;

  private constructor(
    readonly root: string,
    readonly watch: string,
    readonly cloud: string,
    readonly device: Device,
  ) {}

  /** Whether the cloud folder is a small disk of its own (see `make`). */
  private mounted = false;

  /**
   * A new vault and folders; with `cloudDiskMiB`, the cloud folder is a tmpfs of that size (null where
   * mounting is not permitted).
   */
  static async make(opts: { watchMissing?: boolean; cloudDiskMiB?: number } = {}): Promise<World> {
    const root = await mkdtemp(join(tmpdir(), 'puddleproof-reconciler-'));
    const watch = join(root, 'watch');
    const cloud = join(root, 'cloud');
    await mkdir(cloud);
    if (opts.cloudDiskMiB) mountTmpfs(cloud, opts.cloudDiskMiB);
    if (!opts.watchMissing) await mkdir(watch);
    const device = await initVault({
      home: join(root, 'home'),
      watchDir: watch,
      cloudDir: cloud,
      kitPath: join(root, 'kit.txt'),
      deviceName: 'test device',
    });
    const world = new World(root, watch, cloud, device);
    world.mounted = !!opts.cloudDiskMiB;
    return world;
  }

  /** Starts a reconciler (stopping the previous one) that records its statuses. */
  async start(opts: Partial<Omit<ReconcilerOptions, 'profile' | 'onStatus'>> = {}): Promise<Reconciler> {
    await this.reconciler?.stop();
    let clock = 0;
    const reconciler = new Reconciler({
      profile: this.device,
      onStatus: (status) => this.seen.push({ at: Date.now(), clock, status }),
      now: () => {
        clock = Date.now();
        return clock;
      },
      ...opts,
    });
    this.reconciler = reconciler;
    await reconciler.start();
    return reconciler;
  }

  get r(): Reconciler {
    assert.ok(this.reconciler, 'a reconciler was started');
    return this.reconciler;
  }

  async dispose(): Promise<void> {
    await this.reconciler?.stop();
    await deleteVaultSecrets(this.device.store).catch(() => undefined);
    if (this.mounted) execFileSync('umount', [this.cloud]);
    await rm(this.root, { recursive: true, force: true });
  }

  /** The committed backups, oldest first. */
  async backups(): Promise<BackupMetadata[]> {
    const { backups, problems } = await this.device.vault.list(
      deviceIdentities(this.device),
      this.device.secrets.authKey,
    );
    // A backup that retention removed between listing and reading is gone, not a problem.
    const real: typeof problems = [];
    for (const p of problems) {
      if (await stat(this.device.vault.paths.meta(p.id)).catch(() => null)) real.push(p);
    }
    assert.deepEqual(real, []);
    return backups;
  }

  /** Names in the vault's data and meta folders. */
  /**
   * Each backup's content objects (format 1 data objects, format 2 snapshots) with every temporary file
   * (also of packs and indexes), and the metadata objects.
   */
  async objects(): Promise<{ data: string[]; meta: string[] }> {
    const p = this.device.vault.paths;
    const temps = async (dir: string) => (await readdir(dir)).filter((n) => n.startsWith('.tmp-'));
    return {
      data: [
        ...(await readdir(p.dataDir)),
        ...(await readdir(p.snapshotsDir)),
        ...(await temps(p.packsDir)),
        ...(await temps(p.indexDir)),
      ].sort(),
      meta: (await readdir(p.metaDir)).sort(),
    };
  }

  /** Statuses of one kind (optionally for one export), since `since`. */
  states<K extends ActivityState['kind']>(
    kind: K,
    exportName?: string,
    since = 0,
  ): { at: number; clock: number; state: StateOf<K> }[] {
    return this.seen
      .filter(
        (s) =>
          s.at >= since &&
          s.status.state.kind === kind &&
          (exportName === undefined ||
            ('exportName' in s.status.state && s.status.state.exportName === exportName)),
      )
      .map((s) => ({ at: s.at, clock: s.clock, state: s.status.state as StateOf<K> }));
  }

  /** Each backup attempt of an export starts with a backingUp status at 0 of 0 bytes. */
  attempts(exportName?: string, since = 0): number[] {
    return this.states('backingUp', exportName, since)
      .filter((s) => s.state.doneBytes === 0 && s.state.totalBytes === 0)
      .map((s) => s.at);
  }

  describeSeen(last = 12): string {
    return this.seen
      .slice(-last)
      .map((s) => `${s.at} ${JSON.stringify(s.status.state)}`)
      .join('\n');
  }

  async waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await cond())) {
      if (Date.now() > end)
        assert.fail(
          `timed out after ${timeoutMs} ms waiting for ${what}; last statuses:\n${this.describeSeen()}`,
        );
      await sleep(50);
    }
  }

  /** Waits until a status of `kind` arrives at or after `since`. */
  waitForState(kind: ActivityState['kind'], since: number, timeoutMs = 15_000): Promise<void> {
    return this.waitFor(
      `${kind} after ${since}`,
      () => this.states(kind, undefined, since).length > 0,
      timeoutMs,
    );
  }

  /** Waits until `n` backups are committed; returns them. */
  async waitForBackups(n: number, timeoutMs = 15_000): Promise<BackupMetadata[]> {
    let backups: BackupMetadata[] = [];
    await this.waitFor(
      `${n} committed backups`,
      async () => {
        backups = await this.backups();
        return backups.length >= n;
      },
      timeoutMs,
    );
    return backups;
  }

  /** Waits until the reconciler reports idle, at or after `since`, and nothing runs. */
  async waitIdle(since: number, timeoutMs = 15_000): Promise<void> {
    await this.waitFor(
      `idle after ${since}`,
      () => this.states('idle', undefined, since).length > 0 && this.r.status.state.kind === 'idle',
      timeoutMs,
    );
    await this.r.idle();
  }

  /** Restores a backup; returns the path of the restored export. */
  async restore(meta: BackupMetadata): Promise<string> {
    const to = join(this.root, `restored-${meta.id}`);
    await restoreFromVault({
      vault: this.device.vault,
      meta,
      identities: deviceIdentities(this.device),
      authKey: this.device.secrets.authKey,
      to,
    });
    return join(to, meta.exportName);
  }
}

let zipCli: boolean | undefined;

/** A real zip of a WhatsApp-style export (zip CLI if installed, else stored entries built by hand). */
async function makeRealZip(dir: string, name: string): Promise<Buffer> {
  const src = join(dir, `${name}-src`);
  await mkdir(src, { recursive: true });
  const files: [string, Buffer][] = [
    ['_chat.txt', Buffer.from('[26.11.26, 17:05:03] Alice: see you at the lake on Sunday\n'.repeat(500))],
    ['IMG-20261126-WA0001.jpg', randomBytes(150_000)],
    ['PTT-20261126-WA0002.opus', randomBytes(60_000)],
    ['VID-20261126-WA0003.mp4', randomBytes(90_000)],
  ];
  for (const [rel, content] of files) await writeFile(join(src, rel), content);
  if (zipCli === undefined) {
    try {
      execFileSync('zip', ['-v'], { stdio: 'ignore' });
      zipCli = true;
    } catch {
      zipCli = false;
    }
  }
  const out = join(dir, `${name}.zip`);
  if (zipCli) {
    execFileSync('zip', ['-q', '-X', '-r', out, '.'], { cwd: src });
    const zip = await readFile(out);
    await rm(out);
    return zip;
  }
  return storedZip(files);
}

/** Where a zip's central directory starts, from its EOCD record. */
const centralDirectoryOffset = (zip: Buffer) => zip.readUInt32LE(zip.length - 22 + 16);

// The scenarios are independent (a vault each) and mostly wait on timers, so they run side by side.
describe('the reconciler', { concurrency: 3 }, () => {
  describe('(a) a zip downloaded in pieces', SEQUENTIAL, () => {
    let w: World;
    const quietMs = 1500;
    before(async () => {
      w = await World.make();
      await w.start({ quietMs });
      await w.waitIdle(0);
    });
    after(() => w?.dispose());

    test(
      'written in 10 pieces over 5 s: exactly one backup, after it settled, of the complete file',
      TIMEOUT,
      async () => {
        const name = 'WhatsApp Chat - Alice.zip';
        const zip = await makeRealZip(w.root, 'alice');
        const piece = Math.ceil(zip.length / 10);
        assert.ok(
          centralDirectoryOffset(zip) >= 9 * piece,
          'the central directory arrives with the last piece',
        );
        const path = join(w.watch, name);
        let lastWriteAt = 0;
        let maxGap = 0;
        for (let i = 0; i < 10; i++) {
          if (i > 0) await sleep(500);
          if (i > 0) maxGap = Math.max(maxGap, Date.now() - lastWriteAt);
          lastWriteAt = Date.now();
          await appendFile(path, zip.subarray(i * piece, (i + 1) * piece));
        }
        assert.ok(
          maxGap < quietMs,
          `the pieces came ${maxGap} ms apart: the machine is too busy for this test`,
        );
        assert.deepEqual(w.attempts(name), [], 'nothing was backed up while the zip was arriving');
        const [meta, ...more] = await w.waitForBackups(1, quietMs + 10_000);
        assert.ok(meta);
        await w.waitIdle(w.attempts(name)[0] ?? 0);
        await sleep(quietMs + 300);
        assert.deepEqual(more, []);
        assert.equal((await w.backups()).length, 1, 'exactly one backup');
        const attempts = w.attempts(name);
        assert.equal(attempts.length, 1, 'backed up once');
        const firstAttempt = attempts[0] ?? 0;
        assert.ok(
          firstAttempt >= lastWriteAt + quietMs - 25,
          `backed up ${firstAttempt - lastWriteAt} ms after the last piece; the quiet period is ${quietMs} ms`,
        );
        // While it arrived, the engine knew the zip was incomplete: it was settling with a long wait.
        const during = w.states('settling', name).filter((s) => s.at < lastWriteAt);
        assert.ok(during.length > 0, 'settling while the pieces arrived');
        for (const s of during)
          assert.ok(
            s.state.readyAt - s.at > 60_000,
            'an incomplete zip waits far longer than the quiet period',
          );
        assert.equal(meta.exportName, name);
        // Its _chat.txt is a WhatsApp chat: the source is the chat's name.
        assert.equal(meta.chat?.summary.platform, 'whatsapp');
        assert.equal(meta.source, 'Alice');
        assert.equal(meta.bytes, zip.length);
        const restored = await readFile(await w.restore(meta));
        assert.ok(restored.equals(zip), 'the backup holds the complete zip');
      },
    );

    test(
      'a zip whose central directory has not arrived is not backed up when the quiet period is over',
      TIMEOUT,
      async () => {
        const name = 'WhatsApp Chat - Bob.zip';
        const zip = await makeRealZip(w.root, 'bob');
        const cut = centralDirectoryOffset(zip) + 10;
        const path = join(w.watch, name);
        await writeFile(path, zip.subarray(0, cut));
        const wroteAt = Date.now();
        await sleep(quietMs * 2 + 500);
        assert.deepEqual(w.attempts(name), [], 'not backed up without its central directory');
        const settling = w.states('settling', name, wroteAt);
        assert.ok(settling.length > 0, `settling; last statuses:\n${w.describeSeen()}`);
        const state = w.r.status.state;
        assert.equal(state.kind, 'settling');
        assert.ok(
          state.kind === 'settling' && state.readyAt - Date.now() > 4 * 60_000,
          'waits minutes, not the quiet period',
        );
        assert.ok(w.r.status.pending.includes(name), 'pending');
        const restAt = Date.now();
        await appendFile(path, zip.subarray(cut));
        const backups = await w.waitForBackups(2, quietMs + 10_000);
        const meta = backups.find((b) => b.exportName === name);
        assert.ok(meta);
        const attempts = w.attempts(name);
        assert.equal(attempts.length, 1);
        assert.ok(
          (attempts[0] ?? 0) >= restAt + quietMs - 25,
          'once whole, it still waited for the quiet period',
        );
        assert.ok((await readFile(await w.restore(meta))).equals(zip));
      },
    );
  });

  describe('(b) a Telegram-style export folder written file by file', SEQUENTIAL, () => {
    let w: World;
    const quietMs = 1500;
    before(async () => {
      w = await World.make();
      await w.start({ quietMs });
      await w.waitIdle(0);
    });
    after(() => w?.dispose());

    test('over several seconds: exactly one backup, of the whole folder', TIMEOUT, async () => {
      const name = 'ChatExport_2026-11-26';
      const root = join(w.watch, name);
      const files: [string, Buffer | string][] = [
        ['messages.html', '<div class="message">See you at the lake?</div>\n'.repeat(2000)],
        ['css/style.css', 'body { margin: 0 }\n'],
        ['js/script.js', 'function CheckLocation() {}\n'],
        ['images/back.png', randomBytes(3_000)],
        ['photos/photo_1@26-11-2026_17-05-03.jpg', randomBytes(120_000)],
        ['photos/photo_2@26-11-2026_17-06-10.jpg', randomBytes(80_000)],
        ['video_files/video_1@26-11-2026_17-07-00.mp4', randomBytes(400_000)],
        ['voice_messages/audio_1@26-11-2026_17-08-00.ogg', randomBytes(20_000)],
        ['files/itinerary.pdf', randomBytes(30_000)],
        ['messages2.html', '<div class="message">Bring the frog.</div>\n'.repeat(500)],
      ];
      await mkdir(root);
      let lastWriteAt = 0;
      let maxGap = 0;
      for (const [i, [rel, content]] of files.entries()) {
        if (i > 0) await sleep(450);
        if (i > 0) maxGap = Math.max(maxGap, Date.now() - lastWriteAt);
        lastWriteAt = Date.now();
        await mkdir(join(root, rel, '..'), { recursive: true });
        await writeFile(join(root, rel), content);
      }
      assert.ok(maxGap < quietMs, `the files came ${maxGap} ms apart: the machine is too busy for this test`);
      assert.deepEqual(w.attempts(name), [], 'nothing was backed up while the files arrived');
      const [meta] = await w.waitForBackups(1, quietMs + 10_000);
      assert.ok(meta);
      await sleep(quietMs + 300);
      assert.equal((await w.backups()).length, 1, 'exactly one backup');
      const attempts = w.attempts(name);
      assert.equal(attempts.length, 1);
      assert.ok((attempts[0] ?? 0) >= lastWriteAt + quietMs - 25, 'after the quiet period');
      // messages.html has no Telegram chat header: "Other files", titled by the folder's full name.
      assert.equal(meta.chat?.summary.platform, 'other');
      assert.equal(meta.source, name);
      assert.equal(meta.files, files.length, 'every file is in the backup');
      await assertSameTree(await w.restore(meta), root);
    });
  });

  describe('(c) 50 exports dropped at once', SEQUENTIAL, () => {
    let w: World;
    before(async () => {
      w = await World.make();
      await w.start({ quietMs: 1000 });
      await w.waitIdle(0);
    });
    after(() => w?.dispose());

    test('50 backups, one per export', { timeout: 90_000 }, async () => {
      const staging = join(w.root, 'staging');
      await mkdir(staging);
      const names: string[] = [];
      for (let i = 1; i <= 50; i++) {
        const n = String(i).padStart(2, '0');
        if (i % 2) {
          const name = `Chat ${n}`;
          await mkdir(join(staging, name, 'media'), { recursive: true });
          await writeFile(join(staging, name, 'messages.html'), `chat ${n}\n`.repeat(100));
          await writeFile(join(staging, name, 'media', 'photo.jpg'), randomBytes(5_000));
          names.push(name);
        } else {
          const name = `Chat ${n}.txt`;
          await writeFile(join(staging, name), `chat ${n}\n`.repeat(300));
          names.push(name);
        }
      }
      const droppedAt = Date.now();
      for (const name of names) await rename(join(staging, name), join(w.watch, name));
      const backups = await w.waitForBackups(50, 80_000);
      await w.waitIdle(droppedAt);
      // One more complete reconcile: an export backed up twice, or a leftover, would show now.
      w.r.backupNow();
      await w.r.idle();
      const final = await w.backups();
      assert.equal(final.length, 50);
      assert.deepEqual(final.map((b) => b.exportName).sort(), names.sort());
      assert.equal(new Set(final.map((b) => b.source)).size, 50, 'one source each');
      assert.equal(new Set(final.map((b) => b.chat?.key)).size, 50, 'one chat each');
      for (const name of names) assert.equal(w.attempts(name).length, 1, `${name} backed up once`);
      assert.equal(backups.length, 50);
      const status = w.r.status;
      assert.equal(status.state.kind, 'idle');
      assert.deepEqual(status.pending, []);
      assert.equal(Object.keys(status.lastBackupBySource).length, 50);
      const objects = await w.objects();
      assert.equal(objects.data.length, 50, 'no temporary or orphaned data objects');
      assert.equal(objects.meta.length, 50);
    });
  });

  describe('(d) renamed, deleted and replaced exports', SEQUENTIAL, () => {
    let w: World;
    const first = 'ChatExport_2026-11-01';
    const renamed = 'ChatExport_2026-11-02';
    before(async () => {
      w = await World.make();
      await w.start({ quietMs: 1000 });
      await w.waitIdle(0);
    });
    after(() => w?.dispose());

    test('an export is backed up', TIMEOUT, async () => {
      const root = join(w.watch, first);
      await mkdir(join(root, 'photos'), { recursive: true });
      await writeFile(join(root, 'messages.html'), '<p>hello</p>\n'.repeat(100));
      await writeFile(join(root, 'photos', 'photo_1.jpg'), randomBytes(50_000));
      const [meta] = await w.waitForBackups(1);
      assert.equal(meta?.exportName, first);
      await w.waitIdle(w.attempts(first)[0] ?? 0);
    });

    test(
      'renamed with identical content: the engine reads and encrypts it again, finds the same content and stores no second backup',
      TIMEOUT,
      async () => {
        const before_ = await w.backups();
        const renamedAt = Date.now();
        await rename(join(w.watch, first), join(w.watch, renamed));
        await w.waitFor('an attempt on the renamed export', () => w.attempts(renamed, renamedAt).length > 0);
        await w.waitIdle(w.attempts(renamed, renamedAt)[0] ?? renamedAt);
        assert.deepEqual(
          (await w.backups()).map((b) => b.id),
          before_.map((b) => b.id),
          'no second backup',
        );
        const objects = await w.objects();
        assert.equal(objects.data.length, 1, `no temporary object left: ${objects.data.join(', ')}`);
        assert.deepEqual(w.r.status.pending, []);
      },
    );

    test('a renamed export found unchanged is not read and encrypted again on later reconciles', {
      ...TIMEOUT,
    }, async () => {
      const since = Date.now();
      await writeFile(join(w.watch, 'Other.txt'), 'another chat\n');
      await w.waitFor('the other export’s backup', () => w.attempts('Other.txt', since).length > 0);
      await w.waitIdle(w.attempts('Other.txt', since)[0] ?? since);
      w.r.backupNow(); // starts a reconcile at once; idle() resolves when it is over
      await w.r.idle();
      assert.deepEqual(w.attempts(renamed, since), [], 'the renamed export was not read again');
    });

    test('`status` does not list a renamed export whose content is backed up as pending', {}, async () => {
      const fresh = await new Reconciler({ profile: w.device, quietMs: 1000 }).check();
      assert.ok(!fresh.pending.includes(renamed), `pending: ${fresh.pending.join(', ')}`);
    });

    test('deleting an export removes nothing from the vault', TIMEOUT, async () => {
      const backups = await w.backups();
      const objects = await w.objects();
      const deletedAt = Date.now();
      await rm(join(w.watch, renamed), { recursive: true });
      await w.waitFor('a reconcile after the deletion', () => w.seen.some((s) => s.at >= deletedAt));
      await w.r.idle();
      // And one more complete reconcile (with retention) after it: still nothing is removed.
      w.r.backupNow();
      await w.r.idle();
      assert.deepEqual(
        (await w.backups()).map((b) => b.id),
        backups.map((b) => b.id),
      );
      assert.deepEqual(await w.objects(), objects);
      // The backup was made of the export under its first name (the rename stored nothing new).
      assert.ok(
        w.r.status.lastBackupBySource[`${first} — Other files`],
        'the deleted export’s source still has its last backup',
      );
    });

    test(
      'new content under the same name is a new version; identical content written again is none',
      TIMEOUT,
      async () => {
        const path = join(w.watch, 'Notes.txt');
        await writeFile(path, 'version 1\n');
        const count = (await w.backups()).length;
        await w.waitForBackups(count + 1);
        await w.waitIdle(w.attempts('Notes.txt')[0] ?? 0);
        await writeFile(path, 'version 2, longer\n');
        const two = await w.waitForBackups(count + 2);
        // Not a chat: "Other files" under the full name, one item for both versions.
        const notes = two.filter((b) => b.source === 'Notes.txt');
        assert.equal(notes.length, 2, 'two versions of the source');
        assert.notEqual(notes[0]?.id, notes[1]?.id);
        assert.equal(notes[0]?.chat?.summary.platform, 'other');
        assert.equal(notes[0]?.chat?.key, notes[1]?.chat?.key, 'one item');
        const secondAttempt = w.attempts('Notes.txt')[1] ?? 0;
        await w.waitIdle(secondAttempt);
        // The same bytes again (a new mtime): read and compared, but not stored.
        const againAt = Date.now();
        await writeFile(path, 'version 2, longer\n');
        await w.waitFor(
          'an attempt on the rewritten export',
          () => w.attempts('Notes.txt', againAt).length > 0,
        );
        await w.waitIdle(w.attempts('Notes.txt', againAt)[0] ?? againAt);
        assert.equal(
          (await w.backups()).filter((b) => b.source === 'Notes.txt').length,
          2,
          'no third version',
        );
        const restored = await readFile(await w.restore(notes[1] as BackupMetadata), 'utf8');
        assert.equal(restored, 'version 2, longer\n');
      },
    );
  });

  describe('(e) the cloud folder goes away while exports arrive', SEQUENTIAL, () => {
    let w: World;
    const backoff = { min: 250, max: 2000 };
    before(async () => {
      w = await World.make();
      await w.start({ quietMs: 1000, backoff });
      await w.waitIdle(0);
    });
    after(async () => {
      if (!w) return;
      await rename(`${w.cloud}-away`, w.cloud).catch(() => undefined);
      await w.dispose();
    });

    const names = ['Chat A.txt', 'ChatExport_2026-11-03', 'Chat C.txt'];

    test(
      'waits for the cloud folder with a growing backoff and no hot loop, then backs everything up once',
      TIMEOUT,
      async () => {
        const away = `${w.cloud}-away`;
        await rename(w.cloud, away);
        const goneAt = Date.now();
        await writeFile(join(w.watch, 'Chat A.txt'), 'a\n'.repeat(1000));
        await sleep(300);
        await mkdir(join(w.watch, names[1] as string));
        await writeFile(join(w.watch, names[1] as string, 'messages.html'), '<p>b</p>\n');
        await sleep(300);
        await writeFile(join(w.watch, 'Chat C.txt'), 'c\n');
        await sleep(300);
        await appendFile(join(w.watch, 'Chat C.txt'), 'more c\n');
        await w.waitForState('waitingForCloud', goneAt);
        const waiting = w.states('waitingForCloud', undefined, goneAt);
        const firstWait = waiting[0];
        assert.ok(firstWait);
        assert.ok(firstWait.state.retryAt > firstWait.at, 'retryAt is in the future');
        assert.match(firstWait.state.reason, /cloud folder/);

        // A quiet window: the engine only wakes up on its backoff timer.
        const windowStart = Date.now();
        await sleep(5000);
        const inWindow = w.seen.filter((s) => s.at >= windowStart);
        assert.ok(inWindow.length >= 1, 'it keeps retrying');
        assert.ok(inWindow.length < 15, `${inWindow.length} status changes in 5 s`);
        assert.ok(
          inWindow.every((s) => s.status.state.kind === 'waitingForCloud'),
          'still waiting for the cloud folder',
        );
        const delays = w.states('waitingForCloud', undefined, goneAt).map((s) => s.state.retryAt - s.clock);
        for (let i = 1; i < delays.length; i++)
          assert.ok(
            (delays[i] ?? 0) >= (delays[i - 1] ?? 0) - 5,
            `the backoff never shrinks: ${delays.join(', ')}`,
          );
        assert.ok(
          (delays[0] ?? Infinity) <= backoff.min * 2 + 5,
          `starts near the minimum: ${delays.join(', ')}`,
        );
        assert.ok(Math.max(...delays) >= backoff.max - 5, `grows to the maximum: ${delays.join(', ')}`);
        assert.ok(Math.max(...delays) <= backoff.max + 5, `and no further: ${delays.join(', ')}`);
        assert.deepEqual(w.attempts(), [], 'nothing was attempted without the cloud folder');
        assert.deepEqual(await readdir(join(away, 'Puddleproof', 'meta')), []);
        await assert.rejects(readdir(w.cloud), { code: 'ENOENT' }, 'the cloud folder was not re-created');

        const backAt = Date.now();
        await rename(away, w.cloud);
        const backups = await w.waitForBackups(3, backoff.max + 10_000);
        await w.waitIdle(backAt);
        await sleep(1200);
        const final = await w.backups();
        assert.equal(final.length, 3);
        assert.deepEqual(final.map((b) => b.exportName).sort(), [...names].sort());
        for (const name of names) assert.equal(w.attempts(name).length, 1, `${name} backed up once`);
        assert.ok(backups.length === 3);
        assert.equal(w.r.status.state.kind, 'idle');
        assert.deepEqual(w.r.status.pending, []);
      },
    );
  });

  describe('(f) the watch folder is missing at start', SEQUENTIAL, () => {
    let w: World;
    before(async () => {
      w = await World.make({ watchMissing: true });
    });
    after(() => w?.dispose());

    test(
      'a clear status; the folder is picked up when it appears, and again after it went away',
      TIMEOUT,
      async () => {
        await w.start({ quietMs: 1000, watchFolderPollMs: 200 });
        await w.waitForState('watchFolderMissing', 0);
        const missing = w.states('watchFolderMissing')[0];
        assert.equal(missing?.state.path, w.watch);
        await sleep(1000);
        const polls = w.states('watchFolderMissing').length;
        assert.ok(polls < 20, `${polls} statuses in about a second of polling every 200 ms`);

        await mkdir(w.watch);
        await writeFile(join(w.watch, 'Chat F.txt'), 'f\n');
        const [meta] = await w.waitForBackups(1, 10_000);
        assert.equal(meta?.exportName, 'Chat F.txt');
        await w.waitIdle(w.attempts('Chat F.txt')[0] ?? 0);

        const goneAt = Date.now();
        await rm(w.watch, { recursive: true });
        await w.waitForState('watchFolderMissing', goneAt, 10_000);
        assert.equal((await w.backups()).length, 1, 'the vault keeps the backup');

        await mkdir(w.watch);
        await writeFile(join(w.watch, 'Chat G.txt'), 'g\n');
        const backups = await w.waitForBackups(2, 10_000);
        assert.deepEqual(backups.map((b) => b.exportName).sort(), ['Chat F.txt', 'Chat G.txt']);
      },
    );
  });

  describe('(g) pause, resume and back up now', SEQUENTIAL, () => {
    let w: World;
    before(async () => {
      w = await World.make();
    });
    after(() => w?.dispose());

    test('nothing is backed up while paused; resume backs up', TIMEOUT, async () => {
      await w.start({ quietMs: 1000 });
      await w.waitIdle(0);
      const seenBefore = w.seen.length; // statuses from here on came after the pause
      w.r.pause();
      assert.equal(w.r.status.state.kind, 'paused');
      await writeFile(join(w.watch, 'Paused chat.txt'), 'written while paused\n');
      await sleep(2500);
      assert.equal((await w.backups()).length, 0, 'nothing backed up while paused');
      assert.deepEqual(w.attempts(), []);
      const since = w.seen.slice(seenBefore);
      assert.ok(since.length > 0);
      assert.ok(
        since.every((s) => s.status.state.kind === 'paused'),
        'every status while paused is paused',
      );
      assert.equal(w.r.status.state.kind, 'paused');
      const resumedAt = Date.now();
      w.r.resume();
      const [meta] = await w.waitForBackups(1, 5000);
      assert.equal(meta?.exportName, 'Paused chat.txt');
      await w.waitIdle(resumedAt);
    });

    test(
      'back up now skips the quiet period of a complete export, but not of an incomplete zip',
      TIMEOUT,
      async () => {
        await w.start({ quietMs: 60_000 });
        await w.waitIdle(0);
        const folder = 'ChatExport_2026-11-05';
        const zipName = 'WhatsApp Chat - Dave.zip';
        const zip = await makeRealZip(w.root, 'dave');
        await mkdir(join(w.watch, folder));
        await writeFile(join(w.watch, folder, 'messages.html'), '<p>now</p>\n');
        await writeFile(join(w.watch, zipName), zip.subarray(0, centralDirectoryOffset(zip)));
        const wroteAt = Date.now();
        await w.waitFor('settling', () => w.states('settling', undefined, wroteAt).length > 0);
        await sleep(1000);
        assert.equal((await w.backups()).length, 1, 'the quiet period of 60 s is respected');
        const nowAt = Date.now();
        w.r.backupNow();
        const backups = await w.waitForBackups(2, 5000);
        assert.ok(Date.now() - nowAt < 5000);
        assert.ok(backups.some((b) => b.exportName === folder));
        await sleep(1000);
        await w.r.idle();
        assert.equal((await w.backups()).length, 2);
        assert.deepEqual(w.attempts(zipName), [], 'the incomplete zip was not backed up');
        const state = w.r.status.state;
        assert.ok(state.kind === 'settling' && state.exportName === zipName, JSON.stringify(state));
        assert.deepEqual(w.r.status.pending, [zipName]);
      },
    );

    test('back up now while paused backs up nothing', TIMEOUT, async () => {
      w.r.pause();
      await writeFile(join(w.watch, 'Later.txt'), 'later\n');
      w.r.backupNow();
      await sleep(1000);
      await w.r.idle();
      assert.deepEqual(w.attempts('Later.txt'), []);
      assert.equal(w.r.status.state.kind, 'paused');
    });
  });

  describe('(h) the status model', SEQUENTIAL, () => {
    let w: World;
    before(async () => {
      w = await World.make();
      await w.start({ quietMs: 2000 });
      await w.waitIdle(0);
    });
    after(() => w?.dispose());

    test(
      'settling (which export, until when), then backing up (bytes done of total), then idle with the last backup of the source',
      TIMEOUT,
      async () => {
        const name = 'Status chat 2026-11-26.txt';
        const size = 3 * 1024 * 1024;
        const since = Date.now();
        await writeFile(join(w.watch, name), randomBytes(size));
        const [meta] = await w.waitForBackups(1);
        assert.ok(meta);
        await w.waitIdle(since);
        const sequence = w.seen.filter((s) => s.at >= since);
        const settlingAt = sequence.findIndex(
          (s) =>
            s.status.state.kind === 'settling' &&
            s.status.state.exportName === name &&
            s.status.state.readyAt > s.at,
        );
        assert.ok(settlingAt >= 0, 'settling with readyAt in the future');
        assert.ok(sequence[settlingAt]?.status.pending.includes(name), 'pending while settling');
        const backingUp = sequence
          .slice(settlingAt)
          .map((s) => s.status.state)
          .filter((s): s is StateOf<'backingUp'> => s.kind === 'backingUp' && s.exportName === name);
        const progress = backingUp.filter((s) => s.totalBytes > 0);
        assert.ok(progress.length > 0, 'backing up with a total');
        for (const s of progress) {
          assert.equal(s.totalBytes, size);
          assert.ok(s.doneBytes >= 0 && s.doneBytes <= s.totalBytes);
          assert.ok(Number.isFinite(s.bytesPerSecond) && s.bytesPerSecond >= 0);
        }
        assert.equal(progress.at(-1)?.doneBytes, size, 'progress reaches the total');
        const lastBackingUp = sequence.findLastIndex((s) => s.status.state.kind === 'backingUp');
        const idleAt = sequence.findIndex((s, i) => i > lastBackingUp && s.status.state.kind === 'idle');
        assert.ok(idleAt > lastBackingUp, 'idle after the backup');
        const idle = sequence[idleAt]?.status;
        // Random bytes, not a chat: the source is the export's full name.
        assert.equal(meta.source, name);
        assert.equal(idle?.lastBackupBySource[`${name} — Other files`], meta.createdAt);
        assert.deepEqual(idle?.pending, []);
        assert.deepEqual(w.r.status.lastBackupBySource, { [`${name} — Other files`]: meta.createdAt });
      },
    );

    test(
      'hidden files and in-progress downloads are not exports; a finished download is',
      TIMEOUT,
      async () => {
        const zip = await makeRealZip(w.root, 'eve');
        const since = Date.now();
        const litter = [
          '.DS_Store',
          'Thumbs.db',
          'desktop.ini',
          'video.mp4.part',
          'page.download',
          'x.tmp',
          '~$chat.docx',
        ];
        for (const name of litter) await writeFile(join(w.watch, name), 'litter\n');
        const downloading = join(w.watch, 'WhatsApp Chat - Eve.zip.crdownload');
        await writeFile(downloading, zip.subarray(0, 1000));
        await sleep(2000);
        await w.r.idle();
        assert.deepEqual(w.attempts(undefined, since), [], 'none of them is backed up');
        assert.deepEqual(w.r.status.pending, []);
        assert.equal(w.r.status.state.kind, 'idle');
        await appendFile(downloading, zip.subarray(1000));
        await rename(downloading, join(w.watch, 'WhatsApp Chat - Eve.zip'));
        const backups = await w.waitForBackups(2);
        const eve = backups.find((b) => b.exportName === 'WhatsApp Chat - Eve.zip');
        assert.equal(eve?.bytes, zip.length);
        await sleep(500);
        assert.equal((await w.backups()).length, 2);
      },
    );
  });

  describe('(i) retention after each backup', SEQUENTIAL, () => {
    let w: World;
    before(async () => {
      w = await World.make();
      await w.start({ quietMs: 1000, retention: KEEP_LAST_2 });
      await w.waitIdle(0);
    });
    after(() => w?.dispose());

    test('keep last 2: after 4 versions of one chat, only the 2 newest remain', TIMEOUT, async () => {
      // A WhatsApp (Android) chat that grows: each version is told apart by its number of messages.
      const versions: ChatModel[] = [];
      const everBackedUp = new Set<string>();
      const messagesOf = (v: number) => expectedSummary(versions[v - 1] as ChatModel).messages;
      for (let v = 1; v <= 4; v++) {
        const previous = versions[v - 2];
        versions.push(
          previous
            ? growChat(previous, 10, v)
            : makeChat({
                title: 'Frank',
                participants: ['Frank', 'Me'],
                count: 20,
                start: new Date('2026-10-01T08:00:00Z'),
                seed: 11,
              }),
        );
        const since = Date.now();
        await writeWhatsAppAndroid(w.watch, versions[v - 1] as ChatModel, {
          zip: false,
          locale: 'en',
          clock: '24h',
          dateOrder: 'dmy',
        });
        await w.waitFor(`version ${v} backed up`, async () => {
          const backups = await w.backups();
          return backups.some((b) => b.chat?.summary.messages === messagesOf(v));
        });
        await w.waitIdle(since);
        const backups = await w.backups();
        assert.equal(backups.length, Math.min(v, 2), `after version ${v}`);
        assert.deepEqual(
          backups.map((b) => b.chat?.summary.messages),
          (v === 1 ? [1] : [v - 1, v]).map(messagesOf),
          'the newest are kept',
        );
        assert.equal(new Set(backups.map((b) => b.chat?.key)).size, 1, 'one chat');
        for (const b of backups) {
          assert.equal(b.exportName, 'WhatsApp Chat with Frank.txt');
          assert.equal(b.source, 'Frank');
        }
        const objects = await w.objects();
        assert.deepEqual(
          objects.data,
          backups.map((b) => `${b.id}.age`).sort(),
          'removed backups lose their data objects too',
        );
        assert.deepEqual(objects.meta, objects.data);
        for (const b of backups) everBackedUp.add(b.id);
      }
      // The removed backups are recorded in collections (an idle engine reclaims), so that no device waits
      // for them before it deletes packs.
      const kept = new Set((await w.backups()).map((b) => b.id));
      const removed = [...everBackedUp].filter((id) => !kept.has(id)).sort();
      assert.equal(removed.length, 2);
      const recorded = async () => {
        const { collections } = await readCollections(
          w.device.vault,
          deviceIdentities(w.device),
          w.device.secrets.authKey,
        );
        return [...collections.values()].flatMap((c) => c.forgotten).sort();
      };
      await w.waitFor('collections record the removed backups', async () => (await recorded()).length >= 2);
      assert.deepEqual(await recorded(), removed);
      // The status says what the reclamation did: nothing waits on another device here.
      const reclaim = w.reconciler?.status.reclaim;
      assert.ok(reclaim, 'the status carries the last reclamation');
      assert.deepEqual(reclaim.waitingFor, []);
      assert.deepEqual(reclaim.silent, []);
    });

    test('successive exports of one chat kept in the watch folder are not backed up again after retention removed them', {
      ...TIMEOUT,
    }, async () => {
      // Three versions of one WhatsApp chat, downloaded under three names (copy marks), all left in place.
      const names = [
        'WhatsApp Chat - Diary.zip',
        'WhatsApp Chat - Diary (1).zip',
        'WhatsApp Chat - Diary (2).zip',
      ];
      const staging = join(w.root, 'diary-staging');
      let chat = makeChat({
        title: 'Diary',
        participants: ['Dee', 'Me'],
        count: 20,
        start: new Date('2026-11-01T07:00:00Z'),
        seed: 21,
      });
      for (const [i, fileName] of names.entries()) {
        if (i > 0) chat = growChat(chat, 5, 21 + i);
        await writeWhatsAppIos(staging, chat, { zip: true, fileName });
      }
      const since = Date.now();
      for (const name of names) await rename(join(staging, name), join(w.watch, name));
      await w.waitFor('three diary attempts', () => names.every((n) => w.attempts(n, since).length > 0));
      await w.waitIdle(since);
      const diary = (await w.backups()).filter((b) => b.source === 'Diary');
      assert.equal(new Set(diary.map((b) => b.chat?.key)).size, 1, 'one chat');
      const kept = diary.map((b) => b.id);
      assert.equal(kept.length, 2);
      const again = Date.now();
      w.r.backupNow(); // starts a reconcile at once; idle() resolves when it is over
      await w.r.idle();
      assert.deepEqual(
        names.flatMap((n) => w.attempts(n, again)),
        [],
        'no export was backed up again',
      );
      assert.deepEqual(
        (await w.backups()).filter((b) => b.source === 'Diary').map((b) => b.id),
        kept,
      );
    });
  });

  describe('(j) what a backup writes to the cloud folder, in its status', SEQUENTIAL, () => {
    let w: World;
    const name = 'Holiday video 2026-12-01.mp4';
    const size = 3 * 1024 * 1024;
    let meta: BackupMetadata | undefined;
    before(async () => {
      w = await World.make();
      await w.start({ quietMs: 500 });
      await w.waitIdle(0);
    });
    after(() => w?.dispose());

    /** The export's backingUp states since `since`, in order. */
    const backingUp = (since: number) => w.states('backingUp', name, since).map((s) => s.state);

    test(
      'new content: uploadedBytes grows from 0 while backing up and ends at what the backup wrote',
      TIMEOUT,
      async () => {
        const staging = join(w.root, 'staging');
        await mkdir(staging);
        await writeFile(join(staging, name), randomBytes(size));
        const since = Date.now();
        await rename(join(staging, name), join(w.watch, name));
        [meta] = await w.waitForBackups(1);
        assert.ok(meta);
        await w.waitIdle(since);
        assert.equal(meta.format, 2);
        const total = meta.format === 2 ? meta.uploadedBytes : 0;
        assert.ok(total > size, 'random bytes are all new');
        const states = backingUp(since);
        const uploaded = states.map((s) => s.uploadedBytes);
        assert.equal(uploaded[0], 0, 'nothing written when the backup starts');
        for (const [i, bytes] of uploaded.entries()) {
          assert.equal(typeof bytes, 'number', 'every backingUp status of a format-2 backup says it');
          if (i > 0) assert.ok((bytes ?? 0) >= (uploaded[i - 1] ?? 0), 'it never goes down');
        }
        assert.ok(
          uploaded.some((bytes) => (bytes ?? 0) > 0 && (bytes ?? 0) < total),
          'some statuses came while it was still writing',
        );
        assert.equal(uploaded.at(-1), total, 'the last says all that the backup wrote');
        assert.equal(states.at(-1)?.doneBytes, size);
        assert.equal(w.r.status.state.kind, 'idle');
      },
    );

    test(
      'an unchanged export (only its time changed): uploadedBytes stays 0 and nothing is stored',
      TIMEOUT,
      async () => {
        const objects = await w.objects();
        const packs = await readdir(w.device.vault.paths.packsDir);
        const since = Date.now();
        const when = new Date('2026-01-02T03:04:05Z');
        await utimes(join(w.watch, name), when, when);
        w.r.backupNow();
        await w.waitFor('an attempt at the touched export', () => w.attempts(name, since).length > 0);
        const [attempt] = w.attempts(name, since);
        await w.waitIdle(attempt ?? since);
        const states = backingUp(since);
        assert.ok(states.length > 0);
        assert.deepEqual(
          states.map((s) => s.uploadedBytes),
          states.map(() => 0),
          'nothing written to the cloud folder',
        );
        assert.deepEqual(
          (await w.backups()).map((b) => b.id),
          [meta?.id],
        );
        assert.deepEqual(await w.objects(), objects);
        assert.deepEqual(await readdir(w.device.vault.paths.packsDir), packs);
      },
    );
  });

  describe("(k) the cloud folder's disk fills up", SEQUENTIAL, () => {
    let w: World | undefined;
    const name = 'Holiday video 2026-12-02.mp4';
    const content = randomBytes(6 * 1024 * 1024);
    before(async () => {
      if (!(await canMount())) return;
      w = await World.make({ cloudDiskMiB: 3 });
      await w.start({ quietMs: 500, backoff: { min: 250, max: 1000 } });
      await w.waitIdle(0);
    });
    after(() => w?.dispose());

    test(
      'waits, saying so in plain words, and leaves no partial backup; backs up once there is space',
      TIMEOUT,
      async (t) => {
        if (!w) return t.skip('mounting a tmpfs is not permitted here');
        const world = w;
        const since = Date.now();
        await writeFile(join(world.root, name), content);
        await rename(join(world.root, name), join(world.watch, name));
        await world.waitForState('waitingForCloud', since);
        const [waiting] = world.states('waitingForCloud', undefined, since);
        assert.equal(waiting?.state.reason, 'The cloud folder is full: its disk has no space left.');
        assert.deepEqual(
          await world.objects(),
          { data: [], meta: [] },
          'no snapshot, metadata or temporary file',
        );

        const roomAt = Date.now();
        mountTmpfs(world.cloud, 32, true);
        const [meta] = await world.waitForBackups(1, 20_000);
        assert.ok(meta);
        await world.waitIdle(roomAt);
        assert.ok(
          Buffer.from(await readFile(await world.restore(meta))).equals(content),
          'restored byte for byte',
        );
      },
    );
  });
});
