// Settings and the live status in the real window: folders, name, quiet period, retention, start at
// login, recipients, "Verify all backups now"; pause and resume; waiting for the cloud folder; the whole
// window used with the keyboard alone; and main's request to open at Settings → Recovery kit (the tray's
// drill reminder), whether the window was open or asks for it as it starts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { storedZip } from '../helpers/zip.js';
import { completeFirstRun, heading, type SetUpVault } from './first-run-steps.js';
import { type AppUnderTest, launchBrowser, openApp } from './harness.js';
import { tabTo } from './keyboard.js';
import { checkScreen } from './screen-check.js';

const SEQUENTIAL = { concurrency: 1, timeout: 180_000 };

async function openSettings(page: Page): Promise<void> {
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await heading(page, 'Settings');
}

async function dropExport(watch: string, name: string): Promise<void> {
  await writeFile(join(watch, name), storedZip([['chat.txt', Buffer.from(`${name}: hello\n`)]]));
}

describe('settings and status', SEQUENTIAL, () => {
  let browser: Browser;
  let app: AppUnderTest;
  let vault: SetUpVault;
  let watch: string;

  before(async () => {
    browser = await launchBrowser();
    app = await openApp(browser, { device: 'alex' });
    vault = await completeFirstRun(app);
  });

  after(async () => {
    await app?.close();
    await browser?.close();
  });

  test('folders, name, quiet period, retention and start at login are saved and survive a reload', async () => {
    const { page } = app;
    await openSettings(page);
    // The heading shows at once; the settings arrive a moment later.
    await page.getByText(vault.watch, { exact: true }).waitFor();
    assert.equal(await page.getByLabel('Quiet period (seconds)').inputValue(), '10');
    await checkScreen(page, 'settings');

    watch = join(app.root, 'New exports');
    await mkdir(watch);
    app.dialogs.answerFolder('watch', watch);
    await page.getByRole('button', { name: /Change.*Export folder/ }).click();
    await page.getByText(watch, { exact: true }).waitFor();

    // A cloud folder without the vault is refused, with what to do.
    const empty = join(app.root, 'Empty cloud');
    await mkdir(empty);
    app.dialogs.answerFolder('cloud', empty);
    await page.getByRole('button', { name: /Change.*Cloud folder/ }).click();
    await page
      .getByRole('alert')
      .getByText(/move its Puddleproof folder/)
      .waitFor();

    await page.getByLabel('Name of this computer').fill("Alex's desktop");
    const quiet = page.getByLabel('Quiet period (seconds)');
    await quiet.fill('0');
    assert.equal(await quiet.getAttribute('aria-invalid'), 'true');
    const backupsSection = page.getByRole('region', { name: 'Backups', exact: true });
    assert.ok(await backupsSection.getByRole('button', { name: 'Save' }).isDisabled());
    await quiet.fill('1');
    await backupsSection.getByRole('button', { name: 'Save' }).click();
    await backupsSection.getByText('Saved.').waitFor();

    const retention = page.getByRole('region', { name: 'Keep old backups' });
    await retention.getByLabel('Days (one per day)').fill('7');
    await retention.getByRole('button', { name: 'Save' }).click();
    await retention.getByText('Saved.').waitFor();

    await page.getByLabel('Start Puddleproof when I log in').check();
    await page.getByLabel(/Notify me after each successful backup/).check();
    // The boxes show the change at once; main hears of it when the engine saved it.
    for (let i = 0; i < 50 && app.dialogs.startAtLogin.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(app.dialogs.startAtLogin, [true]);

    await page.reload();
    await heading(page, 'Backups');
    await openSettings(page);
    await page.getByText(watch, { exact: true }).waitFor();
    assert.equal(await page.getByLabel('Name of this computer').inputValue(), "Alex's desktop");
    assert.equal(await page.getByLabel('Quiet period (seconds)').inputValue(), '1');
    assert.equal(await page.getByLabel('Days (one per day)').inputValue(), '7');
    assert.ok(await page.getByLabel('Start Puddleproof when I log in').isChecked());
    assert.ok(await page.getByLabel(/Notify me after each successful backup/).isChecked());
    const settings = await app.engine.call('settings:get', undefined);
    assert.equal(settings.watchDir, watch);
    assert.equal(settings.cloudDir, vault.cloud);
    assert.equal(settings.retention.daily, 7);
  });

  test('recipients: added with a label, a bad key refused in plain words, removed', async () => {
    const { page } = app;
    const section = page.getByRole('region', { name: 'Who can open new backups' });
    assert.match(await section.innerText(), /Always kept/);
    const generated = execFileSync('age-keygen', { encoding: 'utf8' });
    const recipient = /# public key: (age1\w+)/.exec(generated)?.[1] ?? '';
    await section.getByLabel('Public key (age1…)').fill('age1 not a key');
    await section.getByLabel('Label').fill("Sam's phone");
    await section.getByRole('button', { name: 'Add' }).click();
    await section
      .getByRole('alert')
      .getByText(/not an age recipient/)
      .waitFor();

    await section.getByLabel('Public key (age1…)').fill(recipient);
    await section.getByRole('button', { name: 'Add' }).click();
    await section.getByText(recipient).waitFor();
    assert.match(await section.innerText(), /Sam's phone/);
    await section.scrollIntoViewIfNeeded();
    await checkScreen(page, 'settings-recipients');
    const trusted = await app.engine.call('recipients:list', undefined);
    assert.ok(trusted.some((r) => r.recipient === recipient && r.label === "Sam's phone"));

    await section.getByRole('button', { name: "Remove Sam's phone" }).click();
    await section.getByText(recipient).waitFor({ state: 'detached' });
    assert.equal((await app.engine.call('recipients:list', undefined)).length, trusted.length - 1);
  });

  test('"Verify all backups now" reports its result; the history shows the backups verified', async () => {
    const { page } = app;
    await dropExport(watch, 'WhatsApp Chat - Bea.zip');
    await page.getByRole('navigation').getByRole('button', { name: 'Backups' }).click();
    const source = page.getByRole('region', { name: 'WhatsApp Chat - Bea.zip', exact: true });
    await source.waitFor({ timeout: 60_000 });
    assert.match(await source.innerText(), /Not verified yet/);
    await openSettings(page);
    await page.getByRole('button', { name: 'Verify all backups now' }).click();
    const section = page.getByRole('region', { name: 'Check your backups' });
    await section.getByText('1 backup verified.').waitFor();
    await section.scrollIntoViewIfNeeded();
    await checkScreen(page, 'settings-verified');
    await page.getByRole('navigation').getByRole('button', { name: 'Backups' }).click();
    await source.getByText(/^Verified /).waitFor();
  });

  test('pause and resume; waiting for the cloud folder says what to do, and catches up', async () => {
    const { page } = app;
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('heading', { name: 'Backups are paused' }).waitFor();
    assert.ok(await page.getByRole('button', { name: 'Back up now' }).isDisabled());
    await checkScreen(page, 'history-paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('heading', { name: /Up to date|Watching/ }).waitFor();

    const vaultDir = join(vault.cloud, 'Puddleproof');
    await rename(vaultDir, `${vaultDir}.away`);
    await dropExport(watch, 'WhatsApp Chat - Cai.zip');
    await page.getByRole('button', { name: 'Back up now' }).click();
    await page.getByRole('heading', { name: 'Waiting for the cloud folder' }).waitFor({ timeout: 60_000 });
    assert.match(await page.locator('.status-panel').innerText(), /tries again in \d+ s/);
    await checkScreen(page, 'history-waiting-for-cloud');
    await rename(`${vaultDir}.away`, vaultDir);
    await page
      .getByRole('region', { name: 'WhatsApp Chat - Cai.zip', exact: true })
      .waitFor({ timeout: 120_000 });
  });

  test('the keyboard alone reaches every section and control, with a visible focus', async () => {
    const { page } = app;
    await page.reload();
    await heading(page, 'Backups');
    await tabTo(page, /^Settings$/);
    await page.keyboard.press('Enter');
    await heading(page, 'Settings');
    const notify = (await app.engine.call('settings:get', undefined)).notifyOnSuccess;
    await tabTo(page, /Notify me after each successful backup/);
    await page.keyboard.press('Space');
    await page
      .getByLabel(/Notify me after each successful backup/)
      .and(page.locator(notify ? ':not(:checked)' : ':checked'))
      .waitFor();
    // The box shows the change at once; the engine saves it a moment later.
    for (
      let i = 0;
      i < 50 && (await app.engine.call('settings:get', undefined)).notifyOnSuccess === notify;
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal((await app.engine.call('settings:get', undefined)).notifyOnSuccess, !notify);
    await tabTo(page, /^Verify all backups now$/);
    await page.keyboard.press('Enter');
    await page.getByText(/backups? verified\./).waitFor();

    // Back up to the sections, then Restore with the keyboard, up to the version step.
    await tabTo(page, /^Restore$/, { back: true });
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Which chat do you want to restore?' }).waitFor();
    // Tab enters the group of chats; the arrow keys move between them and choose.
    await tabTo(page, /WhatsApp Chat/);
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getByRole('radio', { checked: true }).count(), 1);
    await tabTo(page, /^Next$/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Which version/ }).waitFor();
    assert.deepEqual(app.problems, []);
  });

  test('main asks the window to show Settings → Recovery kit: it goes there, its heading focused', async () => {
    const { page } = app;
    /** The heading "Recovery kit" has the focus and is in view. */
    const kitFocused = () =>
      page.waitForFunction(() => {
        type Focused = {
          tagName: string;
          textContent: string | null;
          getBoundingClientRect(): { top: number; bottom: number };
        };
        const doc = (globalThis as unknown as { document: { activeElement: Focused | null } }).document;
        const focused = doc.activeElement;
        const box = focused?.getBoundingClientRect();
        return (
          focused?.tagName === 'H2' &&
          focused.textContent === 'Recovery kit' &&
          box !== undefined &&
          box.top >= 0 &&
          box.bottom <= (globalThis as unknown as { innerHeight: number }).innerHeight
        );
      });
    const send = (view: unknown) =>
      page.evaluate(
        (v) =>
          (globalThis as unknown as { __puddleproofEvent(e: string, p: unknown): void }).__puddleproofEvent(
            'window:open',
            v,
          ),
        view,
      );
    await page.reload();
    await heading(page, 'Backups');
    // A view the window does not know is ignored.
    await send('somewhere');
    await send('recoveryKit');
    await heading(page, 'Settings');
    await kitFocused();
    // Still in view once everything above it has loaded too.
    await page.getByRole('list', { name: 'Changes to the list' }).getByRole('listitem').first().waitFor();
    await kitFocused();
    await checkScreen(page, 'settings-recovery-kit-opened');
    // Asked again while Settings shows another part: back to the kit.
    await page.getByRole('heading', { name: 'Devices' }).scrollIntoViewIfNeeded();
    await page.getByRole('button', { name: 'Verify all backups now' }).focus();
    await send('recoveryKit');
    await kitFocused();

    // Asked while the window was closed or loading: it asks main as it starts (once).
    await page.context().addInitScript(() => {
      const host = globalThis as unknown as {
        __puddleproofInvoke(channel: string, request: unknown): Promise<unknown>;
      };
      const invoke = host.__puddleproofInvoke;
      let waiting = true;
      host.__puddleproofInvoke = (channel, request) => {
        if (channel !== 'window:pendingView') return invoke(channel, request);
        const value = waiting ? 'recoveryKit' : null;
        waiting = false;
        return Promise.resolve({ ok: true, value });
      };
    });
    await page.reload();
    await heading(page, 'Settings');
    await kitFocused();
    assert.deepEqual(app.problems, []);
  });
});
