// Folder choices that would leak chats or keys, or make the vault back itself up, in the real window: setup
// refuses the same folder, the cloud folder inside the export folder and the export folder inside the cloud
// folder (through a symbolic link too), inline and before anything is written; it warns about an export
// folder in another synced folder; the kit's save is refused inside the cloud or export folder and warned
// about in another synced folder; Settings refuses such a change and keeps the settings; and a profile
// whose folders overlap says so in the status, with a button to Settings, where it is fixed.
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { completeFirstRun, heading, type SetUpVault } from './first-run-steps.js';
import { type AppUnderTest, launchBrowser, openApp } from './harness.js';
import { checkScreen } from './screen-check.js';

const SEQUENTIAL = { concurrency: 1, timeout: 180_000 };

/** The text of the elements a control's aria-describedby names, in order. */
async function description(page: Page, control: Locator): Promise<string> {
  const ids = ((await control.getAttribute('aria-describedby')) ?? '').split(' ').filter(Boolean);
  const texts: string[] = [];
  for (const id of ids) texts.push(await page.locator(`[id="${id}"]`).innerText());
  return texts.join('\n');
}

/** Waits until the export folder field shows `path`. */
async function exportFolderShows(page: Page, path: string): Promise<void> {
  await page
    .getByRole('status', { name: 'Export folder', exact: true })
    .and(page.getByText(path, { exact: true }))
    .waitFor();
}

/** The refusal shown under the folders, once it says `text`. */
async function refusal(page: Page, text: RegExp): Promise<Locator> {
  const note = page.getByRole('alert').filter({ hasText: 'These folders cannot be used together' });
  await note.filter({ hasText: text }).waitFor();
  return note;
}

/** Nothing of a vault was made: no profile settings, no vault folder in the cloud folder. */
async function assertNothingCreated(app: AppUnderTest, cloud: string): Promise<void> {
  assert.equal(await stat(join(app.home, 'settings.json')).catch(() => null), null, 'no settings.json');
  assert.equal(await stat(join(cloud, 'Puddleproof')).catch(() => null), null, 'no vault folder');
}

describe('folder choices in setup', SEQUENTIAL, () => {
  let browser: Browser;
  let app: AppUnderTest;
  let cloud: string;
  let oneDrive: string;
  let exportButton: Locator;
  let submit: Locator;

  /** Chooses `path` as the export folder in the folder picker. */
  async function chooseExportFolder(path: string): Promise<void> {
    app.dialogs.answerFolder('watch', path);
    await exportButton.click();
    await exportFolderShows(app.page, path);
  }

  before(async () => {
    browser = await launchBrowser();
    app = await openApp(browser, { device: 'alex', cloudFolders: ['Dropbox', 'OneDrive'] });
    cloud = join(app.userHome, 'Dropbox');
    oneDrive = join(app.userHome, 'OneDrive');
    exportButton = app.page.getByRole('button', { name: /Choose another folder.*Export folder/ });
    submit = app.page.getByRole('button', { name: 'Create my keys' });
  });

  after(async () => {
    await app?.close();
    await browser?.close();
  });

  test('the same folder for exports and backups is refused next to the folders, and cannot be submitted', async () => {
    const { page } = app;
    await heading(page, 'Set up Puddleproof');
    assert.ok(await page.getByRole('radio', { name: /Dropbox/ }).isChecked());
    await chooseExportFolder(cloud);
    const note = await refusal(page, /are the same folder/);
    assert.match(await note.innerText(), new RegExp(`same folder \\(${literal(cloud)}\\)`));
    assert.match(await note.innerText(), /Choose an export folder outside the cloud folder/);
    assert.ok(await submit.isDisabled(), 'Create my keys is disabled');
    assert.equal(await exportButton.getAttribute('aria-invalid'), 'true');
    assert.match(await description(page, exportButton), /are the same folder/);
    const dropbox = page.getByRole('radio', { name: /Dropbox/ });
    assert.equal(await dropbox.getAttribute('aria-invalid'), 'true');
    assert.match(await description(page, dropbox), /are the same folder/);
    assert.match(await description(page, submit), /are the same folder/);
    await note.scrollIntoViewIfNeeded();
    await checkScreen(page, 'setup-folders-refused');
    await assertNothingCreated(app, cloud);
  });

  test('the cloud folder inside the export folder is refused', async () => {
    const { page } = app;
    await chooseExportFolder(app.userHome);
    const note = await refusal(page, /is inside the export folder/);
    assert.match(await note.innerText(), /would back up its own vault/);
    assert.ok(await submit.isDisabled());
    await assertNothingCreated(app, cloud);
  });

  test('an export folder that is a link into the cloud folder is refused as inside it', async () => {
    const { page } = app;
    const inCloud = join(cloud, 'Chats');
    await mkdir(inCloud);
    const link = join(app.userHome, 'Chat exports link');
    await symlink(inCloud, link);
    await chooseExportFolder(link);
    const note = await refusal(page, /is inside the cloud folder/);
    assert.match(await note.innerText(), /uploaded unencrypted/);
    assert.ok(await submit.isDisabled());

    // Another cloud folder makes the pair acceptable again: the refusal goes, the button comes back.
    await page.getByRole('radio', { name: /OneDrive/ }).check();
    await note.waitFor({ state: 'detached' });
    assert.ok(await submit.isEnabled());
    await page.getByRole('radio', { name: /Dropbox/ }).check();
    await refusal(page, /is inside the cloud folder/);
    assert.ok(await submit.isDisabled());
    await assertNothingCreated(app, cloud);
  });

  test('an export folder in another synced folder is allowed, with a warning', async () => {
    const { page } = app;
    const inOneDrive = join(oneDrive, 'Chat exports');
    await mkdir(inOneDrive);
    await chooseExportFolder(inOneDrive);
    const warning = page.locator('.note-warning').filter({ hasText: /already uploaded there unencrypted/ });
    await warning.waitFor();
    assert.match(await warning.innerText(), new RegExp(`inside ${literal(oneDrive)} \\(OneDrive\\)`));
    assert.equal(await page.getByRole('alert').count(), 0, 'nothing refused');
    assert.ok(await submit.isEnabled());
    assert.equal(await exportButton.getAttribute('aria-invalid'), null);
    assert.match(await description(page, exportButton), /already uploaded there unencrypted/);
    await warning.scrollIntoViewIfNeeded();
    await checkScreen(page, 'setup-folders-warning');
  });

  test('joining a vault refuses the same folders, and its button is disabled', async () => {
    const { page } = app;
    await page.getByRole('button', { name: 'I already have a vault' }).click();
    await heading(page, 'Use an existing vault');
    const joinButton = page.getByRole('button', { name: 'Join the vault' });
    // The join form starts from the defaults again: the default export folder and Dropbox.
    assert.equal(await page.getByRole('alert').count(), 0);
    await chooseExportFolder(cloud);
    const note = await refusal(page, /are the same folder/);
    assert.ok(await joinButton.isDisabled(), 'Join the vault is disabled');
    assert.match(await description(page, joinButton), /are the same folder/);
    await note.scrollIntoViewIfNeeded();
    await checkScreen(page, 'setup-join-refused');
    await assertNothingCreated(app, cloud);
    await page.getByRole('button', { name: 'Back' }).click();
    await heading(page, 'Set up Puddleproof');
  });

  test('the kit is refused inside the cloud or export folder, and saved with a warning in a synced folder', async () => {
    const { page } = app;
    // Back on the folders step, with its defaults: the default export folder and Dropbox.
    const watch = join(app.userHome, 'Chat exports');
    await exportFolderShows(page, watch);
    await submit.click();
    await heading(page, 'Your recovery kit');
    const save = page.getByRole('button', { name: 'Save…' });
    const problem = page.getByRole('alert').filter({ hasText: 'The kit was not saved' });

    const inCloud = join(cloud, 'Puddleproof recovery kit.txt');
    app.dialogs.answerKitSave(inCloud);
    await save.click();
    await problem.filter({ hasText: /inside the cloud folder/ }).waitFor();
    assert.match(await problem.innerText(), /must stay offline would be uploaded/);
    assert.match(await problem.innerText(), /Choose another place and try again/);
    assert.equal(await stat(inCloud).catch(() => null), null, 'no kit in the cloud folder');
    await problem.scrollIntoViewIfNeeded();
    await checkScreen(page, 'setup-kit-refused');

    // Through a link to the export folder, too (it is created when the kit is confirmed).
    await mkdir(watch);
    const link = join(app.root, 'Link to exports');
    await symlink(watch, link);
    app.dialogs.answerKitSave(join(link, 'kit.txt'));
    await save.click();
    await problem.filter({ hasText: /inside the export folder/ }).waitFor();
    assert.equal(await stat(join(watch, 'kit.txt')).catch(() => null), null, 'no kit in the export folder');

    const inOneDrive = join(oneDrive, 'Puddleproof recovery kit.txt');
    app.dialogs.answerKitSave(inOneDrive);
    await save.click();
    await page.getByText('Saved to').waitFor();
    await problem.waitFor({ state: 'detached' });
    const warning = page.locator('.note-warning').filter({ hasText: /it is then no longer offline/ });
    await warning.waitFor();
    assert.match(await warning.innerText(), new RegExp(`saved in ${literal(oneDrive)} \\(OneDrive\\)`));
    assert.match(await readFile(inOneDrive, 'utf8'), /AGE-SECRET-KEY-1/);
    await warning.scrollIntoViewIfNeeded();
    await checkScreen(page, 'setup-kit-warning');

    // Saved outside every synced folder: no warning.
    app.dialogs.answerKitSave(join(app.root, 'kit.txt'));
    await save.click();
    await page.getByText(join(app.root, 'kit.txt'), { exact: true }).waitFor();
    assert.equal(await warning.count(), 0);
    await assertNothingCreated(app, cloud);
    assert.deepEqual(app.problems, []);
  });
});

describe('folder choices in Settings and the status', SEQUENTIAL, () => {
  let browser: Browser;
  let app: AppUnderTest;
  let vault: SetUpVault;

  before(async () => {
    browser = await launchBrowser();
    app = await openApp(browser, { device: 'sam' });
    vault = await completeFirstRun(app);
  });

  after(async () => {
    await app?.close();
    await browser?.close();
  });

  test('Settings refuses an export folder that is the cloud folder, inline, and keeps the settings', async () => {
    const { page } = app;
    const before = await readFile(join(app.home, 'settings.json'), 'utf8');
    await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
    await heading(page, 'Settings');
    await page.getByText(vault.watch, { exact: true }).waitFor();
    const change = page.getByRole('button', { name: /Change.*Export folder/ });
    app.dialogs.answerFolder('watch', vault.cloud);
    await change.click();
    const error = page.getByRole('alert').filter({ hasText: /are the same folder/ });
    await error.waitFor();
    assert.equal(await change.getAttribute('aria-invalid'), 'true');
    assert.match(await description(page, change), /are the same folder/);
    // Still the folder saved before, everywhere.
    assert.ok(await page.getByText(vault.watch, { exact: true }).isVisible());
    assert.equal((await app.engine.call('settings:get', undefined)).watchDir, vault.watch);
    assert.equal(await readFile(join(app.home, 'settings.json'), 'utf8'), before);
    await checkScreen(page, 'settings-folders-refused');
    await page.getByRole('navigation').getByRole('button', { name: 'Backups' }).click();
    await heading(page, 'Backups');
  });

  test('a profile whose folders overlap stops backing up, says why, and Settings fixes it', async () => {
    const { page } = app;
    // A profile made before the check: its export folder is a link to the cloud folder.
    const link = join(app.userHome, 'Cloud link');
    await symlink(vault.cloud, link);
    await app.engine.stop();
    const settingsFile = join(app.home, 'settings.json');
    const saved = JSON.parse(await readFile(settingsFile, 'utf8')) as Record<string, unknown>;
    await writeFile(settingsFile, `${JSON.stringify({ ...saved, watchDir: link }, null, 2)}\n`);
    const refused = app.nextEvent('status:changed', (s) => s.state.kind === 'foldersRefused');
    await app.engine.start();
    await refused;
    await page.reload();
    await heading(page, 'Backups');
    await page
      .getByRole('heading', { name: 'Backups are stopped: the folders need your attention' })
      .waitFor();
    const panel = page.locator('.status-panel');
    assert.match(
      await panel.innerText(),
      new RegExp(`same folder \\(${literal(link)} and ${literal(vault.cloud)}\\)`),
    );
    assert.match(
      await panel.innerText(),
      /Nothing has been lost; backups start again once the folders are apart\./,
    );
    assert.equal(await panel.getByRole('button', { name: 'Back up now' }).count(), 0);
    await checkScreen(page, 'history-folders-refused');

    await panel.getByRole('button', { name: 'Choose other folders' }).click();
    await heading(page, 'Settings');
    const note = await refusal(page, /are the same folder/);
    const change = page.getByRole('button', { name: /Change.*Export folder/ });
    assert.equal(await change.getAttribute('aria-invalid'), 'true');
    assert.match(await description(page, change), /are the same folder/);

    const fixed = join(app.root, 'Chats apart');
    await mkdir(fixed);
    app.dialogs.answerFolder('watch', fixed);
    const watching = app.nextEvent('status:changed', (s) => s.state.kind === 'idle');
    await change.click();
    await page.getByText(fixed, { exact: true }).waitFor();
    await note.waitFor({ state: 'detached' });
    assert.equal(await change.getAttribute('aria-invalid'), null);
    assert.equal((await app.engine.call('settings:get', undefined)).watchDir, fixed);
    await watching;
    await page.getByRole('navigation').getByRole('button', { name: 'Backups' }).click();
    await page.getByRole('heading', { name: 'Watching for new exports' }).waitFor();
    assert.deepEqual(app.problems, []);
  });
});

/** `text` as a literal in a regular expression. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
