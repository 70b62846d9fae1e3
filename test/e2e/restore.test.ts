// The restore wizard in the real window: everything byte for byte into a new folder, chosen files
// only, a destination that exists, a restore cancelled half way, the wrong recovery kit, a damaged pack
// whose chunks another pack holds (read around, and said), and a corrupted backup — found while listing
// it, and while restoring it — that writes nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { walkExport } from '../../src/core/backup/walk.js';
import { chunkKeys } from '../../src/core/dedup/chunk-keys.js';
import { ChunkStore, chunkIdOf, PackWriter } from '../../src/core/dedup/chunk-store.js';
import { fileChunks } from '../../src/core/dedup/file-chunks.js';
import { deviceIdentities, openDevice, recordRecipients } from '../../src/core/device.js';
import { newBackupId } from '../../src/core/vault/layout.js';
import { backupObject, flipBytes } from '../helpers/damage.js';
import { assertSameTree, makeTrickyExport } from '../helpers/export-tree.js';
import { completeFirstRun, type SetUpVault } from './first-run-steps.js';
import { type AppUnderTest, launchBrowser, openApp } from './harness.js';
import { checkScreen } from './screen-check.js';

const SEQUENTIAL = { concurrency: 1, timeout: 300_000 };
const EXPORT = 'ChatExport_2026-11-26';
/** Big enough that a restore of it is still running when Cancel is clicked (about 4 s here). */
const BIG_BYTES = 768 * 1024 * 1024;

/** Clicks the wizard's Next. */
async function next(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Next' }).click();
}

describe('restore', SEQUENTIAL, () => {
  let browser: Browser;
  let app: AppUnderTest;
  let vault: SetUpVault;
  let exportPath: string;
  let restores: string;

  /** The wizard from the Restore tab up to the contents step, for the chat and version (0 = newest). */
  async function openVersion(source: string, version: number): Promise<void> {
    const { page } = app;
    await page.getByRole('navigation').getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('heading', { name: 'Which chat do you want to restore?' }).waitFor();
    await page.getByRole('radio', { name: new RegExp(`^${source}`) }).check();
    await next(page);
    await page.getByRole('heading', { name: /Which version/ }).waitFor();
    await page.getByRole('radio').nth(version).check();
    await next(page);
    await page.getByRole('heading', { name: 'Unlock the backup' }).waitFor();
    await next(page);
    await page.getByRole('heading', { name: 'What to restore' }).waitFor();
  }

  /** Picks the restore parent folder in the (stand-in) folder dialog. */
  async function pickParent(): Promise<void> {
    app.dialogs.answerFolder('restoreDestination', restores);
    await app.page.getByRole('button', { name: /Choose folder/ }).click();
    await app.page.getByText(restores, { exact: true }).waitFor();
  }

  async function versionIds(source: string): Promise<string[]> {
    const history = await app.engine.call('history:list', undefined);
    return history.sources.find((s) => s.source === source)?.versions.map((v) => v.id) ?? [];
  }

  /** Each version's storedBytes and "uploaded X of Y" as the window writes it (its locale), newest first. */
  async function uploads(source: string): Promise<{ storedBytes: number; text: string }[]> {
    const history = await app.engine.call('history:list', undefined);
    const versions = history.sources.find((s) => s.source === source)?.versions ?? [];
    const locale = await app.page.evaluate(
      () => (globalThis as unknown as { navigator: { language: string } }).navigator.language,
    );
    const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
    // As renderer/src/format.ts: decimal units, switching when the rounded value reaches 1000.
    const size = (bytes: number) => {
      const units = ['bytes', 'KB', 'MB', 'GB'];
      let value = bytes;
      let unit = 0;
      while (unit < units.length - 1 && (unit === 0 ? value : Math.round(value * 10) / 10) >= 1000) {
        value /= 1000;
        unit++;
      }
      return unit === 0 ? `${value} bytes` : `${number.format(value)} ${units[unit]}`;
    };
    return versions.map((v) => ({
      storedBytes: v.storedBytes,
      text: `uploaded ${size(v.storedBytes)} of ${size(v.bytes)}${v.format === 1 ? ' (whole archive)' : ''}`,
    }));
  }

  before(async () => {
    browser = await launchBrowser();
    app = await openApp(browser, { device: 'alex' });
    vault = await completeFirstRun(app);
    restores = join(app.root, 'Restored chats');
    await mkdir(restores);
  });

  after(async () => {
    await app?.close();
    await browser?.close();
  });

  test('"Back up now" backs up a folder export; a changed export adds a version to its timeline', async () => {
    const { page } = app;
    exportPath = await makeTrickyExport(vault.watch, EXPORT);
    await page.getByRole('button', { name: 'Back up now' }).click();
    const source = page.getByRole('region', { name: EXPORT, exact: true });
    await source.waitFor({ timeout: 60_000 });
    await page.getByRole('heading', { name: 'Up to date' }).waitFor();
    await writeFile(join(exportPath, 'messages.html'), '<html>Moved to the new mill — Alice</html>\n');
    await page.getByRole('button', { name: 'Back up now' }).click();
    await source.getByRole('listitem').nth(1).waitFor({ timeout: 60_000 });
    await page.getByRole('heading', { name: 'Up to date' }).waitFor();
    assert.match(await source.innerText(), /2 versions/);
    assert.match(await source.getByRole('listitem').first().innerText(), /11 files/);
    // Each version says what it uploaded of the export's size: the second only what was new. ("Other
    // files" hold no messages, so it begins their line: "Uploaded".)
    const [newest, first] = await uploads(EXPORT);
    assert.ok(newest && first);
    const items = await source.getByRole('listitem').allInnerTexts();
    for (const [i, version] of [newest, first].entries()) {
      const text = `U${version.text.slice(1)} · 11 files · this computer`;
      assert.ok(items[i]?.includes(text), `${items[i]} says ${text}`);
    }
    assert.ok(newest.storedBytes < first.storedBytes / 10, 'the changed version uploaded little');
    await page.getByRole('img', { name: /Vault size over time/ }).waitFor();
    await checkScreen(page, 'history');
  });

  test('everything, byte for byte, into a new folder; then "Show in folder"', async () => {
    const { page } = app;
    await page.getByRole('navigation').getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('heading', { name: 'Which chat do you want to restore?' }).waitFor();
    await checkScreen(page, 'restore-source');
    await page.getByRole('radio', { name: /^ChatExport/ }).check();
    await next(page);
    await page.getByRole('heading', { name: /Which version/ }).waitFor();
    await page.getByRole('radio').first().check();
    await checkScreen(page, 'restore-version');
    await next(page);
    await page.getByText('This backup was made on this computer').waitFor();
    await checkScreen(page, 'restore-unlock');
    await next(page);
    await page.getByRole('radio', { name: /Everything/ }).waitFor();
    assert.ok(await page.getByRole('radio', { name: /Everything/ }).isChecked());
    assert.match(await page.locator('main').innerText(), /11 files/);
    await checkScreen(page, 'restore-contents');
    await next(page);
    await page.getByRole('heading', { name: 'Where to restore' }).waitFor();
    assert.ok(await page.getByRole('button', { name: 'Start restore' }).isDisabled(), 'no folder picked yet');
    await pickParent();
    const name = await page.getByLabel('Name of the new folder').inputValue();
    assert.match(name, /^ChatExport_2026-11-26 \(restored \d{4}-\d{2}-\d{2}\)$/);
    await checkScreen(page, 'restore-destination');
    await page.getByRole('button', { name: 'Start restore' }).click();
    await page.getByRole('heading', { name: 'Your chat is back' }).waitFor();
    assert.match(await page.locator('main').innerText(), /Verified: this backup is authentic/);
    await checkScreen(page, 'restore-done');

    const destination = join(restores, name);
    assert.deepEqual(await readdir(restores), [name]);
    await assertSameTree(join(destination, EXPORT), exportPath);
    await page.getByRole('button', { name: 'Show in folder' }).click();
    await page.waitForFunction(() => true);
    assert.deepEqual(app.dialogs.shownInFolder, [destination]);
  });

  test('a destination that exists is refused; chosen files and folders only are restored', async () => {
    const { page } = app;
    await openVersion('ChatExport', 0);
    await page.getByRole('radio', { name: 'Only the files and folders I choose' }).check();
    const tree = page.getByRole('group', { name: 'Files and folders in the backup' });
    await tree.getByRole('checkbox', { name: /photos/ }).check();
    await tree.getByRole('checkbox', { name: /^messages\.html/ }).check();
    const root = tree.getByRole('checkbox', { name: new RegExp(`^${EXPORT}`) });
    assert.equal(
      await root.evaluate((box) => (box as unknown as { indeterminate: boolean }).indeterminate),
      true,
    );
    await tree.getByRole('button', { name: 'Open photos' }).click();
    await tree.getByRole('checkbox', { name: /exactly-64KiB\.jpg/ }).waitFor();
    assert.ok(
      await tree.getByRole('checkbox', { name: /large\.mp4/ }).isChecked(),
      'a checked folder checks its files',
    );
    await checkScreen(page, 'restore-contents-chosen');
    await next(page);
    await pickParent();
    const before = await readdir(restores);
    await page.getByRole('button', { name: 'Start restore' }).click();
    await page.getByRole('heading', { name: 'The restore did not work' }).waitFor();
    assert.match(await page.getByRole('alert').innerText(), /The destination folder already exists/);
    assert.deepEqual(await readdir(restores), before, 'nothing written');
    await checkScreen(page, 'restore-error-exists');

    await page.getByRole('button', { name: 'Choose another destination' }).click();
    await page.getByLabel('Name of the new folder').fill('Photos and messages');
    await page.getByRole('button', { name: 'Start restore' }).click();
    await page.getByRole('heading', { name: 'Your chat is back' }).waitFor();
    const restored = join(restores, 'Photos and messages', EXPORT);
    assert.deepEqual((await readdir(restored)).sort(), ['messages.html', 'photos']);
    assert.deepEqual((await readdir(join(restored, 'photos'))).sort(), ['exactly-64KiB.jpg', 'large.mp4']);
    for (const file of ['messages.html', 'photos/large.mp4', 'photos/exactly-64KiB.jpg'])
      assert.ok((await readFile(join(restored, file))).equals(await readFile(join(exportPath, file))), file);
  });

  test('a restore shows its progress and can be cancelled, leaving nothing behind', async () => {
    const { page } = app;
    const big = join(vault.watch, 'Telegram Family');
    await mkdir(big);
    const file = await open(join(big, 'video.mp4'), 'w');
    for (let written = 0; written < BIG_BYTES; written += 64 * 1024 * 1024)
      await file.write(randomBytes(64 * 1024 * 1024));
    await file.close();
    await page.getByRole('navigation').getByRole('button', { name: 'Backups' }).click();
    await page.getByRole('button', { name: 'Back up now' }).click();
    await page.getByRole('heading', { name: 'Backing up Telegram Family' }).waitFor({ timeout: 60_000 });
    await page.getByRole('progressbar', { name: 'Backup progress' }).waitFor();
    // What was read of the export, and what is new so far (random bytes: all of it, a pack at a time).
    const status = page.locator('.status-panel');
    assert.match(await status.innerText(), /Only what is new goes into the cloud folder/);
    const detail = status.locator('.progress-detail');
    await detail.filter({ hasText: /· [1-9][\d.,]* (KB|MB|GB) new so far/ }).waitFor({ timeout: 60_000 });
    assert.match(
      await detail.innerText(),
      /^Reading [\d.,]+ (bytes|KB|MB) of [\d.,]+ MB · [\d.,]+ (bytes|KB|MB) new so far · [\d.,]+ (bytes|KB|MB)\/s$/,
    );
    await checkScreen(page, 'history-backing-up');
    assert.ok(
      await page.getByRole('progressbar', { name: 'Backup progress' }).isVisible(),
      'still backing up',
    );
    await page.getByRole('region', { name: 'Telegram Family', exact: true }).waitFor({ timeout: 120_000 });

    await openVersion('Telegram Family', 0);
    await next(page);
    await pickParent();
    const before = await readdir(restores);
    // Held before its first pack, the restore is still running when Cancel is clicked.
    const release = app.holdRestores();
    await page.getByRole('button', { name: 'Start restore' }).click();
    await page.getByRole('heading', { name: 'Restoring…' }).waitFor();
    await page.getByText(/0 bytes of .* MB/).waitFor();
    await checkScreen(page, 'restore-progress');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Cancelling…' }).waitFor();
    release();
    await page.getByRole('heading', { name: 'Restore cancelled' }).waitFor({ timeout: 60_000 });
    assert.match(await page.locator('main').innerText(), /Nothing was written/);
    assert.deepEqual(await readdir(restores), before, 'no folder, no staging leftovers');
  });

  test('the wrong recovery kit is refused in plain words', async () => {
    const other = await openApp(browser, { device: 'stranger' });
    try {
      const strangerCloud = join(other.userHome, 'Dropbox');
      const kit = await other.engine.call('setup:createKeys', {
        watchDir: join(other.userHome, 'w'),
        cloudDir: strangerCloud,
      });
      const { page } = app;
      await page.getByRole('navigation').getByRole('button', { name: 'Restore' }).click();
      await page.getByRole('radio', { name: /^ChatExport/ }).check();
      await next(page);
      await page.getByRole('radio').first().check();
      await next(page);
      await page.getByRole('button', { name: 'Use the recovery kit instead' }).click();
      await page.getByLabel("Or paste the kit's text").fill(kit.text);
      await page.getByRole('button', { name: 'Use the pasted kit' }).click();
      await page.getByRole('alert').getByText('That kit cannot be used').waitFor();
      assert.match(await page.getByRole('alert').innerText(), /belongs to another vault/);
      await checkScreen(page, 'restore-wrong-kit');
      // The vault's own kit is accepted.
      await page.getByLabel("Or paste the kit's text").fill(vault.kitText);
      await page.getByRole('button', { name: 'Use the pasted kit' }).click();
      await page.getByText('Your recovery kit is loaded').waitFor();
    } finally {
      await other.close();
    }
  });

  test('a damaged pack whose chunks another pack holds: the restore reads around it and says so', async () => {
    const { page } = app;
    const [newest] = await versionIds(EXPORT);
    assert.ok(newest);
    // As when another device stored the same chunks at once: a second pack holds a copy of every chunk of
    // the export, written with this vault's keys (the window's device is the only one here).
    const device = await openDevice(app.home);
    const writer = new PackWriter(device.vault, new ChunkStore(), {
      recipients: device.secrets.recipients.map((r) => r.recipient),
      indexRecipients: await recordRecipients(device),
      authKey: device.secrets.authKey,
      backupId: newBackupId(new Date(Date.now() + 60_000)),
    });
    const keys = chunkKeys(device.secrets.authKey);
    const ids = new Set<string>();
    for (const e of (await walkExport(exportPath)).entries)
      if (e.type === 'file')
        for await (const chunk of fileChunks(e.absPath, keys)) {
          ids.add(chunk.id);
          await writer.add(chunk.id, chunk.data as Buffer);
        }
    await writer.finish();
    // Every other pack holding one of those chunks is damaged (flipped back afterwards).
    const store = await ChunkStore.load(device.vault, deviceIdentities(device), device.secrets.authKey);
    const damaged = [...store.byPack]
      .filter(
        ([pack, entries]) => !writer.packs.includes(pack) && entries.some((e) => ids.has(chunkIdOf(e.name))),
      )
      .map(([pack]) => device.vault.paths.pack(pack));
    assert.ok(damaged.length > 0);
    for (const path of damaged) await flipBytes(path);
    try {
      await openVersion(EXPORT, 0);
      await page.getByRole('radio', { name: /Everything/ }).waitFor();
      await next(page);
      await pickParent();
      await page.getByLabel('Name of the new folder').fill('Read around');
      await page.getByRole('button', { name: 'Start restore' }).click();
      await page.getByRole('heading', { name: 'Your chat is back' }).waitFor();
      const text = await page.locator('main').innerText();
      assert.match(
        text,
        /damaged, not authentic or unreadable here; every file was restored from other packs/,
      );
      await assertSameTree(join(restores, 'Read around', EXPORT), exportPath);
    } finally {
      for (const path of damaged) await flipBytes(path);
      for (const pack of writer.packs)
        for (const path of [device.vault.paths.pack(pack), device.vault.paths.index(pack)]) await rm(path);
    }
  });

  test('a corrupted backup shows a clear error and writes nothing', async () => {
    const { page } = app;
    const [newest, older] = await versionIds(EXPORT);
    assert.ok(newest && older);
    const data = (id: string) => backupObject(vault.cloud, id);
    const before = await readdir(restores);

    // Damaged before the wizard opens it: listing its files finds it.
    await flipBytes(data(newest));
    await page.getByRole('navigation').getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('radio', { name: /^ChatExport/ }).check();
    await next(page);
    await page.getByRole('radio').first().check();
    await next(page);
    await next(page);
    await page.getByRole('alert').getByText('This backup is damaged').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /Choose an older version/);
    await checkScreen(page, 'restore-error-damaged');

    // Damaged after it was listed: the restore itself finds it, and nothing appears.
    await page.getByRole('button', { name: 'Choose another version' }).click();
    await page.getByRole('radio').nth(1).check();
    await next(page);
    await next(page);
    await page.getByRole('radio', { name: /Everything/ }).waitFor();
    await next(page);
    await pickParent();
    await page.getByLabel('Name of the new folder').fill('Older version');
    await flipBytes(data(older));
    await page.getByRole('button', { name: 'Start restore' }).click();
    await page.getByRole('heading', { name: 'The restore did not work' }).waitFor();
    const alert = await page.getByRole('alert').innerText();
    assert.match(alert, /This backup is damaged/);
    assert.match(alert, /Nothing was (written|restored)/);
    await checkScreen(page, 'restore-failed');
    assert.deepEqual(await readdir(restores), before, 'nothing written');
    assert.equal(await stat(join(restores, 'Older version')).catch(() => null), null);
    assert.deepEqual(app.problems, []);
  });
});
