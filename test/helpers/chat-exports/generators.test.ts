import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import {
  BOMB_UNCOMPRESSED,
  expectedSummary,
  growChat,
  hugeLine,
  LEGACY_CHAT,
  LOCALES,
  LRM,
  latin1Chat,
  makeChat,
  NNBSP,
  notAZip,
  utf16Chat,
  WHATSAPP_LOCALES,
  writeDiscordJson,
  writeTelegramHtml,
  writeTelegramJson,
  writeTruncated,
  writeWhatsAppAndroid,
  writeWhatsAppIos,
  zipBomb,
} from './index.js';

/** Entries of a zip: name, method, sizes, data (read through the central directory). */
function readZip(zip: Buffer): { name: string; method: number; size: number; data: Buffer }[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let p = zip.readUInt32LE(end + 16);
  const out = [];
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(p + 10);
    const csize = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extra = zip.readUInt16LE(p + 30);
    const comment = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + csize);
    out.push({
      name,
      method,
      size,
      data: size < 50_000_000 ? (method === 8 ? inflateRawSync(raw) : raw) : Buffer.alloc(0),
    });
    p += 46 + nameLen + extra + comment;
  }
  return out;
}

const hasUnzip = (() => {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const chat = makeChat({
  title: 'Family 🏠',
  participants: ['Alice', 'Bob Smith', 'Zoë'],
  count: 40,
  start: new Date(Date.UTC(2022, 11, 31, 10, 0, 0)),
  seed: 7,
});
const summary = expectedSummary(chat);

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chat-exports-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the model', () => {
  it('is deterministic and well formed', () => {
    const again = makeChat({
      title: 'Family 🏠',
      participants: ['Alice', 'Bob Smith', 'Zoë'],
      count: 40,
      start: new Date(Date.UTC(2022, 11, 31, 10, 0, 0)),
      seed: 7,
    });
    assert.deepEqual(again, chat);
    assert.equal(summary.messages, 40);
    assert.ok(chat.messages.some((m) => m.system));
    assert.ok(chat.messages.some((m) => m.text.includes('\n')));
    assert.ok(summary.media > 0 && summary.mediaBytes > 0);
    assert.equal(expectedSummary(chat, { mediaIncluded: false }).mediaBytes, 0);
    assert.deepEqual(summary.participants, ['Alice', 'Bob Smith', 'Zoë']);
    for (let i = 1; i < chat.messages.length; i++) {
      const a = chat.messages[i - 1]?.time.getTime() ?? 0;
      const b = chat.messages[i]?.time.getTime() ?? 0;
      assert.ok(b > a && b % 1000 === 0);
    }
    assert.equal(summary.first, chat.messages.find((m) => !m.system)?.time.toISOString());
  });
  it('grows by appending', () => {
    const grown = growChat(chat, 15, 99);
    assert.deepEqual(grown.messages.slice(0, chat.messages.length), chat.messages);
    assert.equal(expectedSummary(grown).messages, 55);
    assert.equal(expectedSummary(grown).first, summary.first);
    assert.ok((expectedSummary(grown).last ?? '') > (summary.last ?? ''));
  });
});

describe('WhatsApp iOS', () => {
  for (const locale of LOCALES) {
    it(`zips _chat.txt first, then the media (${locale})`, async () => {
      const path = await writeWhatsAppIos(join(dir, `ios-${locale}`), chat, { zip: true, locale });
      assert.ok(path.endsWith(`WhatsApp Chat - Family 🏠.zip`));
      const entries = readZip(await readFile(path));
      assert.equal(entries[0]?.name, '_chat.txt');
      assert.ok(entries.every((e) => e.method === 8));
      assert.equal(entries.length, 1 + summary.media);
      assert.equal(
        entries.slice(1).reduce((s, e) => s + e.size, 0),
        summary.mediaBytes,
      );
      assert.match(entries[1]?.name ?? '', /^00000001-[A-Z]+-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.\w+$/);
      const text = entries[0]?.data.toString('utf8') ?? '';
      const lines = text.split('\r\n').filter(Boolean);
      const loc = WHATSAPP_LOCALES[locale];
      assert.ok(lines[0]?.endsWith(`Family 🏠: ${LRM}${loc.encryption}`));
      const stamped = lines.filter((l) => /^\u200e?\[[\d/.,: -]+(?: [AP]M)?\] /.test(l));
      const notices = stamped.filter((l) => l.includes(`Family 🏠: ${LRM}`));
      assert.equal(stamped.length - notices.length, summary.messages);
      assert.equal(lines.filter((l) => l.includes(`${LRM}<${loc.iosAttached}: 0000`)).length, summary.media);
      if (locale === 'en') assert.match(lines[1] ?? '', /^\[12\/31\/22, 10:00:00 AM\] /);
      if (locale === 'de') assert.match(lines[1] ?? '', /^\[31\.12\.22, 10:00:00\] /);
      if (hasUnzip && locale === 'en') {
        const listing = execFileSync('unzip', ['-l', path], { encoding: 'utf8' });
        assert.match(listing, /_chat\.txt/);
        execFileSync('unzip', ['-tq', path]);
      }
    });
  }
  it('unzipped folder and no media', async () => {
    const folder = await writeWhatsAppIos(join(dir, 'ios-folder'), chat, {
      zip: false,
      locale: 'en',
      withMedia: false,
    });
    assert.deepEqual(await readdir(folder), ['_chat.txt']);
    const text = await readFile(join(folder, '_chat.txt'), 'utf8');
    assert.ok(text.includes(`${LRM}image omitted`));
  });
});

describe('WhatsApp Android', () => {
  for (const locale of LOCALES) {
    it(`txt and zip (${locale})`, async () => {
      const loc = WHATSAPP_LOCALES[locale];
      const txt = await writeWhatsAppAndroid(join(dir, `and-${locale}`), chat, {
        zip: false,
        locale,
        clock: '24h',
        dateOrder: 'dmy',
      });
      assert.ok(txt.endsWith(`${loc.androidPrefix}Family 🏠.txt`));
      const text = await readFile(txt, 'utf8');
      const lines = text.split('\n').filter(Boolean);
      assert.ok(lines[0]?.includes(` - ${loc.encryption}`));
      const stamped = lines.filter((l) => /^\d{1,2}[./-]\d{1,2}[./-]\d{2,4},? \d\d:\d\d - /.test(l));
      const people = stamped.filter((l) => /^\S+,? \d\d:\d\d - (Alice|Bob Smith|Zoë): /.test(l));
      assert.equal(people.length, summary.messages);
      assert.equal(stamped.length - people.length, chat.messages.length - summary.messages + 1);
      assert.equal(lines.filter((l) => l.endsWith(`: ${loc.mediaOmitted}`)).length, summary.media);
      if (locale === 'en') assert.match(lines[1] ?? '', /^31\/12\/2022, 10:00 - /);
      if (locale === 'de') assert.match(lines[1] ?? '', /^31\.12\.22, 10:00 - /);

      const zip = await writeWhatsAppAndroid(join(dir, `andz-${locale}`), chat, {
        zip: true,
        locale,
        clock: '24h',
        dateOrder: 'dmy',
      });
      const entries = readZip(await readFile(zip));
      assert.equal(entries[0]?.name, `${loc.androidPrefix}Family 🏠.txt`);
      assert.equal(entries.length, 1 + summary.media);
      assert.match(entries[1]?.name ?? '', /^(IMG|VID|PTT|DOC)-20221231-WA0001\.\w+$/);
      const zipped = entries[0]?.data.toString('utf8') ?? '';
      assert.equal(zipped.split(loc.fileAttached).length - 1, summary.media);
    });
  }
  it('12-hour month-first clock, with the narrow space', async () => {
    const txt = await writeWhatsAppAndroid(join(dir, 'and-12h'), chat, {
      zip: false,
      locale: 'en',
      clock: '12h',
      dateOrder: 'mdy',
      narrowSpace: true,
    });
    const lines = (await readFile(txt, 'utf8')).split('\n');
    assert.match(lines[1] ?? '', new RegExp(`^12/31/22, 10:00${NNBSP}AM - `));
  });
});

describe('Telegram', () => {
  it('JSON: keys in order, one-space indent, media files', async () => {
    const folder = await writeTelegramJson(dir, chat, {
      id: 1234567890,
      folderName: 'ChatExport_2026-11-26 (3)',
    });
    const raw = await readFile(join(folder, 'result.json'), 'utf8');
    assert.ok(
      raw.startsWith(
        '{\n "name": "Family 🏠",\n "type": "private_supergroup",\n "id": 1234567890,\n "messages": [\n  {\n   "id": 1,',
      ),
    );
    const json = JSON.parse(raw);
    assert.deepEqual(Object.keys(json), ['name', 'type', 'id', 'messages']);
    const people = json.messages.filter((m: { type: string }) => m.type === 'message');
    assert.equal(people.length, summary.messages);
    assert.ok(people.some((m: { text: unknown }) => Array.isArray(m.text)));
    assert.ok(json.messages.some((m: { action?: string }) => m.action === 'create_group'));
    assert.equal(people[0].date_unixtime, String(Date.parse(summary.first ?? '') / 1000));
    let bytes = 0;
    for (const sub of ['photos', 'video_files', 'voice_messages', 'files']) {
      for (const f of await readdir(join(folder, sub)).catch(() => []))
        bytes += (await stat(join(folder, sub, f))).size;
    }
    assert.equal(bytes, summary.mediaBytes);
  });
  it('HTML: pages, header, joined messages', async () => {
    const folder = await writeTelegramHtml(dir, chat, { folderName: 'html', perPage: 20 });
    const pages = (await readdir(folder)).filter((f) => f.endsWith('.html')).sort();
    assert.deepEqual(pages, ['messages.html', 'messages2.html', 'messages3.html']);
    let people = 0;
    let joined = 0;
    for (const page of pages) {
      const html = await readFile(join(folder, page), 'utf8');
      assert.ok(html.startsWith('<!DOCTYPE html>\n<html>\n'));
      assert.match(html, /<div class="page_header">[\s\S]*?<div class="text bold">\nFamily 🏠 \n/);
      people += (html.match(/<div class="message default clearfix(?: joined)?" id="message\d+">/g) ?? [])
        .length;
      joined += (html.match(/class="message default clearfix joined"/g) ?? []).length;
      assert.match(
        html,
        /<div class="pull_right date details" title="\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d UTC\+00:00">\n\d\d:\d\d\n/,
      );
    }
    assert.equal(people, summary.messages);
    assert.ok(joined > 0);
    assert.ok((await stat(join(folder, 'css', 'style.css'))).isFile());
    assert.ok((await stat(join(folder, 'images', 'back@2x.png'))).isFile());
  });
});

describe('DiscordChatExporter', () => {
  it('JSON shape and file name', async () => {
    const path = await writeDiscordJson(dir, chat, {
      guild: { id: '111111111111111111', name: 'Guild' },
      channel: { id: '123456789012345678', name: 'general', category: 'Text Channels' },
    });
    assert.ok(path.endsWith('Guild - Text Channels - general [123456789012345678].json'));
    const json = JSON.parse(await readFile(path, 'utf8'));
    assert.deepEqual(Object.keys(json), [
      'guild',
      'channel',
      'dateRange',
      'exportedAt',
      'messages',
      'messageCount',
    ]);
    assert.equal(json.messageCount, json.messages.length);
    const people = json.messages.filter((m: { type: string }) => m.type === 'Default' || m.type === 'Reply');
    assert.equal(people.length, summary.messages);
    assert.equal(
      json.messages.reduce((s: number, m: { attachments: unknown[] }) => s + m.attachments.length, 0),
      summary.media,
    );
    assert.equal(new Date(people[0].timestamp).toISOString(), summary.first);
  });
});

describe('determinism', () => {
  it('same model, same bytes', async () => {
    const a = await writeWhatsAppIos(join(dir, 'd1'), chat, { zip: true });
    const b = await writeWhatsAppIos(join(dir, 'd2'), chat, { zip: true });
    assert.deepEqual(await readFile(a), await readFile(b));
    const c = await writeTelegramJson(join(dir, 'd3'), chat, { id: 1 });
    const d = await writeTelegramJson(join(dir, 'd4'), chat, { id: 1 });
    assert.deepEqual(await readFile(join(c, 'result.json')), await readFile(join(d, 'result.json')));
  });
});

describe('bad input', () => {
  it('zip bomb declares 2.5 GiB and is small', async () => {
    const path = await zipBomb(dir, 'bomb.zip');
    const zip = await readFile(path);
    assert.ok(zip.length < 4 * 1024 * 1024);
    const [entry] = readZip(zip);
    assert.equal(entry?.name, '_chat.txt');
    assert.equal(entry?.size, BOMB_UNCOMPRESSED);
    assert.ok(BOMB_UNCOMPRESSED > 2 * 1024 ** 3);
    if (hasUnzip) assert.match(execFileSync('unzip', ['-l', path], { encoding: 'utf8' }), /2684354560/);
  });
  it('not a zip, truncated, huge line, encodings', async () => {
    const junk = await notAZip(dir, 'junk.zip');
    assert.equal((await readFile(junk)).indexOf(Buffer.from('PK')) === 0, false);
    const zip = await writeWhatsAppIos(join(dir, 'cut'), chat, { zip: true });
    await writeTruncated(zip, 100);
    assert.equal((await stat(zip)).size, 100);
    const huge = await hugeLine(dir, 'huge.txt', 3);
    assert.ok((await stat(huge)).size > 3 * 1024 * 1024);
    assert.equal((await readFile(huge, 'utf8')).split('\n').length, 4);
    const latin = await readFile(await latin1Chat(dir, 'latin1.txt'));
    assert.ok(latin.includes(Buffer.from([0xfc]))); // ü
    assert.equal(latin.toString('latin1').trimEnd(), LEGACY_CHAT.text);
    const u16 = await readFile(await utf16Chat(dir, 'utf16.txt'));
    assert.deepEqual([...u16.subarray(0, 2)], [0xff, 0xfe]);
    assert.equal(u16.subarray(2).toString('utf16le').trimEnd(), LEGACY_CHAT.text);
  });
});
