// "I lost my kit" in the real window: Settings → Recovery kit says plainly what a new kit changes, shows the
// new kit once as the first run does (saved with "Save…"), puts it in use only once part of it is typed
// back; the new kit then passes the drill (it opens the backup made before) and the lost kit does not.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { storedZip } from '../helpers/zip.js';
import { challengeAnswer, completeFirstRun, heading, type SetUpVault } from './first-run-steps.js';
import { type AppUnderTest, launchBrowser, openApp } from './harness.js';
import { checkScreen } from './screen-check.js';

const SEQUENTIAL = { concurrency: 1, timeout: 180_000 };

async function openSettings(page: Page): Promise<void> {
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await heading(page, 'Settings');
}

describe('I lost my kit', SEQUENTIAL, () => {
  let browser: Browser;
  let app: AppUnderTest;
  let vault: SetUpVault;

  before(async () => {
    browser = await launchBrowser();
    app = await openApp(browser, { device: 'alex' });
    vault = await completeFirstRun(app);
    await app.engine.call('settings:update', { quietSeconds: 1 });
    await writeFile(
      join(vault.watch, 'WhatsApp Chat - Dana.zip'),
      storedZip([['_chat.txt', Buffer.from('[01.12.26, 10:00:00] Dana: hello\n')]]),
    );
    await app.page.getByRole('region', { name: 'Dana', exact: true }).waitFor({ timeout: 60_000 });
  });

  after(async () => {
    await app?.close();
    await browser?.close();
  });

  test('cancelled: nothing changes, the old kit is still the vault’s', async () => {
    const { page } = app;
    await openSettings(page);
    const section = page.getByRole('region', { name: 'Recovery kit', exact: true });
    await section.getByRole('button', { name: 'I lost my kit…' }).click();
    await heading(page, 'I lost my recovery kit');
    const facts = page.getByRole('region', { name: 'What a new kit changes' });
    assert.match(await facts.innerText(), /opens all your backups, those made before too/);
    assert.match(await facts.innerText(), /lost kit still opens the backups made before today/);
    assert.match(await facts.innerText(), /index and\s+authentication keys/);
    await checkScreen(page, 'kit-renew-explain');
    app.dialogs.answerNewKit(true);
    await page.getByRole('button', { name: 'Make a new kit' }).click();
    await heading(page, 'Your new recovery kit');
    await page.getByRole('button', { name: 'Cancel: keep the old kit' }).click();
    await heading(page, 'Settings');
    assert.equal((await app.engine.call('kit:check', { text: vault.kitText })).chat, 'Dana — WhatsApp');
  });

  test('the new kit is shown once, saved, typed back, then in use; the lost kit no longer is', async () => {
    const { page } = app;
    const section = page.getByRole('region', { name: 'Recovery kit', exact: true });
    await section.getByRole('button', { name: 'I lost my kit…' }).click();
    app.dialogs.answerNewKit(true);
    await page.getByRole('button', { name: 'Make a new kit' }).click();
    await heading(page, 'Your new recovery kit');
    // The QR code and the kit's text, as at setup.
    assert.equal((await page.locator('.kit-sheet svg, .kit-sheet img, .kit-sheet canvas').count()) > 0, true);
    const newKitPath = join(app.root, 'new-kit.txt');
    app.dialogs.answerKitSave(newKitPath);
    await page.getByRole('button', { name: 'Save…' }).click();
    await page.getByText('Saved to').waitFor();
    const newKit = await readFile(newKitPath, 'utf8');
    assert.notEqual(newKit, vault.kitText);
    assert.equal((await page.locator('.kit-text').innerText()).trimEnd(), newKit.trimEnd());
    await checkScreen(page, 'kit-renew-new-kit');
    // Not in use yet.
    assert.equal((await app.engine.call('kit:check', { text: vault.kitText })).chat, 'Dana — WhatsApp');

    await page.getByRole('button', { name: 'I have saved or printed it' }).click();
    await heading(page, 'Check your recovery kit');
    await page.getByRole('textbox').fill('zzzzzz');
    await page.getByRole('button', { name: 'Check and use the new kit' }).click();
    await page.getByText('That does not match your kit').waitFor();
    await page.getByRole('textbox').fill(challengeAnswer(newKit));
    await page.getByRole('button', { name: 'Check and use the new kit' }).click();
    await heading(page, 'New recovery kit in use');
    await checkScreen(page, 'kit-renew-done');
    assert.equal((await app.engine.call('kit:check', { text: newKit })).chat, 'Dana — WhatsApp');
    await assert.rejects(
      app.engine.call('kit:check', { text: vault.kitText }),
      /not the current recovery kit of this vault/,
    );
    await page.getByRole('button', { name: 'Back to Settings' }).click();
    await heading(page, 'Settings');
    assert.deepEqual(app.problems, []);
  });
});
