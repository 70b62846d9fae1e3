// The app's engine service end to end, in-process: real keychain (private gnome-keyring), real folders,
// real file-system events, the age CLI for the kit. One scenario runs its steps in order.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EngineService } from '../../../src/core/app/engine-service.js';
import { osKeychain } from '../../../src/core/keys/keychain.js';
import { deleteVaultSecrets } from '../../../src/core/keys/vault-secrets.js';
import { keychainService, loadSettings } from '../../../src/core/profile.js';
import type {
  ArchiveListing,
  EngineStatus,
  RecoveryKitView,
  RestoreStarted,
} from '../../../src/shared/api.js';
import type { EventName, Events } from '../../../src/shared/ipc-contract.js';
import { damageBackup } from '../../helpers/damage.js';
import { assertSameTree, makeTrickyExport } from '../../helpers/export-tree.js';
import { restoreHold } from '../../helpers/restore-hold.js';

const SEQUENTIAL = { concurrency: 1, timeout: 120_000 };

/** The entries of a listing that must have worked. */
function entriesOf(listing: ArchiveListing) {
  assert.ok(listing.ok, !listing.ok ? listing.message : '');
  return listing.entries;
}

/** The run id of a restore that must have started. */
function runIdOf(started: RestoreStarted): string {
  assert.ok(started.ok, !started.ok ? started.message : '');
  return started.runId;
}

/** An engine with its own profile, recording every event it emits. */
class Harness {
  readonly events: { event: EventName; payload: unknown }[] = [];
  private waiters: {
    match: (e: { event: EventName; payload: unknown }) => boolean;
    resolve: (p: unknown) => void;
  }[] = [];
  readonly engine: EngineService;
  private readonly restores = restoreHold();

  constructor(
    readonly home: string,
    places: { home: string },
  ) {
    this.engine = new EngineService({
      home,
      places: { home: places.home, env: {}, platform: 'linux' },
      progressIntervalMs: 0,
      beforeRestorePlacing: this.restores.wait,
      emit: (event, payload) => {
        const e = { event, payload };
        this.events.push(e);
        for (const w of this.waiters.filter((w) => w.match(e))) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(payload);
        }
      },
    });
  }

  /** Holds every restore started from now on before it reads a pack, until the returned function is called. */
  holdRestores(): () => void {
    return this.restores.hold();
  }

  /** The next event of `name` that satisfies `match` (already seen ones count when `since` is given). */
  next<E extends EventName>(
    name: E,
    match: (p: Events[E]) => boolean = () => true,
    ms = 60_000,
  ): Promise<Events[E]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${name}`)), ms);
      this.waiters.push({
        match: (e) => e.event === name && match(e.payload as Events[E]),
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p as Events[E]);
        },
      });
    });
  }
}

describe('engine service', SEQUENTIAL, () => {
  let root: string;
  let watch: string;
  let cloud: string;
  let restores: string;
  let a: Harness;
  let kit: RecoveryKitView;
  const kitFile = () => join(root, 'saved-kit.txt');

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'puddleproof-engine-'));
    watch = join(root, 'user', 'Chat exports');
    cloud = join(root, 'user', 'Dropbox');
    restores = join(root, 'restores');
    await mkdir(cloud, { recursive: true });
    await mkdir(restores);
    a = new Harness(join(root, 'home-a'), { home: join(root, 'user') });
    await a.engine.start();
  });

  after(async () => {
    await a?.engine.stop();
    for (const home of ['home-a', 'home-b']) {
      const settings = await loadSettings(join(root, home)).catch(() => null);
      if (settings) await deleteVaultSecrets(osKeychain(keychainService(settings)));
    }
    await rm(root, { recursive: true, force: true });
  });

  test('before setup: offers the default watch folder and the cloud folders that exist', async () => {
    const state = await a.engine.call('setup:state', undefined);
    assert.deepEqual(state, {
      stage: 'needsSetup',
      defaultWatchDir: watch,
      cloudFolders: [{ provider: 'Dropbox', path: cloud }],
      pendingKit: false,
    });
    await assert.rejects(a.engine.call('history:list', undefined), /not set up yet/);
  });

  test('creating keys shows the kit but saves nothing until the user types part of it back', async () => {
    kit = await a.engine.call('setup:createKeys', { watchDir: watch, cloudDir: cloud, deviceName: 'Laptop' });
    assert.match(kit.text, /# Puddleproof recovery kit/);
    assert.ok(kit.text.endsWith(`${kit.keyLines}\n`), 'the key lines are the end of the kit');
    assert.match(kit.keyLines, /^# puddleproof-auth-key: /);
    assert.deepEqual(await readdir(cloud), [], 'no vault yet');
    assert.equal(await loadSettings(a.home), null, 'no profile yet');
    const state = await a.engine.call('setup:state', undefined);
    assert.equal(state.stage === 'needsSetup' && state.pendingKit, true);

    await a.engine.call('engine:writeKit', { path: kitFile() });
    assert.equal(await readFile(kitFile(), 'utf8'), kit.text);
    assert.equal((await stat(kitFile())).mode & 0o777, 0o600);

    const wrong = await a.engine.call('setup:confirmKit', { typed: 'nope' });
    assert.equal(wrong.ok, false);
    assert.match(wrong.message, /does not match/);
    assert.equal(await loadSettings(a.home), null);

    const lastLine = kit.text.trimEnd().split('\n').at(-1) ?? '';
    const typed = lastLine.slice(-kit.challenge.length).toLowerCase();
    const right = await a.engine.call('setup:confirmKit', { typed: ` ${typed} ` });
    assert.equal(right.ok, true, right.message);
    assert.deepEqual(await a.engine.call('setup:state', undefined), { stage: 'ready' });
    assert.ok((await stat(watch)).isDirectory(), 'the watch folder was created');
    assert.deepEqual((await readdir(join(cloud, 'Puddleproof'))).sort(), [
      'RESTORE.txt',
      'chats',
      'collections',
      'data',
      'devices',
      'index',
      'keys',
      'meta',
      'packs',
      'pairing',
      'restore-with-age.sh',
      'snapshots',
      'trust',
      'vault.json',
    ]);
    await assert.rejects(
      a.engine.call('setup:createKeys', { watchDir: watch, cloudDir: cloud }),
      /already set up/,
    );
  });

  test('an export dropped into the watch folder is backed up and shows in the history', async () => {
    await a.engine.call('settings:update', { quietSeconds: 1 });
    const backingUp = a.next('status:changed', (s) => s.state.kind === 'backingUp');
    const done = a.next(
      'status:changed',
      (s) => s.state.kind === 'idle' && Object.keys(s.lastBackupBySource).length > 0,
    );
    await makeTrickyExport(watch, 'ChatExport_2026-11-26');
    const started = await backingUp;
    const status = await done;
    // Not a Telegram export (no chat header in messages.html): "Other files", under its full name.
    assert.deepEqual(Object.keys(status.lastBackupBySource), ['ChatExport_2026-11-26 — Other files']);
    assert.deepEqual(await a.engine.call('status:get', undefined), status);

    const history = await a.engine.call('history:list', undefined);
    assert.equal(history.sources.length, 1);
    assert.equal(history.sources[0]?.source, 'ChatExport_2026-11-26');
    const [version] = history.sources[0]?.versions ?? [];
    assert.ok(version);
    assert.equal(version.exportName, 'ChatExport_2026-11-26');
    assert.equal(version.device, 'Laptop');
    assert.equal(version.thisDevice, true);
    assert.equal(version.verification.kind, 'unverified');
    assert.ok(version.storedBytes > version.bytes);
    // The vault's size: every file of its folder (the backup's objects, and the vault's own records).
    let folder = 0;
    for (const e of await readdir(join(cloud, 'Puddleproof'), { recursive: true, withFileTypes: true }))
      if (e.isFile()) folder += (await stat(join(e.parentPath, e.name))).size;
    assert.deepEqual(history.vaultSize, [{ at: version.createdAt, bytes: folder }]);
    assert.ok(folder > version.storedBytes);
    // Format 2: the window is told what the running backup has written to the cloud folder so far, and
    // each version what it added there.
    assert.equal(version.format, 2);
    assert.ok(started.state.kind === 'backingUp' && started.state.uploadedBytes === 0, 'nothing yet');
    const progress = a.events
      .filter((e) => e.event === 'status:changed')
      .map((e) => (e.payload as EngineStatus).state)
      .filter((s) => s.kind === 'backingUp' && s.exportName === 'ChatExport_2026-11-26');
    const last = progress.at(-1);
    assert.ok(last?.kind === 'backingUp');
    assert.equal(last.uploadedBytes, version.storedBytes, 'the last progress says all the backup wrote');

    const files = entriesOf(await a.engine.call('history:files', { id: version.id }));
    assert.ok(
      files.some(
        (f) => f.path === 'ChatExport_2026-11-26/photos/large.mp4' && f.size === 3 * 1024 * 1024 + 17,
      ),
    );
    assert.ok(files.some((f) => f.path === 'ChatExport_2026-11-26/empty folder' && f.type === 'dir'));
  });

  test('the saved kit restores the backup with age and the vault’s own restore script alone', async () => {
    const out = join(root, 'with-age-alone');
    const script = join(cloud, 'Puddleproof', 'restore-with-age.sh');
    execFileSync('sh', [script, kitFile(), cloud, out]);
    assert.ok((await readFile(join(out, 'ChatExport_2026-11-26', 'messages.html'))).length > 0);
  });

  test('a restore writes the export byte for byte into a new folder, and never overwrites', async () => {
    const history = await a.engine.call('history:list', undefined);
    const id = history.sources[0]?.versions[0]?.id ?? '';
    const finished = a.next('restore:finished');
    const progress = a.next('restore:progress');
    const runId = runIdOf(
      await a.engine.call('restore:start', {
        id,
        destinationParent: restores,
        folderName: 'Alice',
      }),
    );
    assert.equal((await progress).runId, runId);
    const outcome = await finished;
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.equal(outcome.destination, join(restores, 'Alice'));
    assert.equal(outcome.authentic, true);
    await assertSameTree(
      join(watch, 'ChatExport_2026-11-26'),
      join(restores, 'Alice', 'ChatExport_2026-11-26'),
    );
    assert.equal(await a.engine.call('engine:isRestored', { destination: join(restores, 'Alice') }), true);
    assert.equal(await a.engine.call('engine:isRestored', { destination: restores }), false);
    const taken = await a.engine.call('restore:start', {
      id,
      destinationParent: restores,
      folderName: 'Alice',
    });
    assert.equal(taken.ok, false);
    assert.equal(!taken.ok && taken.problem, 'destination');
    assert.match(!taken.ok ? taken.message : '', /already exists/);

    const partial = a.next('restore:finished');
    await a.engine.call('restore:start', {
      id,
      destinationParent: restores,
      folderName: 'Only photos',
      paths: ['ChatExport_2026-11-26/photos'],
    });
    assert.ok((await partial).ok);
    assert.deepEqual(await readdir(join(restores, 'Only photos', 'ChatExport_2026-11-26')), ['photos']);
  });

  test('a cancelled restore leaves nothing behind', async () => {
    const big = join(watch, 'WhatsApp Chat - Bob');
    await mkdir(big);
    await writeFile(join(big, 'video.mp4'), randomBytes(96 * 1024 * 1024));
    const done = a.next(
      'status:changed',
      (s) => s.state.kind === 'idle' && 'WhatsApp Chat - Bob — Other files' in s.lastBackupBySource,
    );
    await a.engine.call('backup:now', undefined);
    await done;
    const history = await a.engine.call('history:list', undefined);
    const id = history.sources.find((s) => s.source === 'WhatsApp Chat - Bob')?.versions[0]?.id ?? '';
    const before = await readdir(restores);
    const finished = a.next('restore:finished');
    // Held before its first pack (progress 0 reported), the restore is still running when it is cancelled.
    const release = a.holdRestores();
    const started = a.next('restore:progress', (p) => p.doneBytes === 0 && p.totalBytes > 0);
    const runId = runIdOf(
      await a.engine.call('restore:start', {
        id,
        destinationParent: restores,
        folderName: 'Bob',
      }),
    );
    await started;
    await a.engine.call('restore:cancel', { runId });
    release();
    const outcome = await finished;
    assert.equal(outcome.ok, false);
    assert.equal(!outcome.ok && outcome.problem, 'cancelled');
    assert.deepEqual(await readdir(restores), before, 'no folder, no staging left');
  });

  test('verify all records results; a corrupted backup fails to verify and to restore, writing nothing', async () => {
    const finished = a.next('verify:finished');
    await a.engine.call('verify:all', undefined);
    const good = await finished;
    assert.deepEqual(
      { verified: good.verified, failed: good.failed, skipped: good.skipped },
      { verified: 2, failed: [], skipped: 0 },
    );
    let history = await a.engine.call('history:list', undefined);
    const alice = history.sources.find((s) => s.source === 'ChatExport_2026-11-26')?.versions[0];
    assert.equal(alice?.verification.kind, 'verified');

    await damageBackup(cloud, alice?.id ?? '');

    const again = a.next('verify:finished');
    await a.engine.call('verify:all', undefined);
    const bad = await again;
    assert.equal(bad.verified, 1);
    assert.equal(bad.failed.length, 1);
    assert.equal(bad.failed[0]?.id, alice?.id);
    history = await a.engine.call('history:list', undefined);
    const failed = history.sources.find((s) => s.source === 'ChatExport_2026-11-26')?.versions[0]
      ?.verification;
    assert.equal(failed?.kind, 'failed');

    const before = await readdir(restores);
    const outcome = a.next('restore:finished');
    await a.engine.call('restore:start', {
      id: alice?.id ?? '',
      destinationParent: restores,
      folderName: 'Corrupt',
    });
    const result = await outcome;
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.problem, 'damaged');
    assert.match(!result.ok ? result.message : '', /corrupt|damaged|authentic/i);
    assert.deepEqual(await readdir(restores), before);
    const listing = await a.engine.call('history:files', { id: alice?.id ?? '' });
    assert.equal(!listing.ok && listing.problem, 'damaged');
    assert.match(!listing.ok ? listing.message : '', /cannot be read|damaged/);
  });

  test('settings persist; a cloud folder without this vault is refused', async () => {
    const retention = { last: 3, hourly: 0, daily: 7, weekly: 0, monthly: 0, yearly: 0 };
    const updated = await a.engine.call('settings:update', {
      retention,
      notifyOnSuccess: true,
      deviceName: 'Work laptop',
    });
    assert.deepEqual(updated.retention, retention);
    assert.equal(updated.notifyOnSuccess, true);
    assert.equal(updated.deviceName, 'Work laptop');
    const empty = join(root, 'empty-cloud');
    await mkdir(empty);
    await assert.rejects(
      a.engine.call('settings:update', { cloudDir: empty }),
      /no Puddleproof vault.*move its Puddleproof folder/s,
    );
    await a.engine.call('watching:pause', undefined);
    const fresh = new Harness(a.home, { home: join(root, 'user') });
    await fresh.engine.start();
    const settings = await fresh.engine.call('settings:get', undefined);
    await fresh.engine.stop();
    assert.deepEqual(settings, { ...updated, paused: true });
    await a.engine.call('watching:resume', undefined);
    assert.equal((await a.engine.call('settings:get', undefined)).paused, false);
  });

  test('recipients: add with a label, remove; the recovery kit cannot be removed', async () => {
    const list = await a.engine.call('recipients:list', undefined);
    assert.deepEqual(
      list.map((r) => [r.label, r.removable]),
      [
        ['This device (Laptop)', true],
        ['Recovery kit', false],
        ['Vault data key', false],
      ],
    );
    const other = execFileSync('age-keygen', { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    const recipient = /public key: (age1\w+)/.exec(other)?.[1] ?? '';
    const added = await a.engine.call('recipients:add', { recipient, label: 'Desktop' });
    assert.deepEqual(added.at(-1), { recipient, label: 'Desktop', removable: true });
    await assert.rejects(a.engine.call('recipients:add', { recipient, label: 'Again' }), /already trusted/);
    const recovery = list.find((r) => !r.removable)?.recipient ?? '';
    await assert.rejects(
      a.engine.call('recipients:remove', { recipient: recovery }),
      /Refusing to remove the recovery kit/,
    );
    assert.equal((await a.engine.call('recipients:remove', { recipient })).length, 3);
  });

  test('a device that joined with the kit before the vault’s data key reached it: the kit opens the other device’s backups until a device of the vault hands the key over', async () => {
    const b = new Harness(join(root, 'home-b'), { home: join(root, 'user') });
    await b.engine.start();
    try {
      await assert.rejects(
        b.engine.call('setup:createKeys', { watchDir: join(root, 'watch-b'), cloudDir: cloud }),
        /already holds a Puddleproof vault/,
      );
      // As if the grants of the vault data key had not synced to this device yet when it joined.
      for (const name of await readdir(join(cloud, 'Puddleproof', 'keys')))
        await rm(join(cloud, 'Puddleproof', 'keys', name));
      await b.engine.call('setup:joinVault', {
        watchDir: join(root, 'watch-b'),
        cloudDir: cloud,
        kitText: kit.keyLines,
      });
      const bobOf = async (h: Harness) =>
        (await h.engine.call('history:list', undefined)).sources.find(
          (s) => s.source === 'WhatsApp Chat - Bob',
        )?.versions[0];
      const bob = await bobOf(a);
      assert.ok(bob);
      // Its records went to the first device, the data key and the recovery key: not readable here yet.
      assert.equal(await bobOf(b), undefined);
      const refused = await b.engine.call('restore:start', {
        id: bob.id,
        destinationParent: restores,
        folderName: 'Bob without the kit',
      });
      assert.equal(!refused.ok && refused.problem, 'needsKit');
      // The window loads the kit in its wizard: no advice meant for the command line reaches it.
      assert.match(!refused.ok ? refused.message : '', /another device.*recovery kit/);
      assert.doesNotMatch(!refused.ok ? refused.message : '', /--recovery-kit/);
      await assert.rejects(
        b.engine.call('kit:paste', { text: 'not a kit' }),
        /not a valid|damaged|not a Puddleproof/,
      );
      const foreign = kit.text.replace(
        /AGE-SECRET-KEY-1\w+\n$/,
        `${
          execFileSync('age-keygen')
            .toString()
            .match(/AGE-SECRET-KEY-1\w+/)?.[0]
        }\n`,
      );
      await assert.rejects(b.engine.call('kit:paste', { text: foreign }), /belongs to another vault/);
      assert.equal((await b.engine.call('kit:paste', { text: kit.text })).loaded, true);
      assert.equal((await bobOf(b))?.thisDevice, false, 'with the kit, the history shows it');
      const files = entriesOf(await b.engine.call('history:files', { id: bob.id }));
      assert.deepEqual(files.map((f) => f.path).sort(), [
        'WhatsApp Chat - Bob',
        'WhatsApp Chat - Bob/video.mp4',
      ]);
      assert.equal((await b.engine.call('kit:forget', undefined)).loaded, false);
      assert.equal(await bobOf(b), undefined);
      // The first device sees the new device on the vault's list and hands it the data keys it holds;
      // from then on the new device opens that backup without the kit.
      await a.engine.call('devices:list', undefined);
      await b.engine.call('devices:list', undefined);
      assert.equal((await bobOf(b))?.id, bob.id);
      const finished = b.next('restore:finished');
      const started = await b.engine.call('restore:start', {
        id: bob.id,
        destinationParent: restores,
        folderName: 'Bob on the new device',
      });
      assert.equal(started.ok, true);
      assert.equal((await finished).ok, true);
      assert.deepEqual(
        await readFile(join(restores, 'Bob on the new device', 'WhatsApp Chat - Bob', 'video.mp4')),
        await readFile(join(watch, 'WhatsApp Chat - Bob', 'video.mp4')),
      );
    } finally {
      await b.engine.stop();
    }
  });
});
