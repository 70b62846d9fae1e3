// Every format and locale the generators write, recognised with the right platform, title, counts,
// dates and media; bad input is "Other files" with a warning and never an exception.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { recogniseExport } from '../../../src/core/chats/recognize.js';
import {
  type ChatModel,
  expectedSummary,
  hugeLine,
  LOCALES,
  latin1Chat,
  makeChat,
  notAZip,
  utf16Chat,
  writeDiscordJson,
  writeTelegramHtml,
  writeTelegramJson,
  writeTruncated,
  writeWhatsAppAndroid,
  writeWhatsAppIos,
  zipBomb,
} from '../../helpers/chat-exports/index.js';

const KEY = Buffer.alloc(32, 3);
const root = await mkdtemp(join(tmpdir(), 'puddleproof-formats-'));
after(() => rm(root, { recursive: true, force: true }));
let n = 0;
const fresh = async () => {
  const dir = join(root, `d${n++}`);
  await mkdir(dir);
  return dir;
};

const chat = makeChat({
  title: 'Familie Müller',
  participants: ['Anna', 'Ben Müller', 'Çelik'],
  count: 120,
  start: new Date('2022-12-28T09:05:00Z'),
  seed: 11,
});

/** WhatsApp writes local times without a zone: the generators write UTC wall clocks by default. */
const local = (iso: string | null) => iso?.replace(/(\.000)?Z$/, '') ?? null;

async function check(
  path: string,
  model: ChatModel,
  want: {
    platform: string;
    title: string;
    nativeId?: string;
    zone: boolean;
    mediaIncluded: boolean;
    /** Android writes times to the minute. */
    minutes?: boolean;
  },
) {
  const r = await recogniseExport(path, KEY);
  assert.ok(r, `${path} is recognised`);
  const s = r.summary;
  const expected = expectedSummary(model, { mediaIncluded: want.mediaIncluded });
  assert.deepEqual(s.warnings, [], path);
  assert.equal(s.platform, want.platform, path);
  assert.equal(s.title, want.title, path);
  assert.equal(s.nativeId, want.nativeId, path);
  assert.equal(s.messages, expected.messages, `${path}: messages`);
  const time = (iso: string | null) => {
    const t = (want.zone ? iso?.replace('.000Z', 'Z') : local(iso)) ?? null;
    return t && want.minutes ? `${t.slice(0, 17)}00` : t;
  };
  assert.equal(s.first, time(expected.first), `${path}: first`);
  assert.equal(s.last, time(expected.last), `${path}: last`);
  assert.deepEqual(s.participants, expected.participants, `${path}: participants`);
  if (want.mediaIncluded) {
    assert.equal(s.media, expected.media, `${path}: media`);
    assert.equal(s.mediaBytes, expected.mediaBytes, `${path}: media bytes`);
  }
  assert.equal(r.hashes.size, expected.messages, `${path}: one hash per message`);
  return s;
}

describe('WhatsApp', () => {
  test('iOS: zip and unzipped folder', async () => {
    const zip = await writeWhatsAppIos(await fresh(), chat, { zip: true });
    await check(zip, chat, {
      platform: 'whatsapp',
      title: 'Familie Müller',
      zone: false,
      mediaIncluded: true,
    });
    const folder = await writeWhatsAppIos(await fresh(), chat, { zip: false });
    await check(folder, chat, {
      platform: 'whatsapp',
      title: 'Familie Müller',
      zone: false,
      mediaIncluded: true,
    });
  });

  for (const locale of LOCALES) {
    test(`Android, ${locale}: .txt alone and zipped with media, 24-hour day first and 12-hour month first`, async () => {
      const txt = await writeWhatsAppAndroid(await fresh(), chat, {
        zip: false,
        locale,
        clock: '24h',
        dateOrder: 'dmy',
      });
      await check(txt, chat, {
        platform: 'whatsapp',
        title: 'Familie Müller',
        zone: false,
        minutes: true,
        mediaIncluded: false,
      });
      const zip = await writeWhatsAppAndroid(await fresh(), chat, {
        zip: true,
        withMedia: true,
        locale,
        clock: '12h',
        dateOrder: 'mdy',
        narrowSpace: true,
      });
      await check(zip, chat, {
        platform: 'whatsapp',
        title: 'Familie Müller',
        zone: false,
        minutes: true,
        mediaIncluded: true,
      });
    });

    test(`iOS, ${locale}`, async () => {
      const zip = await writeWhatsAppIos(await fresh(), chat, { zip: true, locale });
      await check(zip, chat, {
        platform: 'whatsapp',
        title: 'Familie Müller',
        zone: false,
        mediaIncluded: true,
      });
    });
  }
});

describe('Telegram', () => {
  test('JSON, in a folder of any name, with media', async () => {
    for (const folderName of ['ChatExport_2026-11-26', 'ChatExport_2026-11-26 (3)', 'Oma – renamed']) {
      const dir = await writeTelegramJson(await fresh(), chat, {
        id: 777001,
        type: 'private_group',
        folderName,
      });
      const s = await check(dir, chat, {
        platform: 'telegram',
        title: 'Familie Müller',
        nativeId: '777001',
        zone: true,
        mediaIncluded: true,
      });
      assert.equal(s.kind, 'private_group');
    }
  });

  test('HTML, across pages of 1000 messages', async () => {
    const big = makeChat({
      title: 'Hiking',
      participants: ['Ann', 'Bo'],
      count: 2300,
      start: new Date('2023-03-01T08:00:00Z'),
      seed: 5,
    });
    const dir = await writeTelegramHtml(await fresh(), big, { folderName: 'ChatExport_2026-11-26 (1)' });
    await check(dir, big, { platform: 'telegram', title: 'Hiking', zone: true, mediaIncluded: true });
  });
});

test('Discord (DiscordChatExporter JSON)', async () => {
  const path = await writeDiscordJson(await fresh(), chat, {
    guild: { id: '81384788765712384', name: 'Makers' },
    channel: { id: '81384788765712385', name: 'general', category: 'Text' },
  });
  await check(path, chat, {
    platform: 'discord',
    title: 'Makers / #general',
    nativeId: '81384788765712385',
    zone: true,
    mediaIncluded: false,
  });
});

describe('bad input: "Other files", a warning, never an exception', () => {
  test('a zip bomb is not inflated', async () => {
    const path = await zipBomb(await fresh(), 'WhatsApp Chat - Bomb.zip');
    const r = await recogniseExport(path, KEY);
    assert.equal(r?.summary.platform, 'other');
    assert.match(r?.summary.warnings.join(' ') ?? '', /would inflate to .* not read \(a zip bomb\?\)/);
  });

  test('a .zip that is not a zip, truncated JSON, a truncated zip', async () => {
    const dir = await fresh();
    const notZip = await notAZip(dir, 'WhatsApp Chat - Broken.zip');
    assert.match((await recogniseExport(notZip, KEY))?.summary.warnings.join(' ') ?? '', /not a zip file/);
    const tg = await writeTelegramJson(await fresh(), chat, { id: 5, folderName: 'ChatExport_cut' });
    await writeTruncated(join(tg, 'result.json'), 5000);
    const cut = await recogniseExport(tg, KEY);
    assert.equal(cut?.summary.platform, 'other');
    assert.match(cut?.summary.warnings.join(' ') ?? '', /result\.json could not be read/);
    const zip = await writeWhatsAppIos(await fresh(), chat, { zip: true });
    await writeTruncated(zip, 3000);
    const cutZip = await recogniseExport(zip, KEY);
    assert.equal(cutZip?.summary.platform, 'other');
    assert.ok((cutZip?.summary.warnings.length ?? 0) > 0);
  });

  test('a line of 100 MB, Latin-1 and UTF-16 text', async () => {
    const dir = await fresh();
    const huge = await recogniseExport(await hugeLine(dir, 'WhatsApp Chat with Huge.txt', 100), KEY);
    assert.equal(huge?.summary.platform, 'whatsapp');
    assert.match(huge?.summary.warnings.join(' ') ?? '', /longer than 64 KiB/);
    const latin = await recogniseExport(await latin1Chat(dir, 'WhatsApp Chat with Zoë.txt'), KEY);
    assert.equal(latin?.summary.platform, 'whatsapp', 'Latin-1 still has its stamps and senders');
    assert.match(latin?.summary.warnings.join(' ') ?? '', /not all UTF-8; some characters could not be read/);
    const utf16 = await recogniseExport(await utf16Chat(dir, 'WhatsApp Chat with Ümit.txt'), KEY);
    assert.equal(utf16?.summary.platform, 'whatsapp');
    assert.ok((utf16?.summary.messages ?? 0) > 0);
    assert.deepEqual(utf16?.summary.warnings, [], 'UTF-16 with a BOM is read whole');
  });
});
