// Drives first-run setup through the window as a person would: Dropbox as the cloud folder, the
// default export folder, the kit saved with "Save…", and the kit check typed from the saved file.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { storedZip } from '../helpers/zip.js';
import { type AppUnderTest, openApp } from './harness.js';

export interface SetUpVault {
  kitPath: string;
  kitText: string;
  cloud: string;
  watch: string;
}

/** What the kit check asks for: the last 6 characters of the kit's last line (the recovery key). */
export function challengeAnswer(kitText: string): string {
  const lines = kitText.trimEnd().split('\n');
  return (lines.at(-1) ?? '').slice(-6);
}

/** Waits for a screen's main heading. */
export async function heading(page: Page, name: string | RegExp): Promise<void> {
  await page.getByRole('heading', { name }).first().waitFor();
}

export async function completeFirstRun(app: AppUnderTest): Promise<SetUpVault> {
  const { page } = app;
  const cloud = join(app.userHome, 'Dropbox');
  const watch = join(app.userHome, 'Chat exports');
  const kitPath = join(app.root, `${app.home.split('/').at(-2)}-kit.txt`);
  await heading(page, 'Set up Puddleproof');
  await page.getByRole('radio', { name: /Dropbox/ }).check();
  await page.getByRole('button', { name: 'Create my keys' }).click();
  await heading(page, 'Your recovery kit');
  app.dialogs.answerKitSave(kitPath);
  await page.getByRole('button', { name: 'Save…' }).click();
  await page.getByText('Saved to').waitFor();
  const kitText = await readFile(kitPath, 'utf8');
  await page.getByRole('button', { name: 'I have saved or printed it' }).click();
  await heading(page, 'Check your recovery kit');
  await page.getByRole('textbox').fill(challengeAnswer(kitText));
  await page.getByRole('button', { name: 'Check and start backups' }).click();
  await heading(page, 'Backups');
  assert.ok(kitText.includes('AGE-SECRET-KEY-'));
  return { kitPath, kitText, cloud, watch };
}

/** A set-up app (device "alex") whose history holds one WhatsApp chat, Dana, backed up. */
export async function appWithOneChat(browser: Browser): Promise<{ app: AppUnderTest; vault: SetUpVault }> {
  const app = await openApp(browser, { device: 'alex' });
  const vault = await completeFirstRun(app);
  await app.engine.call('settings:update', { quietSeconds: 1 });
  await writeFile(
    join(vault.watch, 'WhatsApp Chat - Dana.zip'),
    storedZip([
      ['_chat.txt', Buffer.from('[01.12.26, 10:00:00] Dana: hello\n[01.12.26, 10:01:00] Sam: hi\n')],
    ]),
  );
  // The chat's own region (the status panel's name says "Dana" too while it is being backed up).
  await app.page.getByRole('region', { name: 'Dana', exact: true }).waitFor({ timeout: 60_000 });
  return { app, vault };
}
