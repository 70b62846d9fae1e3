// The vault's devices in the real window: Settings lists every trusted device (this one marked, who added
// each and when), removes another after a confirmation that says what removing means, shows the list's
// changes (who added or removed which device, when) and a refused, forged one (also in the status), and
// approves a new device by its pairing code once the user confirmed both screens show the same check.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { qrShape } from '../../renderer/src/setup/qr-path.js';
import { type Device, openProfile, recoverVault } from '../../src/core/device.js';
import { parseRecoveryKit } from '../../src/core/keys/recovery-kit.js';
import { deleteVaultSecrets, generateIdentity, recipientOf } from '../../src/core/keys/vault-secrets.js';
import { requestPairing } from '../../src/core/pairing.js';
import { syncTrustedList } from '../../src/core/trust.js';
import { writeTrustChange } from '../../src/core/vault/trust-log.js';
import { Vault } from '../../src/core/vault/vault.js';
import { completeFirstRun, heading, type SetUpVault } from './first-run-steps.js';
import { type AppUnderTest, launchBrowser, openApp } from './harness.js';
import { checkScreen } from './screen-check.js';

const SEQUENTIAL = { concurrency: 1, timeout: 180_000 };

async function openSettings(page: Page): Promise<void> {
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await heading(page, 'Settings');
}

describe('devices', SEQUENTIAL, () => {
  let browser: Browser;
  let app: AppUnderTest;
  let vault: SetUpVault;
  let sam: Device | undefined;
  let tablet: Device | undefined;
  let anna: Device | undefined;

  before(async () => {
    browser = await launchBrowser();
    app = await openApp(browser, { device: 'alex' });
    vault = await completeFirstRun(app);
  });

  after(async () => {
    if (sam) await deleteVaultSecrets(sam.store);
    if (tablet) await deleteVaultSecrets(tablet.store);
    if (anna) await deleteVaultSecrets(anna.store);
    await app?.close();
    await browser?.close();
  });

  test('Settings lists the vault’s devices and removes another after saying what that means', async () => {
    // A second device joins the vault (with the kit, as "I already have a vault" does).
    const samHome = join(app.root, 'sam');
    await mkdir(join(samHome, 'user'), { recursive: true });
    sam = await recoverVault({
      home: join(samHome, 'profile'),
      watchDir: join(samHome, 'user', 'Chat exports'),
      cloudDir: vault.cloud,
      kit: parseRecoveryKit(vault.kitText),
      deviceName: 'Sam’s desktop',
    });
    await syncTrustedList(sam);

    const { page } = app;
    await openSettings(page);
    const section = page.getByRole('region', { name: 'Devices', exact: true });
    await section.getByText('Sam’s desktop', { exact: true }).waitFor();
    const text = await section.innerText();
    assert.match(text, /\(this device\)/);
    assert.match(text, /Added by Sam’s desktop on /);
    // This device cannot remove itself: the only Remove button is the other device's.
    assert.equal(await section.getByRole('button', { name: /^Remove/ }).count(), 1);
    await section.scrollIntoViewIfNeeded();
    await checkScreen(page, 'settings-devices');

    await section.getByRole('button', { name: 'Remove Sam’s desktop' }).click();
    const confirm = section.getByRole('region', { name: 'Remove Sam’s desktop from this vault?' });
    assert.match(await confirm.innerText(), /New backups will no longer be readable by Sam’s desktop/);
    assert.match(await confirm.innerText(), /Backups made before stay readable by it/);
    await confirm.scrollIntoViewIfNeeded();
    await checkScreen(page, 'settings-devices-confirm');
    // Cancel changes nothing.
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    assert.equal((await app.engine.call('devices:list', undefined)).length, 2);

    await section.getByRole('button', { name: 'Remove Sam’s desktop' }).click();
    await confirm.getByRole('button', { name: 'Yes, remove Sam’s desktop' }).click();
    await section.getByText(/Sam’s desktop was removed\. New backups are no longer readable by it/).waitFor();
    assert.equal(await section.getByRole('button', { name: /^Remove/ }).count(), 0);
    const left = await app.engine.call('devices:list', undefined);
    assert.deepEqual(
      left.map((d) => d.thisDevice),
      [true],
    );
    await checkScreen(page, 'settings-devices-removed');
    assert.deepEqual(app.problems, []);
  });

  test('the list’s changes show who made them and when; a forged change is refused, in Devices and the status', async () => {
    // Another device joins (and adds itself to the vault's list).
    const annaHome = join(app.root, 'anna');
    await mkdir(join(annaHome, 'user'), { recursive: true });
    anna = await recoverVault({
      home: join(annaHome, 'profile'),
      watchDir: join(annaHome, 'user', 'Chat exports'),
      cloudDir: vault.cloud,
      kit: parseRecoveryKit(vault.kitText),
      deviceName: 'Anna’s laptop',
    });
    await syncTrustedList(anna);
    // Someone who can write to the cloud folder, without the vault's authentication key, adds a key.
    const cloud = await Vault.open(vault.cloud);
    const forged = await writeTrustChange(
      cloud,
      {
        change: 'add',
        recipient: await recipientOf(await generateIdentity(false)),
        label: 'Mallory',
        deviceId: '',
        byDeviceId: 'x',
        by: 'Mallory',
      },
      randomBytes(32),
      [await recipientOf((await openProfile(app.home)).secrets.indexIdentity)],
    );
    const self = (await app.engine.call('settings:get', undefined)).deviceName;

    const { page } = app;
    await page.getByRole('navigation').getByRole('button', { name: 'Backups' }).click();
    await heading(page, 'Backups');
    await app.engine.call('backup:now', undefined);
    const status = page.locator('.status-panel');
    await status
      .getByText(`Refused a change to the trusted list that the vault’s keys do not prove (${forged.id})`, {
        exact: false,
      })
      .waitFor();
    assert.match(await status.innerText(), /Nothing of it was applied/);
    await checkScreen(page, 'status-trust-refused');

    await openSettings(page);
    const section = page.getByRole('region', { name: 'Devices', exact: true });
    const changes = section.getByRole('list', { name: 'Changes to the list' });
    await changes.getByText(/^Anna’s laptop was added by Anna’s laptop on /).waitFor();
    const lines = (await changes.getByRole('listitem').allInnerTexts()).map((l) => l.replace(/ on .*$/, ''));
    assert.deepEqual(lines, [
      'Anna’s laptop was added by Anna’s laptop',
      `Sam’s desktop was removed by ${self} (this device)`,
      'Sam’s desktop was added by Sam’s desktop',
      `${self} was added by ${self} (this device)`,
    ]);
    const refused = section.getByText(
      `Refused a change to the list that the vault’s keys do not prove (${forged.id})`,
    );
    await refused.waitFor();
    assert.match(await section.innerText(), /Nothing of it was applied/);
    assert.doesNotMatch(await section.innerText(), /Mallory|age1/);
    await refused.scrollIntoViewIfNeeded();
    await checkScreen(page, 'settings-devices-changes');

    // Gone from the cloud folder: refused no more.
    await rm(join(cloud.paths.trustDir, `${forged.id}.age`));
    await app.engine.call('backup:now', undefined);
    await page.getByRole('navigation').getByRole('button', { name: 'Backups' }).click();
    await status.getByText(/Refused a change/).waitFor({ state: 'detached' });
    await openSettings(page);
    await section
      .getByRole('list', { name: 'Changes to the list' })
      .getByText(/^Anna’s laptop was added/)
      .waitFor();
    assert.equal(await section.getByText(/Refused a change/).count(), 0);
    assert.deepEqual(app.problems, []);
  });

  test('"Add a device": the code shows the new device’s name and check; approved, it joins the vault', async () => {
    // The new device asks to join (as `puddleproof pair request` does), in this process.
    const pending = await requestPairing({
      home: join(app.root, 'tablet', 'profile'),
      watchDir: join(app.root, 'tablet', 'user', 'Chat exports'),
      cloudDir: vault.cloud,
      deviceName: 'Ana’s tablet',
    });
    const { page } = app;
    const section = page.getByRole('region', { name: 'Devices', exact: true });
    const code = section.getByLabel('Pairing code');
    const problem = section.getByRole('alert');

    await code.fill('12345');
    await section.getByRole('button', { name: 'Find the device' }).click();
    await problem.getByText(/is not a pairing code/).waitFor();
    await code.fill('aaaaa-bbbbb-ccccc-ddddd-eeeee-f');
    await section.getByRole('button', { name: 'Find the device' }).click();
    await problem.getByText(/No pairing request with this code/).waitFor();

    await code.fill(pending.code);
    await section.getByRole('button', { name: 'Find the device' }).click();
    const request = section.getByRole('region', { name: 'Ana’s tablet asks to join this vault' });
    await request.getByText(pending.check, { exact: true }).waitFor();
    const approve = request.getByRole('button', { name: 'Approve Ana’s tablet' });
    assert.ok(await approve.isDisabled(), 'approving waits for the check to be compared');
    await request.scrollIntoViewIfNeeded();
    await checkScreen(page, 'settings-pair-check');

    await request.getByLabel('The other device shows the same check').check();
    await approve.click();
    await section.getByText(/Ana’s tablet was added\./).waitFor();
    assert.ok((await app.engine.call('devices:list', undefined)).some((d) => d.name === 'Ana’s tablet'));
    assert.equal(await code.inputValue(), '', 'the code is not kept in the window');
    // The list's changes are read again: this device added it.
    await section
      .getByRole('list', { name: 'Changes to the list' })
      .getByText(/^Ana’s tablet was added by .* \(this device\) on /)
      .waitFor();
    await section.getByText(/Ana’s tablet was added\./).scrollIntoViewIfNeeded();
    await checkScreen(page, 'settings-pair-approved');

    // The new device gets the vault's keys.
    tablet = await pending.wait({ pollMs: 20 });
    assert.equal(tablet.settings.deviceName, 'Ana’s tablet');
    assert.deepEqual(app.problems, []);
  });

  test('a new computer joins without the kit: it shows a code and a check, and is in once approved', async () => {
    const bea = await openApp(browser, { root: app.root, device: 'bea', cloudFolders: [] });
    try {
      const { page } = bea;
      await heading(page, 'Set up Puddleproof');
      await page.getByRole('button', { name: 'I already have a vault' }).click();
      await heading(page, 'Use an existing vault');
      bea.dialogs.answerFolder('cloud', vault.cloud);
      await page.getByRole('button', { name: 'Choose another folder…' }).click();
      await page.getByRole('radio', { name: /Chosen folder/ }).waitFor();
      await page.getByRole('radio', { name: /No kit at hand: pair with a computer of the vault/ }).check();
      await page.getByRole('button', { name: 'Show the pairing code' }).click();
      await heading(page, 'Pair this computer');
      const code = (await page.locator('.pairing-code').innerText()).trim();
      const check = (await page.locator('.pairing-check').innerText()).trim();
      assert.match(code, /^[a-z2-7-]{31}$/);
      // The code as a QR code too (the whole code, nothing else).
      const qr = page.getByRole('img', { name: 'QR code of the pairing code' });
      await qr.waitFor();
      assert.equal(await qr.locator('path').getAttribute('d'), qrShape(code).path);
      await checkScreen(page, 'setup-pair-waiting');

      // Approved on the first computer (its window does this in the test above).
      const found = await app.engine.call('pair:find', { code });
      assert.equal(found.check, check);
      await app.engine.call('pair:approve', { code });
      await heading(page, 'Backups');
      assert.ok((await bea.engine.call('devices:list', undefined)).some((d) => d.thisDevice));
      assert.deepEqual(bea.problems, []);
    } finally {
      await bea.close();
    }
  });
});
