// First run in the real window: folders, keys, the recovery kit (saved, printed to PDF, its QR code),
// the kit check; an export dropped into the watch folder appears in the history, and the saved kit
// opens its backup with nothing but the age CLI. Then a second device joins with the pasted kit and
// restores that backup with the kit loaded from its file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import jsQRModule from 'jsqr';
import type { Browser } from 'playwright-core';
import { PNG } from 'pngjs';
import qrcode from 'qrcode-generator';
import { storedZip } from '../helpers/zip.js';
import { challengeAnswer, heading } from './first-run-steps.js';
import { type AppUnderTest, launchBrowser, openApp } from './harness.js';
import { checkScreen, SCREENSHOTS } from './screen-check.js';

const SEQUENTIAL = { concurrency: 1, timeout: 180_000 };
const EXPORT = 'WhatsApp Chat - Alice.zip';

/** The dark modules of a QR code drawn as "M{x} {y}h1v1h-1z" squares, as "x,y" strings. */
function modulesOfPath(d: string): Set<string> {
  return new Set([...d.matchAll(/M(\d+) (\d+)h1v1h-1z/g)].map((m) => `${m[1]},${m[2]}`));
}

/** The dark modules qrcode-generator makes for `text` (byte mode, level M), offset by a 4-module quiet zone. */
function expectedModules(text: string): Set<string> {
  const code = qrcode(0, 'M');
  code.addData(text, 'Byte');
  code.make();
  const out = new Set<string>();
  for (let row = 0; row < code.getModuleCount(); row++)
    for (let col = 0; col < code.getModuleCount(); col++)
      if (code.isDark(row, col)) out.add(`${col + 4},${row + 4}`);
  return out;
}

describe('first run', SEQUENTIAL, () => {
  let browser: Browser;
  let root: string;
  let a: AppUnderTest;
  let kitPath: string;
  let kitText: string;
  let watch: string;
  let cloud: string;
  let zip: Buffer;

  before(async () => {
    browser = await launchBrowser();
    root = await mkdtemp(join(tmpdir(), 'puddleproof-window-first-run-'));
    a = await openApp(browser, { root, device: 'alex' });
    kitPath = join(root, 'Puddleproof recovery kit.txt');
    cloud = join(a.userHome, 'Dropbox');
    watch = join(a.userHome, 'Chats to back up');
  });

  after(async () => {
    await a?.close();
    await browser?.close();
    await rm(root, { recursive: true, force: true });
  });

  test('folders: the default export folder and the Dropbox folder found on this machine are offered', async () => {
    const { page } = a;
    await heading(page, 'Set up Puddleproof');
    assert.match(await page.locator('main').innerText(), /mud puddle|lose every device/i);
    assert.ok(await page.getByText(join(a.userHome, 'Chat exports')).isVisible(), 'default export folder');
    assert.ok(await page.getByRole('radio', { name: /Dropbox/ }).isChecked(), 'Dropbox offered and chosen');
    await page.getByLabel('Name of this computer').fill("Alex's laptop");
    await checkScreen(page, 'setup-folders');

    await mkdir(watch, { recursive: true });
    a.dialogs.answerFolder('watch', watch);
    await page.getByRole('button', { name: /Choose another folder.*Export folder/ }).click();
    await page.getByText(watch, { exact: true }).waitFor();
  });

  test('keys: the recovery kit shows its text and a QR code of its key lines', async () => {
    const { page } = a;
    await page.getByRole('button', { name: 'Create my keys' }).click();
    await heading(page, 'Your recovery kit');
    const shown = await page.locator('.kit-text').innerText();
    assert.match(shown, /AGE-SECRET-KEY-1/);
    assert.equal(await stat(join(cloud, 'Puddleproof')).catch(() => null), null, 'no vault before the check');
    await checkScreen(page, 'setup-kit');

    // Cancelling the save dialog saves nothing; choosing a file writes the kit shown.
    await page.getByRole('button', { name: 'Save…' }).click();
    await page.waitForFunction(() => true);
    assert.deepEqual(a.dialogs.shown.slice(-1), ['saveKitPath']);
    assert.equal(await page.getByText('Saved to').count(), 0);
    a.dialogs.answerKitSave(kitPath);
    await page.getByRole('button', { name: 'Save…' }).click();
    await page.getByText('Saved to').waitFor();
    kitText = await readFile(kitPath, 'utf8');
    assert.equal(kitText.trimEnd(), shown.trimEnd());

    const keyLines = kitText.slice(kitText.indexOf('# puddleproof-auth-key: ')).trimEnd();
    const d =
      (await page.locator('svg[aria-label="QR code of the recovery key"] path').getAttribute('d')) ?? '';
    assert.deepEqual(modulesOfPath(d), expectedModules(keyLines), 'the QR code holds the key lines');
    // And a QR reader (jsQR) scanning the rendered code, as a phone would, reads the key lines back.
    const shot = PNG.sync.read(
      await page.locator('svg[aria-label="QR code of the recovery key"]').screenshot({ scale: 'device' }),
    );
    const scanned = jsQRModule.default(new Uint8ClampedArray(shot.data), shot.width, shot.height);
    assert.equal(scanned?.data, keyLines, 'the scanned QR code is the kit’s key lines');
  });

  test('print: only the kit is printed, on one page', async () => {
    const { page } = a;
    await page.emulateMedia({ media: 'print' });
    assert.ok(await page.locator('.kit-text').isVisible());
    assert.ok(await page.locator('svg[aria-label="QR code of the recovery key"]').isVisible());
    for (const name of ['Save…', 'Print…', 'I have saved or printed it'])
      assert.equal(await page.getByRole('button', { name }).isVisible(), false, `${name} is not printed`);
    assert.equal(
      await page.getByText('Folders', { exact: true }).isVisible(),
      false,
      'the step list is not printed',
    );
    await page.screenshot({
      path: join(SCREENSHOTS, 'setup-kit-print.png'),
    });
    const pdf = await page.pdf({ format: 'A4' });
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    assert.equal(pdf.toString('latin1').match(/\/Type\s*\/Page\b/g)?.length, 1, 'one page');
    await page.emulateMedia({ media: 'screen' });
    // The button calls the browser's print (headless Chromium returns at once).
    await page.getByRole('button', { name: 'Print…' }).click();
  });

  test('check: a wrong answer is refused with what to do; the right one creates the vault', async () => {
    const { page } = a;
    await page.getByRole('button', { name: 'I have saved or printed it' }).click();
    await heading(page, 'Check your recovery kit');
    await checkScreen(page, 'setup-check');
    await page.getByRole('textbox').fill('ZZZZZZ');
    await page.getByRole('button', { name: 'Check and start backups' }).click();
    await page.getByRole('alert').getByText('That does not match your kit').waitFor();
    assert.equal(await stat(join(cloud, 'Puddleproof')).catch(() => null), null, 'still no vault');
    await checkScreen(page, 'setup-check-wrong');

    await page.getByRole('textbox').fill(challengeAnswer(kitText).toLowerCase());
    await page.getByRole('button', { name: 'Check and start backups' }).click();
    await heading(page, 'Backups');
    assert.ok((await stat(join(cloud, 'Puddleproof', 'vault.json'))).isFile());
    await page.getByRole('heading', { name: 'Watching for new exports' }).waitFor();
    assert.match(
      await page.locator('.status-panel').innerText(),
      new RegExp(watch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
    );
    await checkScreen(page, 'history-empty');
  });

  test('an export dropped into the watch folder appears in the history, on its own', async () => {
    const { page } = a;
    zip = storedZip([
      ['WhatsApp Chat with Alice.txt', Buffer.from('26/11/2026, 09:00 - Alice: See you at the old mill\n')],
      ['IMG-20261126-WA0001.jpg', randomBytes(300_000)],
    ]);
    await writeFile(join(watch, EXPORT), zip);
    // The quiet period (10 s by default) passes, then the backup runs and the history updates itself.
    const source = page.getByRole('region', { name: 'Alice', exact: true });
    await source.waitFor({ timeout: 60_000 });
    const item = await source.getByRole('listitem').innerText();
    assert.match(item, /1 file\b/);
    assert.match(item, /this computer/);
    assert.match(item, /Not verified yet/);
    await page.getByRole('heading', { name: 'Up to date' }).waitFor();
    const chart = page.getByRole('region', { name: 'Vault size' });
    // The vault's folder: the backup's objects (320 KB) and the vault's own records and restore guide.
    assert.match(await chart.innerText(), /3\d\d\.\d KB[\s\S]*fills in as more backups are made/);
    await checkScreen(page, 'history-first-backup');
  });

  test('the saved kit restores the backup with age, tar and the vault’s restore script alone', async () => {
    const out = join(root, 'opened-with-age');
    execFileSync('sh', [join(cloud, 'Puddleproof', 'restore-with-age.sh'), kitPath, cloud, out]);
    assert.ok((await readFile(join(out, EXPORT))).equals(zip), 'the zip comes back byte for byte');
  });

  test('the window ran under the production CSP without a violation, and the CSP refuses inline code', async () => {
    assert.deepEqual(a.problems, []);
    await a.page.evaluate(() => {
      type Doc = { createElement(t: string): { textContent: string }; body: { append(n: unknown): void } };
      const doc = (globalThis as unknown as { document: Doc }).document;
      const script = doc.createElement('script');
      script.textContent = 'globalThis.inlineRan = true';
      doc.body.append(script);
    });
    assert.equal(await a.page.evaluate(() => 'inlineRan' in globalThis), false, 'inline script blocked');
    assert.ok(
      a.problems.some((p) => /Content Security Policy|CSP violation/.test(p)),
      a.problems.join('\n'),
    );
    a.problems.length = 0;
  });

  test('a second device joins with the pasted kit and restores the first one’s backup with the kit file', async () => {
    const b = await openApp(browser, { root, device: 'sam', cloudFolders: [] });
    try {
      const { page } = b;
      await heading(page, 'Set up Puddleproof');
      await page.getByRole('button', { name: 'I already have a vault' }).click();
      await heading(page, 'Use an existing vault');
      assert.match(
        await page.locator('main').innerText(),
        /No Dropbox, iCloud Drive, OneDrive or Google Drive folder/,
      );
      b.dialogs.answerFolder('cloud', cloud);
      await page.getByRole('button', { name: 'Choose another folder…' }).click();
      await page.getByRole('radio', { name: /Chosen folder/ }).waitFor();
      assert.ok(await page.getByRole('radio', { name: /Chosen folder/ }).isChecked());

      // A damaged kit is refused in plain words, and nothing is set up.
      await page.getByRole('radio', { name: "Paste the kit's text" }).check();
      await page.getByLabel('Kit text').fill(kitText.replace(/AGE-SECRET-KEY-1\w+\n?$/, ''));
      await page.getByRole('button', { name: 'Join the vault' }).click();
      await page.getByRole('alert').getByText('Could not join the vault').waitFor();
      assert.match(await page.getByRole('alert').innerText(), /not a Puddleproof recovery kit|damaged/);

      await page.getByLabel('Kit text').fill(kitText);
      await checkScreen(page, 'setup-join');
      await page.getByRole('button', { name: 'Join the vault' }).click();
      await heading(page, 'Backups');
      const source = page.getByRole('region', { name: 'Alice', exact: true });
      await source.waitFor();
      assert.match(await source.innerText(), /Alex's laptop/);

      // Restore it here: made on another device, so the wizard asks for the kit (loaded from its file).
      await source.getByRole('button', { name: /Restore the backup of/ }).click();
      await page.getByRole('heading', { name: 'Unlock the backup' }).waitFor();
      assert.match(await page.locator('main').innerText(), /made on Alex's laptop/);
      assert.ok(await page.getByRole('button', { name: 'Next' }).isDisabled(), 'no key yet');
      await checkScreen(page, 'restore-unlock-kit');
      b.dialogs.answerKitOpen(kitPath);
      await page.getByRole('button', { name: 'Open the kit file…' }).click();
      await page.getByText('Your recovery kit is loaded').waitFor();
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('heading', { name: 'What to restore' }).waitFor();
      await page.getByRole('radio', { name: /Everything/ }).waitFor();
      await page.getByRole('button', { name: 'Next' }).click();
      const restores = join(root, 'sam', 'restored');
      await mkdir(restores);
      b.dialogs.answerFolder('restoreDestination', restores);
      await page.getByRole('button', { name: /Choose folder/ }).click();
      await page.getByText(restores, { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Start restore' }).click();
      await page.getByRole('heading', { name: 'Your chat is back' }).waitFor();
      const [folder] = await readdir(restores);
      assert.match(folder ?? '', /^WhatsApp Chat - Alice \(restored \d{4}-\d{2}-\d{2}\)$/);
      assert.ok((await readFile(join(restores, folder ?? '', EXPORT))).equals(zip));
      assert.deepEqual(b.problems, []);
    } finally {
      await b.close();
    }
  });
});
