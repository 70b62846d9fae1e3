// Chats in the real window, from real exports (the generators of test/helpers/chat-exports): two
// versions of a WhatsApp chat and a Telegram chat are shown by their titles and apps, with the message
// counts, the dates of the first and last message, the media, the people and "+N messages since the
// previous version"; the restore wizard previews the last messages of the chosen version (and says so
// when they cannot be read); backups made before chats were recognised are "Not identified yet" until
// the engine has identified them from their content.
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { openDevice } from '../../src/core/device.js';
import { recordIdentitiesOf } from '../../src/core/keys/record-keys.js';
import { recipientOf } from '../../src/core/keys/vault-secrets.js';
import {
  type BackupMetadata,
  decryptMetadata,
  encryptMetadata,
  signMetadata,
  verifyMetadata,
} from '../../src/core/vault/metadata.js';
import {
  type ChatModel,
  expectedSummary,
  growChat,
  makeChat,
  writeTelegramJson,
  writeWhatsAppIos,
} from '../helpers/chat-exports/index.js';
import { flipBytes } from '../helpers/damage.js';
import { completeFirstRun, heading, type SetUpVault } from './first-run-steps.js';
import { type AppUnderTest, launchBrowser, openApp } from './harness.js';
import { checkScreen } from './screen-check.js';

const SEQUENTIAL = { concurrency: 1, timeout: 300_000 };

const alice = makeChat({
  title: 'Alice',
  participants: ['Alice', 'Bob', 'Carol', 'Dan', 'Eve'],
  count: 60,
  start: new Date('2021-03-12T08:00:00Z'),
  seed: 7,
});
const aliceLater = growChat(alice, 25, 8);
const bookClub = makeChat({
  title: 'Book club',
  participants: ['Maya', 'Jon', 'Priya'],
  count: 45,
  start: new Date('2024-06-01T18:00:00Z'),
  seed: 11,
});

/** The first line of the last message people wrote as text (what the preview must end with). */
function lastText(chat: ChatModel): string {
  const last = chat.messages.filter((m) => !m.system && !m.media).at(-1);
  assert.ok(last);
  return last.text.split('\n')[0] ?? '';
}

describe('chats', SEQUENTIAL, () => {
  let browser: Browser;
  let app: AppUnderTest;
  let vault: SetUpVault;

  /** The page's own locale, so that dates are expected as the window writes them. */
  async function dateRange(first: string, last: string): Promise<string> {
    const locale = await app.page.evaluate(
      () => (globalThis as unknown as { navigator: { language: string } }).navigator.language,
    );
    // WhatsApp writes wall-clock times without a zone (here UTC ones): shown as written.
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).formatRange(
      new Date(first),
      new Date(last),
    );
  }

  async function backUpNow(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Back up now' }).click();
  }

  function chat(page: Page, title: string): Locator {
    return page.getByRole('region', { name: title, exact: true });
  }

  async function openVersionStep(page: Page, title: RegExp): Promise<void> {
    await page.getByRole('navigation').getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('heading', { name: 'Which chat do you want to restore?' }).waitFor();
    await page.getByRole('radio', { name: title }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: /Which version/ }).waitFor();
  }

  before(async () => {
    browser = await launchBrowser();
    app = await openApp(browser, { device: 'alex' });
    vault = await completeFirstRun(app);
  });

  after(async () => {
    await app?.close();
    await browser?.close();
  });

  test('each chat by its title and app, with messages, dates, media, people and the change per version', async () => {
    const { page } = app;
    await writeWhatsAppIos(vault.watch, alice, { zip: true });
    await writeTelegramJson(vault.watch, bookClub, { id: 4_242_001 });
    await backUpNow(page);
    await chat(page, 'Alice').waitFor({ timeout: 60_000 });
    await chat(page, 'Book club').waitFor({ timeout: 60_000 });
    await page.getByRole('heading', { name: 'Up to date' }).waitFor({ timeout: 60_000 });

    // A later export of the same chat, under the same name: a second version of "Alice".
    await writeWhatsAppIos(vault.watch, aliceLater, { zip: true });
    await backUpNow(page);
    const aliceRegion = chat(page, 'Alice');
    await aliceRegion.getByRole('listitem').nth(1).waitFor({ timeout: 60_000 });
    await page.getByRole('heading', { name: 'Up to date' }).waitFor();

    const expected = expectedSummary(aliceLater);
    const text = await aliceRegion.innerText();
    assert.match(text, /WhatsApp/);
    assert.match(text, /2 versions/);
    assert.match(text, new RegExp(`Messages\\s+${expected.messages} messages`));
    assert.ok(expected.first && expected.last);
    assert.ok(text.includes(await dateRange(expected.first, expected.last)), text);
    assert.match(text, new RegExp(`Media\\s+${expected.media} files ·`));
    assert.match(text, /People\s+[^\n]+ \+2 more/);
    const [newest, older] = await aliceRegion.getByRole('listitem').allInnerTexts();
    assert.match(newest ?? '', /\+25 messages since the previous version/);
    assert.match(newest ?? '', new RegExp(`${expected.messages} messages ·`));
    // What each version uploaded of its export's size: a zip of a grown chat is new as a whole.
    for (const item of [newest, older])
      assert.match(item ?? '', / messages · uploaded [\d.,]+ (bytes|KB|MB) of [\d.,]+ (bytes|KB|MB) · /);
    assert.doesNotMatch(
      older ?? '',
      /since the previous version|fewer/,
      'the first version compares with none',
    );
    assert.match(older ?? '', new RegExp(`${expectedSummary(alice).messages} messages ·`));

    const club = await chat(page, 'Book club').innerText();
    assert.match(club, /Telegram/);
    assert.match(club, /1 version\b/);
    assert.match(club, new RegExp(`Messages\\s+${expectedSummary(bookClub).messages} messages`));
    assert.match(club, /People\s+[^\n]*(Maya|Jon|Priya)/);
    // The titles are the chats', not the exports' names.
    assert.equal(await chat(page, 'WhatsApp Chat - Alice.zip').count(), 0);
    await aliceRegion.scrollIntoViewIfNeeded();
    await checkScreen(page, 'history-chats');
  });

  test('the restore wizard lists chats by title and app and previews the chosen version’s last messages', async () => {
    const { page } = app;
    await page.getByRole('navigation').getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('heading', { name: 'Which chat do you want to restore?' }).waitFor();
    const choice = page.getByRole('radio', { name: /^Alice — WhatsApp/ });
    assert.match(
      (await page.locator('label', { has: choice }).innerText()).replace(/\s+/g, ' '),
      new RegExp(`${expectedSummary(aliceLater).messages} messages · 2 versions`),
    );
    await page.getByRole('radio', { name: /^Book club — Telegram/ }).waitFor();
    await checkScreen(page, 'restore-source-chats');
    await choice.check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: /Which version of “Alice”/ }).waitFor();
    await page.getByText('Choose a version to see its last messages.').waitFor();

    await page.getByRole('radio').first().check();
    const preview = page.getByRole('list', { name: 'Last messages in this version' });
    await preview.getByRole('listitem').first().waitFor();
    assert.equal(await preview.getByRole('listitem').count(), 20, 'the last 20 messages');
    const shown = await preview.innerText();
    assert.ok(shown.includes(lastText(aliceLater)), shown);
    assert.ok(!shown.includes(lastText(alice)) || lastText(alice) === lastText(aliceLater));
    // Each message has its sender and its time.
    const lastItem = preview.getByRole('listitem').last();
    const time = lastItem.locator('time');
    assert.match((await time.getAttribute('datetime')) ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d/);
    assert.ok(alice.participants.some((name) => shown.includes(name)));
    await checkScreen(page, 'restore-version-preview');

    // The older version shows its own last messages.
    await page.getByRole('radio').nth(1).check();
    await page.getByRole('list', { name: 'Last messages in this version' }).waitFor();
    await preview.getByText(lastText(alice), { exact: false }).first().waitFor();
    assert.ok(!(await preview.innerText()).includes(lastText(aliceLater)));

    // The preview goes before the user continues: Next leads on to unlocking.
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: 'Unlock the backup' }).waitFor();
  });

  test('a version whose messages cannot be read says why, in plain words', async () => {
    const { page } = app;
    const history = await app.engine.call('history:list', undefined);
    const versions = history.sources.find((s) => s.source === 'Alice')?.versions ?? [];
    const older = versions[1];
    assert.ok(older);
    await openVersionStep(page, /^Alice/);
    await flipBytes(join(vault.cloud, 'Puddleproof', 'meta', `${older.id}.age`));
    await page.getByRole('radio').nth(1).check();
    await page.getByText(/The last messages cannot be shown: .*damaged/).waitFor();
    assert.ok(await page.getByRole('button', { name: 'Next' }).isEnabled());
    await checkScreen(page, 'restore-version-preview-failed');
    assert.deepEqual(app.problems, []);
  });
});

/** Rewrites every metadata object as a version without chat recognition wrote it (no `chat`). */
async function makeLegacy(home: string, cloud: string): Promise<void> {
  const { secrets } = await openDevice(home);
  const recipients = [
    ...secrets.recipients.map((r) => r.recipient),
    await recipientOf(secrets.indexIdentity),
  ];
  const metaDir = join(cloud, 'Puddleproof', 'meta');
  for (const name of await readdir(metaDir)) {
    const path = join(metaDir, name);
    const value = await decryptMetadata(await readFile(path), recordIdentitiesOf(secrets));
    const meta: BackupMetadata = verifyMetadata(value, secrets.authKey);
    const { chat: _dropped, ...legacy } = meta;
    const source = legacy.exportName.replace(/\.zip$/, '');
    await writeFile(
      path,
      await encryptMetadata(signMetadata({ ...legacy, source }, secrets.authKey), recipients),
    );
  }
}

describe('backups made before chats were recognised', SEQUENTIAL, () => {
  let browser: Browser;
  let app: AppUnderTest;
  let vault: SetUpVault;

  before(async () => {
    browser = await launchBrowser();
    app = await openApp(browser, { device: 'alex' });
    vault = await completeFirstRun(app);
  });

  after(async () => {
    await app?.close();
    await browser?.close();
  });

  test('are "Not identified yet", and kept, until the engine identifies them from their content', async () => {
    const { page } = app;
    await writeWhatsAppIos(vault.watch, alice, { zip: true });
    await page.getByRole('button', { name: 'Back up now' }).click();
    const region = page.getByRole('region', { name: 'Alice', exact: true });
    await region.waitFor({ timeout: 60_000 });
    await page.getByRole('heading', { name: 'Up to date' }).waitFor();

    // Paused, the engine identifies nothing: the vault is made as an older version wrote it.
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('heading', { name: 'Backups are paused' }).waitFor();
    await makeLegacy(app.home, vault.cloud);
    await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
    await heading(page, 'Settings');
    await page.getByRole('navigation').getByRole('button', { name: 'Backups' }).click();
    const legacy = page.getByRole('region', { name: 'WhatsApp Chat - Alice', exact: true });
    await legacy.waitFor();
    const text = await legacy.innerText();
    assert.match(text, /Not identified yet/);
    assert.match(text, /kept until then/);
    assert.doesNotMatch(text, /Messages/);
    await checkScreen(page, 'history-not-identified');

    // The engine reads the vault afresh when it starts watching again (a new quiet period does that);
    // resumed, it identifies the backup in the background and the window shows the chat again.
    await app.engine.call('settings:update', { quietSeconds: 11 });
    const identified = app.nextEvent('status:changed', (s) => s.identifying !== undefined);
    await page.getByRole('button', { name: 'Resume' }).click();
    await identified;
    await region.waitFor({ timeout: 60_000 });
    assert.match(await region.innerText(), /WhatsApp/);
    assert.equal(await legacy.count(), 0);
    assert.deepEqual(app.problems, []);
  });
});
