// The recovery drill with real keys: the right kit passes, opening the newest backup with the kit's keys
// alone, and only the time of the check is stored; another vault's kit, or an old kit whose recovery key is
// no longer trusted, fails and changes nothing; a newest backup the kit cannot open fails the drill.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type Device, initVault } from '../../src/core/device.js';
import { readRecoveryKit } from '../../src/core/keys/recovery-kit.js';
import { deleteVaultSecrets, generateIdentity } from '../../src/core/keys/vault-secrets.js';
import { checkKit, drillDue, KitCheckError, lastKitCheck } from '../../src/core/kit-drill.js';
import { backUpPhoto } from '../helpers/vault-devices.js';

const roots: string[] = [];
const devices: Device[] = [];
after(async () => {
  for (const d of devices) await deleteVaultSecrets(d.store).catch(() => undefined);
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

async function vaultWithBackup(name = 'laptop') {
  const root = await mkdtemp(join(tmpdir(), 'puddleproof-drill-'));
  roots.push(root);
  await mkdir(join(root, 'cloud'));
  const device = await initVault({
    home: join(root, 'home'),
    watchDir: join(root, 'watch'),
    cloudDir: join(root, 'cloud'),
    kitPath: join(root, 'kit.txt'),
    deviceName: name,
  });
  devices.push(device);
  const backUp = (exportName: string) => backUpPhoto(device, root, exportName, 20_000);
  await backUp('Chat');
  return { root, device, kit: await readRecoveryKit(join(root, 'kit.txt')), backUp };
}

describe('the recovery drill', () => {
  test('the right kit opens the newest backup; only when it was checked is stored', {
    timeout: 60_000,
  }, async () => {
    const { device, kit } = await vaultWithBackup();
    assert.equal(await lastKitCheck(device.home), null);
    const check = await checkKit(device, kit, new Date('2026-12-07T10:00:00Z'));
    assert.equal(check.checkedAt, '2026-12-07T10:00:00.000Z');
    assert.deepEqual(await lastKitCheck(device.home), check);
    // Nothing of the kit is in the profile.
    for (const name of await readdir(device.home)) {
      const text = await readFile(join(device.home, name), 'utf8').catch(() => '');
      assert.ok(!text.includes(kit.recoveryIdentity) && !text.includes(kit.indexIdentity), name);
    }
  });

  test('another vault’s kit, or an old kit no longer trusted, fails and stores nothing', {
    timeout: 60_000,
  }, async () => {
    const { device, kit } = await vaultWithBackup();
    const other = await vaultWithBackup('other');
    await assert.rejects(
      checkKit(device, other.kit),
      (e) => e instanceof KitCheckError && /another vault/.test(e.message),
    );
    const old = { ...kit, recoveryIdentity: await generateIdentity(false) };
    await assert.rejects(
      checkKit(device, old),
      (e) => e instanceof KitCheckError && /not the current recovery kit/.test(e.message),
    );
    assert.equal(await lastKitCheck(device.home), null);
  });

  test('a newest backup the kit cannot open fails the drill', { timeout: 60_000 }, async () => {
    const { device, kit, backUp } = await vaultWithBackup();
    // A backup encrypted without the recovery key (as by a device whose list lost it).
    const keep = device.secrets.recipients;
    device.secrets.recipients = keep.filter((r) => r.label === `This device (laptop)`);
    await backUp('Newer chat');
    device.secrets.recipients = keep;
    await assert.rejects(
      checkKit(device, kit),
      (e) => e instanceof KitCheckError && /did not open the newest backup/.test(e.message),
    );
    assert.equal(await lastKitCheck(device.home), null);
  });

  test('the drill is due every N months after the last check (0: never)', () => {
    const last = { checkedAt: '2026-01-15T00:00:00.000Z', backupId: 'x', chat: 'x' };
    const since = new Date('2025-01-01T00:00:00Z');
    assert.equal(drillDue(last, 3, since, new Date('2026-04-14T00:00:00Z')), false);
    assert.equal(drillDue(last, 3, since, new Date('2026-04-15T00:00:00Z')), true);
    assert.equal(drillDue(last, 0, since, new Date('2030-01-01T00:00:00Z')), false);
    assert.equal(drillDue(null, 1, since, new Date('2025-02-01T00:00:00Z')), true);
  });
});
