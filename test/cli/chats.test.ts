// Chats, not files, through the CLI: one chat across renamed exports, different chats never one (Telegram's
// twelve exports on one day included), retention by chat that never removes one chat's backup for
// another's, and bad input backed up byte for byte with a warning.
import assert from 'node:assert/strict';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ChatJson, cliJson, ONLY_KEEP_LAST } from '../helpers/chat-cli.js';
import {
  expectedSummary,
  growChat,
  makeChat,
  notAZip,
  writeTelegramJson,
  writeWhatsAppIos,
  zipBomb,
} from '../helpers/chat-exports/index.js';
import { makeSandbox, type Sandbox } from '../helpers/cli.js';

interface ListedJson {
  id: string;
  exportName: string;
  chat: string | null;
  title: string;
  platform: string | null;
  messages: number | null;
}

async function backUp(sb: Sandbox, path?: string): Promise<string> {
  const r = await sb.run(path ? ['backup', path] : ['backup']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout + r.stderr;
}

async function initialised(): Promise<Sandbox> {
  const sb = await makeSandbox();
  const r = await sb.run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit]);
  assert.equal(r.code, 0, r.stderr);
  return sb;
}

describe('one chat across renamed exports; two chats with one name stay two', () => {
  let sb: Sandbox;
  const start = new Date('2024-03-01T08:00:00Z');
  const alice1 = makeChat({ title: 'Alice', participants: ['Alice', 'Me'], count: 150, start, seed: 1 });
  const alice2 = growChat(alice1, 40, 2);
  const alice3 = growChat(alice2, 25, 3);
  // Another person saved under the same name: different messages.
  const otherAlice = makeChat({ title: 'Alice', participants: ['Alice', 'Me'], count: 90, start, seed: 99 });

  before(async () => {
    sb = await initialised();
  });
  after(() => sb.cleanup());

  test('versions under three file names are one chat with three versions', async () => {
    const first = await writeWhatsAppIos(sb.watch, alice1, { zip: true });
    assert.match(await backUp(sb), /stored WhatsApp Chat - Alice\.zip .*Alice — WhatsApp, 150 messages/);
    await rm(first);
    const second = await writeWhatsAppIos(sb.watch, alice2, {
      zip: true,
      fileName: 'WhatsApp Chat - Alice (1).zip',
    });
    await backUp(sb);
    await rm(second);
    const third = await writeWhatsAppIos(sb.watch, alice3, { zip: true });
    await rename(third, join(sb.watch, 'alice backup for grandma.zip'));
    await backUp(sb);
    const chats = await cliJson<ChatJson[]>(sb, ['chats']);
    assert.equal(chats.length, 1, JSON.stringify(chats));
    const [chat] = chats;
    const expected = expectedSummary(alice3);
    assert.deepEqual(
      {
        title: chat?.title,
        platform: chat?.platform,
        versions: chat?.versions,
        messages: chat?.messages,
        media: chat?.media,
      },
      {
        title: 'Alice',
        platform: 'whatsapp',
        versions: 3,
        messages: expected.messages,
        media: expected.media,
      },
    );
    assert.equal(chat?.first, expected.first?.replace('.000Z', ''));
    assert.equal(chat?.last, expected.last?.replace('.000Z', ''));
    const listed = await cliJson<ListedJson[]>(sb, ['list']);
    assert.deepEqual(
      listed.map((b) => [b.exportName, b.chat === chat?.id, b.messages]),
      [
        ['WhatsApp Chat - Alice.zip', true, expectedSummary(alice1).messages],
        ['WhatsApp Chat - Alice (1).zip', true, expectedSummary(alice2).messages],
        ['alice backup for grandma.zip', true, expected.messages],
      ],
    );
  });

  test('another chat with the same name is another chat', async () => {
    await rm(join(sb.watch, 'alice backup for grandma.zip'));
    await writeWhatsAppIos(sb.watch, otherAlice, { zip: true });
    await backUp(sb);
    const chats = await cliJson<ChatJson[]>(sb, ['chats']);
    assert.equal(chats.length, 2);
    assert.deepEqual(
      chats.map((c) => c.title),
      ['Alice', 'Alice'],
    );
    assert.deepEqual(chats.map((c) => c.versions).sort(), [1, 3]);
  });

  test('prune --dry-run names each removal’s chat; a lone version of a chat stays', async () => {
    const r = await sb.run(['prune', '--dry-run', '--keep-last', '1', ...ONLY_KEEP_LAST]);
    assert.equal(r.code, 0, r.stderr);
    const removals = r.stdout.split('\n').filter((l) => l.startsWith('remove '));
    assert.equal(removals.length, 2, r.stdout);
    for (const line of removals) assert.match(line, /^remove \S+ Alice — WhatsApp \S+$/);
    assert.match(r.stdout, /Dry run: would remove 2 of 4 backups/);
  });
});

describe('Telegram: twelve chats exported on one day are twelve chats', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await initialised();
    const start = new Date('2026-01-10T10:00:00Z');
    for (let i = 0; i < 12; i++) {
      const chat = makeChat({
        title: `Friend ${i % 3}`,
        participants: [`Friend ${i % 3}`, 'Me'],
        count: 20 + i,
        start,
        seed: 100 + i,
      });
      const folderName = i === 0 ? 'ChatExport_2026-11-26' : `ChatExport_2026-11-26 (${i})`;
      await writeTelegramJson(sb.watch, chat, { id: 5000 + i, folderName, withMedia: false });
    }
  });
  after(() => sb.cleanup());

  test('each is its own chat, even when two have one name; retention removes none of them', async () => {
    await backUp(sb);
    const chats = await cliJson<ChatJson[]>(sb, ['chats']);
    assert.equal(chats.length, 12);
    assert.ok(chats.every((c) => c.platform === 'telegram' && c.versions === 1));
    assert.deepEqual(
      chats.map((c) => c.messages).sort((a, b) => a - b),
      Array.from({ length: 12 }, (_, i) => 20 + i),
    );
    const r = await sb.run(['prune', '--keep-last', '1', ...ONLY_KEEP_LAST]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Removed 0 backups, kept 12/);
  });

  test('the same Telegram chat exported again into another folder name is the same chat', async () => {
    const again = makeChat({
      title: 'Friend 0',
      participants: ['Friend 0', 'Me'],
      count: 25,
      start: new Date('2026-01-10T10:00:00Z'),
      seed: 100,
    });
    await rm(join(sb.watch, 'ChatExport_2026-11-26'), { recursive: true });
    await writeTelegramJson(sb.watch, growChat(again, 5, 7), {
      id: 5000,
      folderName: 'Telegram – Friend 0',
      withMedia: false,
    });
    await backUp(sb);
    const chats = await cliJson<ChatJson[]>(sb, ['chats']);
    assert.equal(chats.length, 12);
    assert.equal(chats.find((c) => c.versions === 2)?.title, 'Friend 0');
  });
});

describe('bad input is backed up byte for byte, with a warning', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await initialised();
  });
  after(() => sb.cleanup());

  test('a zip bomb and a .zip that is not one: "Other files", restored byte for byte; an empty folder is nothing', async () => {
    const bomb = await zipBomb(sb.watch, 'WhatsApp Chat - Bomb.zip');
    const broken = await notAZip(sb.watch, 'WhatsApp Chat - Broken.zip');
    await mkdir(join(sb.watch, 'Empty export'));
    const out = await backUp(sb);
    assert.match(out, /warning: WhatsApp Chat - Bomb\.zip: .*zip bomb/);
    assert.match(out, /warning: WhatsApp Chat - Broken\.zip: .*not a zip file/);
    assert.doesNotMatch(out, /Empty export/);
    const listed = await cliJson<ListedJson[]>(sb, ['list']);
    assert.deepEqual(listed.map((b) => [b.exportName, b.platform]).sort(), [
      ['WhatsApp Chat - Bomb.zip', 'other'],
      ['WhatsApp Chat - Broken.zip', 'other'],
    ]);
    for (const b of listed) {
      const to = join(sb.root, `restored-${b.id}`);
      const r = await sb.run(['restore', b.id, '--to', to]);
      assert.equal(r.code, 0, r.stderr);
      const original = b.exportName.includes('Bomb') ? bomb : broken;
      assert.ok((await readFile(join(to, b.exportName))).equals(await readFile(original)), b.exportName);
    }
    const status = await cliJson<{ pending: string[] }>(sb, ['status']);
    assert.deepEqual(status.pending, [], 'the empty folder is not waiting to be backed up');
  });
});
