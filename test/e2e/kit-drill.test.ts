// The recovery drill in the real window: Settings and the status panel say when the kit was last checked; "Check my recovery
// kit" refuses a wrong kit in plain words and stores nothing, and with the kit file opens the newest backup.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { appWithOneChat, heading, type SetUpVault } from './first-run-steps.js';
import { type AppUnderTest, launchBrowser } from './harness.js';
import { checkScreen } from './screen-check.js';

const SEQUENTIAL = { concurrency: 1, timeout: 180_000 };
const DAY_MS = 24 * 60 * 60 * 1000;

async function openSettings(page: Page): Promise<void> {
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await heading(page, 'Settings');
}

/** The kit with its recovery key swapped for a stranger's (the vault's other keys kept). */
function withStrangersRecoveryKey(text: string): string {
  const generated = execFileSync('age-keygen', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return text.replace(/AGE-SECRET-KEY-1\w+\n$/, `${/AGE-SECRET-KEY-1\w+/.exec(generated)?.[0]}\n`);
}

describe('the recovery drill', SEQUENTIAL, () => {
  let browser: Browser;
  let app: AppUnderTest;
  let vault: SetUpVault;

  before(async () => {
    browser = await launchBrowser();
    ({ app, vault } = await appWithOneChat(browser));
  });

  after(async () => {
    await app?.close();
    await browser?.close();
  });

  test('a wrong kit is refused and stores nothing; the kit file opens the newest backup', async () => {
    const { page } = app;
    await page.locator('.status-panel').getByText('Recovery kit never checked on this device.').waitFor();
    await openSettings(page);
    const section = page.getByRole('region', { name: 'Recovery kit', exact: true });
    await section.getByText('Recovery kit never checked on this device.').waitFor();
    await section.scrollIntoViewIfNeeded();
    await checkScreen(page, 'settings-kit-never-checked');

    await section.getByRole('button', { name: 'Check my recovery kit' }).click();
    await heading(page, 'Check my recovery kit');
    await page.getByLabel("Or paste the kit's text").fill(withStrangersRecoveryKey(vault.kitText));
    await page.getByRole('button', { name: 'Check the pasted kit' }).click();
    const problem = page.getByRole('alert');
    await problem.getByText('That kit did not pass the check').waitFor();
    assert.match(await problem.innerText(), /not the current recovery kit of this vault/);
    assert.match(await problem.innerText(), /Nothing was changed/);
    await checkScreen(page, 'kit-check-wrong-kit');
    await assert.rejects(access(join(app.home, 'kit-checked.json')), 'nothing is stored');
    assert.equal((await app.engine.call('kit:drill', undefined)).lastCheckedAt, null);

    app.dialogs.answerKitOpen(vault.kitPath);
    await page.getByRole('button', { name: 'Open the kit file…' }).click();
    await page.getByText('Recovery kit checked: it opened your newest backup of Dana — WhatsApp.').waitFor();
    assert.equal(await problem.count(), 0);
    // The pasted (wrong) text is cleared once a kit passed; the window never gets a kit back.
    assert.equal(await page.getByLabel("Or paste the kit's text").inputValue(), '');
    await checkScreen(page, 'kit-check-passed');
    assert.notEqual((await app.engine.call('kit:drill', undefined)).lastCheckedAt, null);
    // The drill does not load the kit for restores.
    assert.equal((await app.engine.call('kit:status', undefined)).loaded, false);

    await page.getByRole('button', { name: 'Back to Settings' }).click();
    await section.getByText('Recovery kit last checked just now.').waitFor();
  });

  test('Settings says how long ago the kit was last checked, and when a check is due', async () => {
    const { page } = app;
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY_MS).toISOString();
    const drill = await app.engine.call('kit:drill', undefined);
    assert.equal(drill.due, false);
    const record = (checkedAt: string) =>
      writeFile(
        join(app.home, 'kit-checked.json'),
        JSON.stringify({ checkedAt, backupId: '20261201T100000Z-aaaaaaaaaaaa', chat: 'Dana — WhatsApp' }),
      );
    const section = page.getByRole('region', { name: 'Recovery kit', exact: true });

    await record(at(12));
    await page.getByRole('navigation').getByRole('button', { name: 'Backups' }).click();
    // The status panel says it too, quietly.
    const panel = page.locator('.status-panel');
    await panel.getByText('Recovery kit last checked 12 days ago.').waitFor();
    await checkScreen(page, 'history-kit-checked');
    await openSettings(page);
    await section.getByText('Recovery kit last checked 12 days ago.').waitFor();
    assert.equal((await app.engine.call('kit:drill', undefined)).due, false);
    await section.scrollIntoViewIfNeeded();
    await checkScreen(page, 'settings-kit-checked');

    await record(at(100));
    await page.getByRole('navigation').getByRole('button', { name: 'Backups' }).click();
    await panel
      .getByText('Recovery kit last checked 3 months ago: time to check it again, in Settings.')
      .waitFor();
    await openSettings(page);
    await section
      .getByText(/Recovery kit last checked 3 months ago\. It is time to check it again\./)
      .waitFor();
    assert.equal((await app.engine.call('kit:drill', undefined)).due, true);
    await section.scrollIntoViewIfNeeded();
    await checkScreen(page, 'settings-kit-due');
    assert.deepEqual(app.problems, []);
  });

  test('"Ask me to check my kit": never, every month, 3, 6 or 12 months, saved in the preferences', async () => {
    const { page } = app;
    // The kit was last checked 100 days ago (the test before): due with every 3 months.
    const section = page.getByRole('region', { name: 'Recovery kit', exact: true });
    const choice = section.getByRole('combobox', { name: 'Ask me to check my kit' });
    assert.equal(await choice.inputValue(), '3');
    assert.deepEqual(await choice.locator('option').allInnerTexts(), [
      'never',
      'every month',
      'every 3 months',
      'every 6 months',
      'every 12 months',
    ]);

    await choice.selectOption({ label: 'every 6 months' });
    await section.getByText('(every 6 months)', { exact: false }).waitFor();
    assert.equal(await section.getByText('It is time to check it again.', { exact: false }).count(), 0);
    const drill = await app.engine.call('kit:drill', undefined);
    assert.deepEqual([drill.months, drill.due], [6, false]);
    assert.equal((await app.engine.call('settings:get', undefined)).kitCheckMonths, 6);
    await section.scrollIntoViewIfNeeded();
    await checkScreen(page, 'settings-kit-every-6-months');

    await choice.selectOption({ label: 'never' });
    await section.getByText('(every 6 months)', { exact: false }).waitFor({ state: 'detached' });
    assert.deepEqual((await app.engine.call('kit:drill', undefined)).months, 0);
    assert.equal(await choice.inputValue(), '0');

    await choice.selectOption({ label: 'every month' });
    await section.getByText(/It is time to check it again\./).waitFor();
    assert.deepEqual((await app.engine.call('kit:drill', undefined)).months, 1);
    await choice.selectOption({ label: 'every 3 months' });
    await section.getByText('(every 3 months)', { exact: false }).waitFor();
    assert.deepEqual(app.problems, []);
  });
});
