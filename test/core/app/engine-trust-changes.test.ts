// The engine service reports the vault's trusted-list changes, in-process with the real keychain: a change
// made by another device shows who made it and when; a change the vault's keys do not prove, written into
// the cloud folder's trust log, is in the status (for as long as it is there) and in the devices' changes,
// and is never applied; a removed device learns that another device removed it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EngineService } from '../../../src/core/app/engine-service.js';
import { openProfile } from '../../../src/core/device.js';
import { osKeychain } from '../../../src/core/keys/keychain.js';
import { deleteVaultSecrets, generateIdentity, recipientOf } from '../../../src/core/keys/vault-secrets.js';
import { keychainService, loadSettings } from '../../../src/core/profile.js';
import { writeTrustChange } from '../../../src/core/vault/trust-log.js';
import { Vault } from '../../../src/core/vault/vault.js';
import type { EngineStatus } from '../../../src/shared/api.js';

const SEQUENTIAL = { concurrency: 1, timeout: 120_000 };

/** An engine with its own profile; `nextStatus` resolves with the next status that matches. */
function engineAt(home: string, userHome: string) {
  const waiters: { match: (s: EngineStatus) => boolean; resolve: (s: EngineStatus) => void }[] = [];
  const engine = new EngineService({
    home,
    places: { home: userHome, env: {}, platform: 'linux' },
    progressIntervalMs: 0,
    emit: (event, payload) => {
      if (event !== 'status:changed') return;
      for (const w of [...waiters])
        if (w.match(payload as EngineStatus)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(payload as EngineStatus);
        }
    },
  });
  const nextStatus = (match: (s: EngineStatus) => boolean) =>
    new Promise<EngineStatus>((resolve) => waiters.push({ match, resolve }));
  return { engine, nextStatus };
}

describe('engine service: the trusted list’s changes, and the refused ones', SEQUENTIAL, () => {
  let root: string;
  let cloud: string;
  let a: ReturnType<typeof engineAt>;
  let b: ReturnType<typeof engineAt>;
  let bName: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'puddleproof-trust-changes-'));
    cloud = join(root, 'user', 'Dropbox');
    await mkdir(cloud, { recursive: true });
    a = engineAt(join(root, 'home-a'), join(root, 'user'));
    await a.engine.start();
    const kit = await a.engine.call('setup:createKeys', {
      watchDir: join(root, 'watch-a'),
      cloudDir: cloud,
      deviceName: 'Sam’s desktop',
    });
    const typed = kit.keyLines.trimEnd().split('\n').at(-1)?.slice(-6) ?? '';
    assert.equal((await a.engine.call('setup:confirmKit', { typed })).ok, true);
    b = engineAt(join(root, 'home-b'), join(root, 'user'));
    await b.engine.start();
    await b.engine.call('setup:joinVault', {
      watchDir: join(root, 'watch-b'),
      cloudDir: cloud,
      kitText: kit.text,
    });
    bName = (await b.engine.call('settings:get', undefined)).deviceName;
  });

  after(async () => {
    await a?.engine.stop();
    await b?.engine.stop();
    for (const home of ['home-a', 'home-b']) {
      const settings = await loadSettings(join(root, home)).catch(() => null);
      if (settings) await deleteVaultSecrets(osKeychain(keychainService(settings)));
    }
    await rm(root, { recursive: true, force: true });
  });

  test('a change made by another device shows by whom and when; this device’s own are marked', async () => {
    await b.engine.call('recipients:add', {
      recipient: await recipientOf(await generateIdentity(false)),
      label: 'Anna’s laptop',
    });
    const history = await a.engine.call('devices:changes', undefined);
    assert.deepEqual(history.refused, []);
    assert.equal(history.removed, false);
    const [newest] = history.changes;
    assert.deepEqual(
      newest && {
        change: newest.change,
        name: newest.name,
        by: newest.by,
        byThisDevice: newest.byThisDevice,
      },
      { change: 'add', name: 'Anna’s laptop', by: bName, byThisDevice: false },
      'newest first',
    );
    assert.ok(!Number.isNaN(Date.parse(newest?.at ?? '')));
    const names = history.changes.map((c) => [c.name, c.by, c.byThisDevice]);
    assert.ok(names.some(([name, by, own]) => name === 'Sam’s desktop' && by === 'Sam’s desktop' && own));
    assert.ok(names.some(([name, by, own]) => name === bName && by === bName && !own));
    // Data-key rotations are bookkeeping, not shown; no key is.
    assert.ok(!history.changes.some((c) => c.name === 'Vault data key'));
    assert.ok(!JSON.stringify(history).includes('age1'));
  });

  test('a forged change is refused: in the status while it is in the cloud folder, and in the changes', async () => {
    const profile = await openProfile(join(root, 'home-a'));
    const vault = await Vault.open(cloud);
    const intruder = await recipientOf(await generateIdentity(false));
    // Made without the vault's authentication key (by someone who can only write to the cloud folder).
    const forged = await writeTrustChange(
      vault,
      {
        change: 'add',
        recipient: intruder,
        label: 'Intruder',
        deviceId: '',
        byDeviceId: 'x',
        by: 'Intruder',
      },
      randomBytes(32),
      [await recipientOf(profile.secrets.indexIdentity)],
    );
    const refusedStatus = a.nextStatus((s) => (s.trustRefused ?? []).some((r) => r.id === forged.id));
    await a.engine.call('backup:now', undefined);
    const status = await refusedStatus;
    assert.deepEqual(
      status.trustRefused?.map((r) => r.id),
      [forged.id],
    );
    assert.match(status.trustRefused?.[0]?.problem ?? '', /not authentic/);
    assert.deepEqual((await a.engine.call('status:get', undefined)).trustRefused, status.trustRefused);

    const history = await a.engine.call('devices:changes', undefined);
    assert.deepEqual(
      history.refused.map((r) => r.id),
      [forged.id],
    );
    assert.ok(!history.changes.some((c) => c.name === 'Intruder'), 'never applied');
    assert.ok(!(await a.engine.call('recipients:list', undefined)).some((r) => r.recipient === intruder));

    // Gone from the cloud folder: the status says so no more.
    const cleared = a.nextStatus((s) => s.trustRefused === undefined);
    await rm(join(vault.paths.trustDir, `${forged.id}.age`));
    await a.engine.call('backup:now', undefined);
    await cleared;
    assert.equal((await a.engine.call('status:get', undefined)).trustRefused, undefined);
  });

  test('a device removed by another learns who removed it', async () => {
    const bId = (await a.engine.call('devices:list', undefined)).find((d) => !d.thisDevice)?.id;
    assert.ok(bId);
    await a.engine.call('devices:remove', { id: bId });
    const history = await b.engine.call('devices:changes', undefined);
    assert.equal(history.removed, true);
    const [newest] = history.changes.filter((c) => c.name === bName);
    assert.deepEqual(newest && [newest.change, newest.by, newest.byThisDevice], [
      'remove',
      'Sam’s desktop',
      false,
    ]);
  });
});
