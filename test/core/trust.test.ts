// One trusted list for the vault: three device profiles on one cloud folder (real keychain, real files).
// Every device encrypts to every device, so each restores the others' backups without the kit; a change
// made on one device reaches all; a forged or replayed change is refused; a removed device cannot read
// new backups (old ones it still can).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { decryptBuffer } from '../../src/core/age/buffer.js';
import { type Device, deviceIdentities } from '../../src/core/device.js';
import { generateIdentity, recipientOf } from '../../src/core/keys/vault-secrets.js';
import { RestoreError } from '../../src/core/restore/restore.js';
import { removeDevice, syncTrustedList, trustRecipient } from '../../src/core/trust.js';
import type { BackupMetadata } from '../../src/core/vault/metadata.js';
import { writeTrustChange } from '../../src/core/vault/trust-log.js';
import { backUpPhoto, restorePhotoOn, TestVaults } from '../helpers/vault-devices.js';

const TIMEOUT = { timeout: 120_000 };
const vaults = new TestVaults();
after(() => vaults.cleanUp());

/** A new vault on a temporary cloud folder, made by "Sam's desktop", with its trusted list started. */
const firstDevice = () => vaults.first('puddleproof-trust-', "Sam's desktop");

async function threeDevices(beforeOthersJoin?: (a: Device, root: string) => Promise<void>) {
  const { root, a } = await firstDevice();
  await beforeOthersJoin?.(a, root);
  const b = await vaults.joinWithKit(root, "Anna's laptop", 'home-b');
  const c = await vaults.joinWithKit(root, 'Old tablet', 'home-c');
  for (const d of [a, b, c]) await syncTrustedList(d);
  return { root, a, b, c };
}

const backUp = (device: Device, root: string, name: string) => backUpPhoto(device, root, name, 100_000);

describe('one trusted list for the vault', () => {
  test(
    'every device encrypts to every device: each restores the others’ backups without the kit',
    TIMEOUT,
    async () => {
      let early: BackupMetadata | undefined;
      const { root, a, b, c } = await threeDevices(async (first, dir) => {
        early = await backUp(first, dir, 'Before the others joined');
      });
      for (const d of [a, b, c])
        assert.equal(d.secrets.recipients.length, 5, 'three devices, the vault data key, the recovery key');
      // Made before B and C joined: they open it with the vault data key (granted to the recovery key too,
      // so joining with the kit hands it over).
      for (const d of [b, c]) await restorePhotoOn(d, early as BackupMetadata, root);
      const fromA = await backUp(a, root, 'From A');
      const fromC = await backUp(c, root, 'From C');
      for (const d of [a, b, c]) {
        await restorePhotoOn(d, fromA, root);
        await restorePhotoOn(d, fromC, root);
      }
    },
  );

  test(
    'a recipient added on one device becomes a recipient on all, and says who added it',
    TIMEOUT,
    async () => {
      const { a, b, c } = await threeDevices();
      const extra = await recipientOf(await generateIdentity(false));
      await trustRecipient(a, { recipient: extra, label: 'Backup server key' });
      for (const d of [b, c]) {
        const sync = await syncTrustedList(d);
        assert.deepEqual(
          sync.applied.map((x) => [x.change, x.label, x.by]),
          [['add', 'Backup server key', "Sam's desktop"]],
        );
        assert.ok(d.secrets.recipients.some((r) => r.recipient === extra));
        assert.equal(sync.trusted.get(extra)?.addedBy, "Sam's desktop");
      }
      // Applied once: syncing again changes nothing.
      assert.deepEqual((await syncTrustedList(b)).applied, []);
    },
  );

  test(
    'a change not made with the vault’s keys, or replayed under another name, is refused',
    TIMEOUT,
    async () => {
      const { a, b } = await threeDevices();
      // A genuine change, chosen before the forged one is written (names sort by time, then at random).
      const [genuine] = (await readdir(a.vault.paths.trustDir)).sort();
      assert.ok(genuine);
      const intruder = await recipientOf(await generateIdentity(false));
      const indexRecipient = await recipientOf(a.secrets.indexIdentity);
      await writeTrustChange(
        a.vault,
        { change: 'add', recipient: intruder, label: 'intruder', deviceId: '', byDeviceId: 'x', by: 'x' },
        randomBytes(32),
        [indexRecipient],
      );
      // A genuine change copied under a new name (a replay as a new change).
      const dir = a.vault.paths.trustDir;
      await copyFile(join(dir, genuine), join(dir, '20300101T000000Z-aaaaaaaaaaaa.age'));
      const sync = await syncTrustedList(b);
      assert.equal(sync.problems.length, 2, JSON.stringify(sync.problems));
      assert.ok(sync.problems.some((p) => /not authentic/.test(p.problem)));
      assert.ok(sync.problems.some((p) => /names another change/.test(p.problem)));
      assert.ok(!b.secrets.recipients.some((r) => r.recipient === intruder));
    },
  );

  test(
    'a device that joined with the kit before the data key’s grant reached it gets the key from the others',
    TIMEOUT,
    async () => {
      const { root, a } = await firstDevice();
      const made = await backUp(a, root, 'Made before the laptop joined');
      // As if the grants had not synced to the laptop yet when it joined with the kit.
      for (const name of await readdir(a.vault.paths.keysDir)) await rm(join(a.vault.paths.keysDir, name));
      const b = await vaults.joinWithKit(root, "Anna's laptop", 'home-b');
      const unseen = await b.vault.list(deviceIdentities(b), b.secrets.authKey);
      assert.ok(!unseen.backups.some((m) => m.id === made.id), 'its records went to the data key, not to B');
      assert.ok(unseen.problems.some((p) => p.id === made.id));
      await syncTrustedList(a); // A sees the laptop on the vault's list and hands it the data key it holds
      await syncTrustedList(b);
      const seen = await b.vault.list(deviceIdentities(b), b.secrets.authKey);
      assert.ok(seen.backups.some((m) => m.id === made.id));
      await restorePhotoOn(b, made, root);
      const grants = (await readdir(a.vault.paths.keysDir)).length;
      for (const d of [a, b]) await syncTrustedList(d);
      assert.equal(
        (await readdir(a.vault.paths.keysDir)).length,
        grants,
        'each key is handed to a device once',
      );
    },
  );

  test('a removed device cannot read new backups; those made before it still can', TIMEOUT, async () => {
    const { root, a, b, c } = await threeDevices();
    const before = await backUp(b, root, 'Before');
    const entry = [...(await syncTrustedList(a)).trusted.values()].find((e) => e.label === 'Old tablet');
    assert.ok(entry);
    await removeDevice(a, entry);
    for (const d of [a, b]) {
      await syncTrustedList(d);
      assert.ok(!d.secrets.recipients.some((r) => r.recipient === entry.recipient), 'no longer a recipient');
    }
    const removed = await syncTrustedList(c);
    assert.equal(removed.removed, true, 'the tablet learns it was removed');
    assert.ok(!removed.trusted.has(entry.recipient), 'and does not add itself back');
    const afterRemoval = await backUp(b, root, 'After');
    await restorePhotoOn(c, before, root);
    await assert.rejects(
      restorePhotoOn(c, afterRemoval, root),
      (err) => err instanceof RestoreError && err.problem === 'needsKit',
    );
    await restorePhotoOn(a, afterRemoval, root);
    // Nor its records: the tablet still holds the index key, but the new backup's metadata, file list and
    // pack indexes went to the devices that remain, the new data key and the recovery key.
    const seen = await c.vault.list(deviceIdentities(c), c.secrets.authKey);
    assert.ok(
      seen.backups.some((m) => m.id === before.id),
      'the tablet still lists the old backup',
    );
    assert.ok(!seen.backups.some((m) => m.id === afterRemoval.id), 'but not the new one');
    assert.ok(seen.problems.some((p) => p.id === afterRemoval.id));
    await assert.rejects(
      decryptBuffer(await readFile(c.vault.paths.snapshot(afterRemoval.id)), deviceIdentities(c)),
    );
    const listedByA = await a.vault.list(deviceIdentities(a), a.secrets.authKey);
    assert.ok(
      listedByA.backups.some((m) => m.id === afterRemoval.id),
      'the devices that remain list it',
    );
  });
});
