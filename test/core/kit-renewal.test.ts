// "I lost my kit": a new recovery key for the vault. The new kit passes the drill and opens the backups
// made before and after (nothing re-encrypted: the old data keys are granted to it); the lost kit fails the
// drill and opens no backup made after; every device trusts the new recovery key instead of the old one.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { RECOVERY_LABEL } from '../../src/core/keys/recipients.js';
import { parseRecoveryKit, type RecoveryKit, readRecoveryKit } from '../../src/core/keys/recovery-kit.js';
import { checkKit, KitCheckError, lastKitCheck } from '../../src/core/kit-drill.js';
import { renewRecoveryKit } from '../../src/core/kit-renewal.js';
import { RestoreError } from '../../src/core/restore/restore.js';
import { restoreFromVault } from '../../src/core/restore/restore-from-vault.js';
import { syncTrustedList } from '../../src/core/trust.js';
import { grantedDataKeys } from '../../src/core/vault/data-keys.js';
import type { BackupMetadata } from '../../src/core/vault/metadata.js';
import { backUpPhoto, TestVaults } from '../helpers/vault-devices.js';

const vaults = new TestVaults();
after(() => vaults.cleanUp());

test('a renewed kit opens old and new backups; the lost one fails the drill and opens nothing new', {
  timeout: 120_000,
}, async () => {
  const { root, a } = await vaults.first('puddleproof-renew-', 'laptop');
  const lost = await readRecoveryKit(join(root, 'kit.txt'));
  const b = await vaults.joinWithKit(root, 'desktop', 'home-b');
  const backUp = (name: string) => backUpPhoto(a, root, name, 30_000);
  /** Restores with a kit's keys alone (and the data keys granted to it), as on a new machine. */
  const restoreWithKit = async (kit: RecoveryKit, meta: BackupMetadata) => {
    const identities = [
      kit.recoveryIdentity,
      kit.indexIdentity,
      ...(await grantedDataKeys(a.vault, [kit.recoveryIdentity], kit.authKey)),
    ];
    const to = join(root, `restored-${randomBytes(4).toString('hex')}`);
    await restoreFromVault({ vault: a.vault, meta, identities, authKey: kit.authKey, to });
    assert.deepEqual(
      await readFile(join(to, meta.exportName, 'photo.jpg')),
      await readFile(join(root, 'exports', meta.exportName, 'photo.jpg')),
    );
  };
  const before = await backUp('Before');

  await checkKit(a, lost); // the drill passed with the kit that is then lost
  const renewed = parseRecoveryKit(await renewRecoveryKit(a));
  assert.notEqual(renewed.recoveryIdentity, lost.recoveryIdentity);
  assert.equal(renewed.indexIdentity, lost.indexIdentity, 'the vault keys stay');
  await assert.rejects(
    checkKit(a, lost),
    (e) => e instanceof KitCheckError && /not the current recovery kit/.test(e.message),
  );
  assert.equal(await lastKitCheck(a.home), null, 'the new kit has not been checked yet');
  await checkKit(a, renewed);
  await restoreWithKit(renewed, before);

  const afterRenewal = await backUp('After');
  await restoreWithKit(renewed, afterRenewal);
  await restoreWithKit(lost, before);
  await assert.rejects(
    restoreWithKit(lost, afterRenewal),
    (e) => e instanceof RestoreError && e.problem === 'needsKit',
  );
  // Whoever finds the lost kit does not even see the new backup: its metadata no longer goes to the index key.
  const lostKeys = [
    lost.recoveryIdentity,
    lost.indexIdentity,
    ...(await grantedDataKeys(a.vault, [lost.recoveryIdentity], lost.authKey)),
  ];
  const seenWithLost = await a.vault.list(lostKeys, lost.authKey);
  assert.ok(seenWithLost.backups.some((m) => m.id === before.id));
  assert.ok(!seenWithLost.backups.some((m) => m.id === afterRenewal.id), 'the lost kit lists nothing new');
  // The other device now encrypts to the new recovery key, not the lost one.
  await syncTrustedList(b);
  const recovery = b.secrets.recipients.filter((r) => r.label === RECOVERY_LABEL);
  assert.equal(recovery.length, 1);
  assert.equal(
    recovery[0]?.recipient,
    a.secrets.recipients.find((r) => r.label === RECOVERY_LABEL)?.recipient,
  );
});
