// Each export reader on small exports written by hand, line by line as the apps write them.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { recogniseExport, whatsAppTitle } from '../../../src/core/chats/recognize.js';
import { SummaryBuilder } from '../../../src/core/chats/summary.js';
import { readWhatsAppText } from '../../../src/core/chats/whatsapp.js';
import { storedZip } from '../../helpers/zip.js';

const KEY = Buffer.alloc(32, 7);
const root = await mkdtemp(join(tmpdir(), 'puddleproof-readers-'));
after(() => rm(root, { recursive: true, force: true }));

async function whatsApp(text: string) {
  const builder = new SummaryBuilder(KEY);
  const stamped = await readWhatsAppText(Readable.from([Buffer.from(text)]), builder);
  return { stamped, summary: builder.build({ platform: 'whatsapp', title: 't' }) };
}

describe('WhatsApp text', () => {
  test('iOS: messages, a multi-line message, an attachment; the encryption notice is not a message', async () => {
    const { summary } = await whatsApp(
      [
        '[31.12.22, 11:40:26] Family: \u200eMessages and calls are end-to-end encrypted. No one outside of this chat can read them.',
        '[31.12.22, 11:40:30] Alice: Happy new year!',
        'See you tonight',
        '\u200e[31.12.22, 11:41:02] Bob: \u200e<attached: 00000001-PHOTO-2022-12-31-11-41-02.jpg>',
        '[01.01.23, 00:00:01] Bob: 🎉',
      ].join('\n'),
    );
    assert.equal(summary.messages, 3);
    assert.equal(summary.first, '2022-12-31T11:40:30');
    assert.equal(summary.last, '2023-01-01T00:00:01');
    assert.deepEqual(summary.participants, ['Alice', 'Bob']);
    assert.equal(summary.preview[0]?.text, 'Happy new year!\nSee you tonight');
    assert.equal(summary.preview[1]?.text, '<attached: 00000001-PHOTO-2022-12-31-11-41-02.jpg>');
  });

  test('Android, 24-hour, day first (a day above 12 decides), system lines without a sender', async () => {
    const { summary } = await whatsApp(
      [
        '05/01/2023, 09:15 - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.',
        '05/01/2023, 09:15 - Alice created group "Hiking"',
        '05/01/2023, 09:16 - Alice: Saturday?',
        '13/01/2023, 18:02 - Bob: <Media omitted>',
        "13/01/2023, 18:03 - Carol joined using this group's invite link",
      ].join('\n'),
    );
    assert.equal(summary.messages, 2);
    assert.equal(summary.first, '2023-01-05T09:16:00');
    assert.equal(summary.last, '2023-01-13T18:02:00');
  });

  test('Android, 12-hour with U+202F before PM, month first', async () => {
    const { summary } = await whatsApp(
      [
        '1/5/23, 9:15\u202fAM - Alice: morning',
        '1/13/23, 6:02\u202fPM - Bob: evening',
        '1/13/23, 12:30\u202fAM - Bob: night',
      ].join('\n'),
    );
    assert.equal(summary.messages, 3);
    assert.equal(summary.first, '2023-01-05T09:15:00');
    assert.equal(summary.preview[1]?.time, '2023-01-13T18:02:00');
    assert.equal(summary.last, '2023-01-13T00:30:00');
  });

  test('German dates with dots; ambiguous dates are read day first', async () => {
    const { summary } = await whatsApp(
      ['03.04.23, 10:00 - Anna: Hallo', '04.04.23, 10:00 - Ben: Hi'].join('\n'),
    );
    assert.equal(summary.first, '2023-04-03T10:00:00');
  });

  test('not WhatsApp: no line starts with a date and time', async () => {
    const { stamped, summary } = await whatsApp('hello\nworld\n'.repeat(30));
    assert.equal(stamped, 0);
    assert.equal(summary.messages, 0);
  });

  test('a line of 8 MB is cut, not held whole, and said', async () => {
    const { summary } = await whatsApp(
      `01/02/2023, 10:00 - Ann: ${'x'.repeat(8 * 1024 * 1024)}\n01/02/2023, 10:01 - Ann: after`,
    );
    assert.equal(summary.messages, 2);
    assert.match(summary.warnings.join(' '), /longer than 64 KiB/);
    assert.equal(summary.preview[1]?.text, 'after');
  });

  test('the title from localized file names', () => {
    for (const [name, title] of [
      ['WhatsApp Chat - Alice.zip', 'Alice'],
      ['WhatsApp Chat with Bob Smith.txt', 'Bob Smith'],
      ['WhatsApp Chat mit Oma.txt', 'Oma'],
      ['Chat de WhatsApp con Lucía.txt', 'Lucía'],
      ['Conversa do WhatsApp com João.txt', 'João'],
      ['Discussion WhatsApp avec Zoé.txt', 'Zoé'],
      ['Chat WhatsApp con Giulia.txt', 'Giulia'],
      ['WhatsApp-chat met Daan.txt', 'Daan'],
      ['Чат WhatsApp с Иван.txt', 'Иван'],
      ['WhatsApp Chat - Alice (2).zip', 'Alice'],
    ]) {
      assert.equal(whatsAppTitle(name as string), title, name);
    }
    assert.equal(whatsAppTitle('holiday photos.zip'), null);
  });
});

describe('recogniseExport', () => {
  test('a WhatsApp iOS zip: title from the name, media from the members', async () => {
    const zip = join(root, 'WhatsApp Chat - Alice.zip');
    const chat =
      '[31.12.22, 11:40:30] Alice: Hi\n[31.12.22, 11:41:02] Bob: \u200e<attached: 00000001-PHOTO-2022-12-31-11-41-02.jpg>\n';
    await writeFile(
      zip,
      storedZip([
        ['_chat.txt', Buffer.from(chat)],
        ['00000001-PHOTO-2022-12-31-11-41-02.jpg', Buffer.alloc(1000, 1)],
      ]),
    );
    const r = await recogniseExport(zip, KEY);
    assert.equal(r?.summary.platform, 'whatsapp');
    assert.equal(r?.summary.title, 'Alice');
    assert.equal(r?.summary.kind, 'ios');
    assert.equal(r?.summary.messages, 2);
    assert.equal(r?.summary.media, 1);
    assert.equal(r?.summary.mediaBytes, 1000);
    assert.equal(r?.hashes.size, 2);
  });

  test('a Telegram JSON export in a folder of any name: name, type and id', async () => {
    const dir = join(root, 'ChatExport_2026-11-26 (3)');
    await mkdir(join(dir, 'photos'), { recursive: true });
    await writeFile(join(dir, 'photos', 'photo_1@31-12-2022_11-40-26.jpg'), Buffer.alloc(300));
    await writeFile(
      join(dir, 'result.json'),
      JSON.stringify(
        {
          name: 'Alice',
          type: 'personal_chat',
          id: 4242,
          messages: [
            {
              id: 1,
              type: 'service',
              date: '2022-12-31T11:40:00',
              date_unixtime: '1672486800',
              actor: 'Alice',
              action: 'phone_call',
            },
            {
              id: 2,
              type: 'message',
              date: '2022-12-31T11:40:26',
              date_unixtime: '1672486826',
              from: 'Alice',
              text: ['Hi ', { type: 'bold', text: 'there' }],
            },
            {
              id: 3,
              type: 'message',
              date: '2022-12-31T11:41:00',
              date_unixtime: '1672486860',
              from: 'Bob',
              text: '',
              photo: 'photos/photo_1@31-12-2022_11-40-26.jpg',
            },
          ],
        },
        null,
        1,
      ),
    );
    const r = await recogniseExport(dir, KEY);
    assert.deepEqual(
      [r?.summary.platform, r?.summary.title, r?.summary.nativeId, r?.summary.kind, r?.summary.messages],
      ['telegram', 'Alice', '4242', 'personal_chat', 2],
    );
    assert.equal(r?.summary.first, '2022-12-31T11:40:26Z');
    assert.equal(r?.summary.preview[0]?.text, 'Hi there');
    assert.deepEqual([r?.summary.media, r?.summary.mediaBytes], [1, 300]);
  });

  test('a Telegram HTML export: the name in the header, messages across pages, joined follow-ups', async () => {
    const dir = join(root, 'renamed by hand');
    await mkdir(join(dir, 'css'), { recursive: true });
    await writeFile(join(dir, 'css', 'style.css'), 'body{}');
    const page = (body: string) =>
      `<html><body><div class="page_wrap"><div class="page_header"><div class="content"><div class="text bold">\n Hiking &amp; Co\n</div></div></div><div class="page_body chat_page"><div class="history">${body}</div></div></div></body></html>`;
    const msg = (id: number, from: string | null, time: string, text: string) =>
      `<div class="message default clearfix${from ? '' : ' joined'}" id="message${id}"><div class="body"><div class="pull_right date details" title="${time} UTC+01:00">11:40</div>${from ? `<div class="from_name">\n${from}\n</div>` : ''}<div class="text">\n${text}\n</div></div></div>`;
    await writeFile(
      join(dir, 'messages.html'),
      page(
        `<div class="message service" id="message-1"><div class="body details">31 December 2022</div></div>${msg(10, 'Alice', '31.12.2022 11:40:26', 'Hi &lt;3<br>two lines')}${msg(11, null, '31.12.2022 11:40:40', 'again')}`,
      ),
    );
    await writeFile(
      join(dir, 'messages2.html'),
      page(msg(12, 'Bob', '01.01.2023 00:00:05', 'Happy new year')),
    );
    const r = await recogniseExport(dir, KEY);
    assert.deepEqual(
      [r?.summary.platform, r?.summary.title, r?.summary.messages],
      ['telegram', 'Hiking & Co', 3],
    );
    assert.equal(r?.summary.nativeId, undefined);
    assert.deepEqual(r?.summary.participants, ['Alice', 'Bob']);
    assert.equal(r?.summary.preview[0]?.text, 'Hi <3\ntwo lines');
    assert.equal(r?.summary.preview[1]?.sender, 'Alice');
    assert.equal(r?.summary.first, '2022-12-31T10:40:26Z');
    assert.equal(r?.summary.last, '2022-12-31T23:00:05Z');
    assert.equal(r?.summary.media, 0);
  });

  test('a DiscordChatExporter JSON: guild, channel id, people’s messages only', async () => {
    const file = join(root, 'Guild - general [123].json');
    await writeFile(
      file,
      JSON.stringify({
        guild: { id: '1', name: 'Guild', iconUrl: '' },
        channel: { id: '123', type: 'GuildTextChat', category: 'Text', name: 'general', topic: null },
        dateRange: { after: null, before: null },
        messages: [
          {
            id: '9',
            type: 'GuildMemberJoin',
            timestamp: '2023-01-01T10:00:00+00:00',
            content: '',
            author: { name: 'ann' },
            attachments: [],
          },
          {
            id: '10',
            type: 'Default',
            timestamp: '2023-01-01T10:00:01.5+01:00',
            content: 'hello',
            author: { name: 'ann', nickname: 'Ann' },
            attachments: [{ fileName: 'a.png', fileSizeBytes: 10 }],
          },
          {
            id: '11',
            type: 'Reply',
            timestamp: '2023-01-01T10:05:00+00:00',
            content: 'hi',
            author: { name: 'bo' },
            attachments: [],
          },
        ],
        messageCount: 3,
      }),
    );
    const r = await recogniseExport(file, KEY);
    assert.deepEqual(
      [r?.summary.platform, r?.summary.title, r?.summary.nativeId, r?.summary.messages, r?.summary.media],
      ['discord', 'Guild / #general', '123', 2, 1],
    );
    assert.deepEqual(r?.summary.participants, ['Ann', 'bo']);
  });

  test('anything else is "Other files" named in full; an empty folder is no export', async () => {
    const notes = join(root, 'notes 2026-11-26.pdf');
    await writeFile(notes, 'pdf');
    const r = await recogniseExport(notes, KEY);
    assert.deepEqual(
      [r?.summary.platform, r?.summary.title, r?.summary.warnings],
      ['other', 'notes 2026-11-26.pdf', []],
    );
    await mkdir(join(root, 'empty', 'nested'), { recursive: true });
    assert.equal(await recogniseExport(join(root, 'empty'), KEY), null);
  });

  test('bad input is "Other files" with a warning that says what could not be read', async () => {
    const cases: [string, string | Buffer, RegExp][] = [
      ['WhatsApp Chat - Broken.zip', Buffer.from('PK not really a zip'), /not a zip file that can be read/],
      ['WhatsApp Chat with X.txt', 'just some text\n'.repeat(40), /not a WhatsApp chat/],
      ['cut.json', '{"guild": {"id": "1", "name": "G"}, "channel": {"id": "2"', /could not be read as JSON/],
    ];
    for (const [name, content, warning] of cases) {
      const path = join(root, name);
      await writeFile(path, content);
      const r = await recogniseExport(path, KEY);
      assert.equal(r?.summary.platform, 'other', name);
      assert.equal(r?.summary.title, name);
      assert.match(r?.summary.warnings.join(' ') ?? '', warning, name);
    }
    const folder = join(root, 'ChatExport_broken');
    await mkdir(folder);
    await writeFile(
      join(folder, 'result.json'),
      '{"name": "A", "type": "personal_chat", "id": 1, "messages": [{"id": 1,',
    );
    const r = await recogniseExport(folder, KEY);
    assert.equal(r?.summary.platform, 'other');
    assert.match(r?.summary.warnings.join(' ') ?? '', /result\.json could not be read/);
  });
});
