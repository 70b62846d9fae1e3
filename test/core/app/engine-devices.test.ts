// The engine service's trusted devices, pairing and recovery drill, in-process with the real keychain: two
// devices of one vault list each other; one removes the other; a third is paired by its code; the drill
// passes with the right kit and, with a wrong one, fails in plain words and stores nothing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EngineService } from '../../../src/core/app/engine-service.js';
import { osKeychain } from '../../../src/core/keys/keychain.js';
import { deleteVaultSecrets } from '../../../src/core/keys/vault-secrets.js';
import { requestPairing } from '../../../src/core/pairing.js';
import { keychainService, loadSettings } from '../../../src/core/profile.js';
import type { EngineStatus, RecoveryKitView } from '../../../src/shared/api.js';
import type { Events } from '../../../src/shared/ipc-contract.js';
import { storedZip } from '../../helpers/zip.js';

const SEQUENTIAL = { concurrency: 1, timeout: 120_000 };

/** An engine with its own profile; `idle` resolves at the next idle status with a backup of `source`. */
function engineAt(home: string, userHome: string) {
  /** Moves the engine's clock (the drill's "now") forward. */
  const clock = { offsetMs: 0 };
  const waiters: { source: string; resolve: () => void }[] = [];
  const paired: Events['setup:paired'][] = [];
  const engine = new EngineService({
    home,
    places: { home: userHome, env: {}, platform: 'linux' },
    progressIntervalMs: 0,
    pairingPollMs: 20,
    now: () => Date.now() + clock.offsetMs,
    emit: (event, payload) => {
      if (event === 'setup:paired') paired.push(payload as Events['setup:paired']);
      if (event !== 'status:changed') return;
      const status = payload as EngineStatus;
      for (const w of [...waiters])
        if (
          status.state.kind === 'idle' &&
          Object.keys(status.lastBackupBySource).some((s) => s.includes(w.source))
        ) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
    },
  });
  const backedUp = (source: string) => new Promise<void>((resolve) => waiters.push({ source, resolve }));
  /** The outcome of this device's pairing request, once it has one. */
  const pairedOutcome = async () => {
    for (let i = 0; i < 500 && paired.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    return paired[0];
  };
  return { engine, backedUp, pairedOutcome, clock };
}

/** The kit with its recovery key swapped for a stranger's (the vault's other keys kept). */
function withStrangersRecoveryKey(text: string): string {
  const stranger =
    /AGE-SECRET-KEY-1\w+/.exec(
      execFileSync('age-keygen', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    )?.[0] ?? '';
  return text.replace(/AGE-SECRET-KEY-1\w+\n$/, `${stranger}\n`);
}

describe('engine service: devices, pairing and the recovery drill', SEQUENTIAL, () => {
  let root: string;
  let cloud: string;
  let a: ReturnType<typeof engineAt>;
  let b: ReturnType<typeof engineAt> | undefined;
  let d: ReturnType<typeof engineAt> | undefined;
  let kit: RecoveryKitView;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'puddleproof-devices-'));
    cloud = join(root, 'user', 'Dropbox');
    await mkdir(cloud, { recursive: true });
    a = engineAt(join(root, 'home-a'), join(root, 'user'));
    await a.engine.start();
    kit = await a.engine.call('setup:createKeys', {
      watchDir: join(root, 'watch-a'),
      cloudDir: cloud,
      deviceName: 'Laptop',
    });
    const typed = kit.keyLines.trimEnd().split('\n').at(-1)?.slice(-6) ?? '';
    assert.equal((await a.engine.call('setup:confirmKit', { typed })).ok, true);
  });

  after(async () => {
    await a?.engine.stop();
    await b?.engine.stop();
    await d?.engine.stop();
    for (const home of ['home-a', 'home-b', 'home-c', 'home-d']) {
      const settings = await loadSettings(join(root, home)).catch(() => null);
      if (settings) await deleteVaultSecrets(osKeychain(keychainService(settings)));
    }
    await rm(root, { recursive: true, force: true });
  });

  test('the drill: never checked, not due; a wrong kit is refused and stores nothing; the right one passes', async () => {
    assert.deepEqual(await a.engine.call('kit:drill', undefined), {
      lastCheckedAt: null,
      due: false,
      months: 3,
    });
    await assert.rejects(a.engine.call('kit:check', { text: kit.text }), /no backup yet/);

    await a.engine.call('settings:update', { quietSeconds: 1 });
    const done = a.backedUp('Dana');
    await writeFile(
      join(root, 'watch-a', 'WhatsApp Chat - Dana.zip'),
      storedZip([
        ['_chat.txt', Buffer.from('[01.12.26, 10:00:00] Dana: hello\n[01.12.26, 10:01:00] Sam: hi\n')],
      ]),
    );
    await done;

    await assert.rejects(a.engine.call('kit:check', { text: 'not a kit' }), /right file/);
    await assert.rejects(
      a.engine.call('kit:check', { text: withStrangersRecoveryKey(kit.text) }),
      /not the current recovery kit of this vault.*Nothing was changed/,
    );
    await assert.rejects(access(join(root, 'home-a', 'kit-checked.json')));
    assert.equal((await a.engine.call('kit:drill', undefined)).lastCheckedAt, null);

    const checked = await a.engine.call('kit:check', { text: kit.text });
    assert.equal(checked.chat, 'Dana — WhatsApp');
    assert.deepEqual(Object.keys(checked).sort(), ['chat', 'checkedAt']);
    assert.deepEqual(await a.engine.call('kit:drill', undefined), {
      lastCheckedAt: checked.checkedAt,
      due: false,
      months: 3,
    });
    // The kit was not loaded for restores by the drill.
    assert.equal((await a.engine.call('kit:status', undefined)).loaded, false);
  });

  test('the drill interval is a preference: every month, due a month after the check; never, never due', async () => {
    assert.equal((await a.engine.call('settings:get', undefined)).kitCheckMonths, 3);
    assert.equal((await a.engine.call('settings:update', { kitCheckMonths: 1 })).kitCheckMonths, 1);
    const saved = JSON.parse(await readFile(join(root, 'home-a', 'preferences.json'), 'utf8'));
    assert.equal(saved.kitCheckMonths, 1);
    assert.deepEqual(
      { ...(await a.engine.call('kit:drill', undefined)), lastCheckedAt: null },
      { lastCheckedAt: null, due: false, months: 1 },
    );
    a.clock.offsetMs = 32 * 24 * 3600 * 1000;
    try {
      assert.equal((await a.engine.call('kit:drill', undefined)).due, true);
      await a.engine.call('settings:update', { kitCheckMonths: 3 });
      assert.equal((await a.engine.call('kit:drill', undefined)).due, false);
      await a.engine.call('settings:update', { kitCheckMonths: 0 });
      a.clock.offsetMs = 400 * 24 * 3600 * 1000;
      assert.deepEqual(
        { ...(await a.engine.call('kit:drill', undefined)), lastCheckedAt: null },
        { lastCheckedAt: null, due: false, months: 0 },
      );
    } finally {
      a.clock.offsetMs = 0;
      await a.engine.call('settings:update', { kitCheckMonths: 3 });
    }
  });

  test('the drill reminder (for main): due once the interval passed, remembered once shown for that period', async () => {
    const before = await a.engine.call('engine:kitReminder', undefined);
    const checkedAt = (await a.engine.call('kit:drill', undefined)).lastCheckedAt;
    assert.deepEqual(before, { due: false, period: checkedAt, shown: false });
    a.clock.offsetMs = 100 * 24 * 3600 * 1000;
    try {
      assert.deepEqual(await a.engine.call('engine:kitReminder', undefined), {
        due: true,
        period: checkedAt,
        shown: false,
      });
      await a.engine.call('engine:kitReminderShown', { period: before.period });
      assert.deepEqual(await a.engine.call('engine:kitReminder', undefined), {
        due: true,
        period: checkedAt,
        shown: true,
      });
      // Remembered in the profile (a restarted app does not remind again for this period).
      const saved = JSON.parse(await readFile(join(root, 'home-a', 'kit-reminded.json'), 'utf8'));
      assert.equal(saved.period, checkedAt);
      // The next check starts a new period, which may be reminded of again once due.
      const checked = await a.engine.call('kit:check', { text: kit.text });
      assert.deepEqual(await a.engine.call('engine:kitReminder', undefined), {
        due: false,
        period: checked.checkedAt,
        shown: false,
      });
    } finally {
      a.clock.offsetMs = 0;
    }
  });

  test('two devices list each other; one removes the other, never itself', async () => {
    b = engineAt(join(root, 'home-b'), join(root, 'user'));
    await b.engine.start();
    await b.engine.call('setup:joinVault', {
      watchDir: join(root, 'watch-b'),
      cloudDir: cloud,
      kitText: kit.text,
    });

    const fromA = await a.engine.call('devices:list', undefined);
    assert.deepEqual(
      fromA.map((d) => [d.name, d.thisDevice]),
      [
        ['Laptop', true],
        [(await b.engine.call('settings:get', undefined)).deviceName, false],
      ],
    );
    const [self, other] = fromA;
    assert.ok(self && other);
    assert.equal(self.addedBy, 'Laptop');
    assert.ok(!Number.isNaN(Date.parse(other.addedAt)));
    const fromB = await b.engine.call('devices:list', undefined);
    assert.deepEqual(
      fromB.map((d) => [d.id, d.thisDevice]),
      [
        [self.id, false],
        [other.id, true],
      ],
    );

    await assert.rejects(a.engine.call('devices:remove', { id: self.id }), /cannot remove itself/);
    await assert.rejects(
      a.engine.call('devices:remove', { id: '00000000-0000-4000-8000-000000000000' }),
      /not on the vault’s list/,
    );
    const before = (await a.engine.call('recipients:list', undefined)).length;
    const after = await a.engine.call('devices:remove', { id: other.id });
    assert.deepEqual(
      after.map((d) => d.id),
      [self.id],
    );
    // Its key is off this device's list: new backups are no longer encrypted to it.
    const recipients = await a.engine.call('recipients:list', undefined);
    assert.ok(recipients.length <= before);
    assert.ok(!recipients.some((r) => r.label === other.name));
    // The removed device sees it too.
    assert.deepEqual(
      (await b.engine.call('devices:list', undefined)).map((d) => d.id),
      [self.id],
    );
  });

  test('pairing: the code finds the new device’s name and check; approving adds it, and it joins', async () => {
    const pending = await requestPairing({
      home: join(root, 'home-c'),
      watchDir: join(root, 'watch-c'),
      cloudDir: cloud,
      deviceName: 'Tablet',
    });
    await assert.rejects(
      a.engine.call('pair:approve', { code: pending.code }),
      /Enter the pairing code again/,
    );
    const other = 'aaaaa-bbbbb-ccccc-ddddd-eeeee-f';
    await assert.rejects(a.engine.call('pair:find', { code: other }), /No pairing request with this code/);
    const found = await a.engine.call('pair:find', { code: pending.code.toUpperCase().replace(/-/g, ' ') });
    assert.deepEqual(found, { name: 'Tablet', check: pending.check });
    const joined = pending.wait({ pollMs: 20 });
    const devices = await a.engine.call('pair:approve', { code: pending.code });
    assert.ok(devices.some((d) => d.name === 'Tablet' && !d.thisDevice && d.addedBy === 'Laptop'));
    const tablet = await joined;
    assert.equal(tablet.settings.deviceName, 'Tablet');
    // Approved once: the same code cannot approve again.
    await assert.rejects(
      a.engine.call('pair:approve', { code: pending.code }),
      /Enter the pairing code again/,
    );
  });

  test('a new device asks to join without the kit, shows its code and check, and joins once approved', async () => {
    d = engineAt(join(root, 'home-d'), join(root, 'user'));
    await d.engine.start();
    const folders = { watchDir: join(root, 'watch-d'), cloudDir: cloud };
    // Cancelled: nothing is saved, and no outcome is reported.
    await d.engine.call('setup:pairRequest', folders);
    await d.engine.call('setup:pairCancel', undefined);
    assert.equal((await d.engine.call('setup:state', undefined)).stage, 'needsSetup');

    const shown = await d.engine.call('setup:pairRequest', folders);
    assert.match(shown.code, /^[a-z2-7]{5}(-[a-z2-7]{1,5}){5}$/);
    assert.match(shown.check, /^\d{3} \d{3}$/);
    const found = await a.engine.call('pair:find', { code: shown.code });
    assert.equal(found.check, shown.check);
    assert.ok(found.name.length > 0);
    await a.engine.call('pair:approve', { code: shown.code });
    assert.deepEqual(await d.pairedOutcome(), { ok: true });
    assert.equal((await d.engine.call('setup:state', undefined)).stage, 'ready');
    const seen = await d.engine.call('devices:list', undefined);
    assert.ok(seen.some((x) => x.thisDevice));
    assert.ok(seen.some((x) => x.name === 'Laptop'));
    // It opens the backups made before it joined, without the kit.
    const history = await d.engine.call('history:list', undefined);
    const dana = history.sources.find((s) => s.source === 'Dana')?.versions[0];
    assert.ok(dana);
    const files = await d.engine.call('history:files', { id: dana.id });
    assert.ok(files.ok);
  });
});
