// Telegram Desktop exports of one chat, JSON and HTML, after telegramdesktop/tdesktop
// Telegram/SourceFiles/export/output/export_output_json.cpp and export_output_html.cpp.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type ChatModel,
  type MediaKind,
  type ModelMessage,
  mediaBytes,
  mediaKind,
  pad2,
  wallClock,
} from './model.js';

export type TelegramChatType =
  | 'personal_chat'
  | 'private_group'
  | 'private_supergroup'
  | 'public_channel'
  | 'bot_chat'
  | 'saved_messages';

const NOT_INCLUDED_JSON = '(File not included. Change data exporting settings to download.)';
const NOT_INCLUDED_HTML = 'Not included, change data exporting settings to download.';

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** A stable Telegram user id for a display name. */
export function telegramUserId(name: string): number {
  return 100_000_000 + (hashString(name) % 900_000_000);
}

function exportFolderName(chat: ChatModel): string {
  const t = chat.messages[chat.messages.length - 1]?.time ?? new Date(Date.UTC(2022, 0, 1));
  const w = wallClock(new Date(t.getTime() + 86_400_000)); // exported the day after the last message
  return `ChatExport_${w.year}-${pad2(w.month)}-${pad2(w.day)}`;
}

function stampParts(time: Date, offset: number) {
  const w = wallClock(time, offset);
  return {
    iso: `${w.year}-${pad2(w.month)}-${pad2(w.day)}T${pad2(w.hour)}:${pad2(w.minute)}:${pad2(w.second)}`,
    file: `${pad2(w.day)}-${pad2(w.month)}-${w.year}_${pad2(w.hour)}-${pad2(w.minute)}-${pad2(w.second)}`,
    title: `${pad2(w.day)}.${pad2(w.month)}.${w.year} ${pad2(w.hour)}:${pad2(w.minute)}:${pad2(w.second)}`,
    hm: `${pad2(w.hour)}:${pad2(w.minute)}`,
    w,
  };
}

interface PlacedMedia {
  kind: MediaKind;
  path: string; // relative to the export folder
  bytes: number;
  modelName: string;
}

/** Where Telegram puts each attachment: photos/photo_1@31-12-2022_11-40-26.jpg, video_files/…, voice_messages/
 * audio_1@….ogg, files/<original name>; numbered per kind. */
function placeMedia(chat: ChatModel, offset: number): Map<ModelMessage, PlacedMedia> {
  const counters: Record<MediaKind, number> = { photo: 0, video: 0, voice: 0, document: 0 };
  const placed = new Map<ModelMessage, PlacedMedia>();
  for (const m of chat.messages) {
    if (!m.media) continue;
    const kind = mediaKind(m.media.fileName);
    const n = ++counters[kind];
    const at = stampParts(m.time, offset).file;
    const path =
      kind === 'photo'
        ? `photos/photo_${n}@${at}.jpg`
        : kind === 'video'
          ? `video_files/video_${n}@${at}.mp4`
          : kind === 'voice'
            ? `voice_messages/audio_${n}@${at}.ogg`
            : `files/${m.media.fileName}`;
    placed.set(m, { kind, path, bytes: m.media.bytes, modelName: m.media.fileName });
  }
  return placed;
}

async function writeMediaFiles(root: string, placed: Map<ModelMessage, PlacedMedia>): Promise<void> {
  for (const p of placed.values()) {
    const target = join(root, p.path);
    await mkdir(join(target, '..'), { recursive: true });
    await writeFile(target, mediaBytes(p.modelName, p.bytes));
  }
}

type TextPart = string | { type: string; text: string };

/** Every 5th message people wrote carries a bold word, so `text` is an array there, as Telegram writes it. */
function textParts(m: ModelMessage, index: number): TextPart[] {
  if (!m.text) return [];
  if (index % 5 !== 4) return [m.text];
  const space = m.text.indexOf(' ');
  if (space <= 0) return [{ type: 'bold', text: m.text }];
  return [{ type: 'bold', text: m.text.slice(0, space) }, m.text.slice(space)];
}

function jsonText(parts: TextPart[]): string | TextPart[] {
  if (parts.length === 0) return '';
  if (parts.length === 1 && typeof parts[0] === 'string') return parts[0];
  return parts;
}

function jsonEntities(parts: TextPart[]): { type: string; text: string }[] {
  return parts.map((p) => (typeof p === 'string' ? { type: 'plain', text: p } : p));
}

/** Telegram's writer: one space per nesting level, ", " never, ": " after keys; U+2028/9 escaped. No final
 * newline. An empty array prints as "[]". */
function telegramJson(value: unknown): string {
  return JSON.stringify(value, null, 1)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export interface TelegramJsonOptions {
  id: number;
  type?: TelegramChatType;
  folderName?: string;
  withMedia?: boolean;
  utcOffsetMinutes?: number;
}

/** The object Telegram Desktop writes to result.json for `chat` (keys in Telegram's order). */
export function telegramResult(chat: ChatModel, opts: TelegramJsonOptions): Record<string, unknown> {
  const offset = opts.utcOffsetMinutes ?? 0;
  const withMedia = opts.withMedia ?? true;
  const placed = placeMedia(chat, offset);
  const type = opts.type ?? 'private_supergroup';
  const messages: Record<string, unknown>[] = [];
  let lastPeopleId = 0;
  let people = 0;
  chat.messages.forEach((m, i) => {
    const id = i + 1;
    const s = stampParts(m.time, offset);
    const msg: Record<string, unknown> = {
      id,
      type: m.system ? 'service' : 'message',
      date: s.iso,
      date_unixtime: String(Math.floor(m.time.getTime() / 1000)),
    };
    if (m.system) {
      const n = m.notice;
      const actor = n?.actor ?? chat.participants[0] ?? 'Alice';
      msg.actor = actor;
      msg.actor_id = `user${telegramUserId(actor)}`;
      if (!n || n.kind === 'create_group') {
        msg.action = 'create_group';
        msg.title = chat.title;
        msg.members = [...chat.participants];
      } else if (n.kind === 'add_member') {
        msg.action = 'invite_members';
        msg.members = [n.target ?? actor];
      } else if (n.kind === 'join_link') {
        msg.action = 'join_group_by_link';
        msg.inviter = n.target ?? actor;
      } else {
        msg.action = 'pin_message';
        msg.message_id = lastPeopleId || 1;
      }
      msg.text = '';
      msg.text_entities = [];
    } else {
      msg.from = m.sender;
      msg.from_id = `user${telegramUserId(m.sender)}`;
      const p = placed.get(m);
      if (p) {
        const path = withMedia ? p.path : NOT_INCLUDED_JSON;
        if (p.kind === 'photo') {
          msg.photo = path;
          msg.width = 1280;
          msg.height = 960;
        } else {
          msg.file = path;
          if (p.kind === 'video') msg.media_type = 'video_file';
          if (p.kind === 'voice') msg.media_type = 'voice_message';
          msg.mime_type =
            p.kind === 'video' ? 'video/mp4' : p.kind === 'voice' ? 'audio/ogg' : 'application/pdf';
          if (p.kind === 'video' || p.kind === 'voice') msg.duration_seconds = 3 + (p.bytes % 57);
          if (p.kind === 'video') {
            msg.width = 640;
            msg.height = 360;
          }
        }
      }
      const parts = textParts(m, people);
      msg.text = jsonText(parts);
      msg.text_entities = jsonEntities(parts);
      lastPeopleId = id;
      people++;
    }
    messages.push(msg);
  });
  const result: Record<string, unknown> = {};
  if (type !== 'saved_messages') result.name = chat.title;
  result.type = type;
  result.id = opts.id;
  result.messages = messages;
  return result;
}

/** Telegram Desktop JSON export: a folder (default `ChatExport_YYYY-MM-DD`, the day after the last message)
 * holding result.json and, when withMedia (default true), photos/, video_files/, voice_messages/, files/. */
export async function writeTelegramJson(
  dir: string,
  chat: ChatModel,
  opts: TelegramJsonOptions,
): Promise<string> {
  const root = resolve(dir, opts.folderName ?? exportFolderName(chat));
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'result.json'), telegramJson(telegramResult(chat, opts)), 'utf8');
  if (opts.withMedia ?? true) await writeMediaFiles(root, placeMedia(chat, opts.utcOffsetMinutes ?? 0));
  return root;
}

// ---- HTML ----

function esc(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '\n' || ch === '\u2028' || ch === '\u2029') out += '<br>';
    else if (ch === '"') out += '&quot;';
    else if (ch === '&') out += '&amp;';
    else if (ch === "'") out += '&apos;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (c < 32) out += `&#x${c.toString(16).toUpperCase().padStart(2, '0')};`;
    else out += ch;
  }
  return out;
}

/** HtmlContext: block tags on their own lines, indented by the number of open tags; attributes sorted. */
class Html {
  private tags: { name: string; block: boolean }[] = [];
  private indent() {
    return ' '.repeat(this.tags.length);
  }
  push(name: string, attrs: Record<string, string> = {}, flags: { inline?: boolean; empty?: boolean } = {}) {
    const block = !flags.inline;
    const inner = Object.keys(attrs)
      .sort()
      .map((k) => ` ${k}="${esc(attrs[k] ?? '')}"`)
      .join('');
    const out = `${block ? `\n${this.indent()}` : ''}<${name}${inner}${flags.empty ? '/' : ''}>${block ? '\n' : ''}`;
    if (!flags.empty) this.tags.push({ name, block });
    return out;
  }
  div(cls: string, style?: string) {
    return this.push('div', style ? { class: cls, style } : { class: cls });
  }
  pop() {
    const t = this.tags.pop();
    if (!t) throw new Error('no open tag');
    return `${t.block ? `\n${this.indent()}` : ''}</${t.name}>${t.block ? '\n' : ''}`;
  }
  closeAll() {
    let out = '';
    while (this.tags.length) out += this.pop();
    return out;
  }
  start() {
    let r = `<!DOCTYPE html>${this.push('html')}`;
    r += this.push('head');
    r += this.push('meta', { charset: 'utf-8' }, { empty: true });
    r += this.push('title', {}, { inline: true });
    r += 'Exported Data';
    r += this.pop();
    r += this.push(
      'meta',
      { name: 'viewport', content: 'width=device-width, initial-scale=1.0' },
      { empty: true },
    );
    r += this.push('link', { href: 'css/style.css', rel: 'stylesheet' }, { empty: true });
    r += this.push('script', { src: 'js/script.js', type: 'text/javascript' });
    r += this.pop();
    r += this.pop();
    r += this.push('body', { onload: 'CheckLocation();' });
    r += this.div('page_wrap');
    return r;
  }
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function dayKey(time: Date, offset: number): string {
  const w = wallClock(time, offset);
  return `${w.year}-${w.month}-${w.day}`;
}

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const a = Math.abs(minutes);
  return `UTC${sign}${pad2(Math.floor(a / 60))}:${pad2(a % 60)}`;
}

function splitName(name: string): { first: string; last: string } {
  const i = name.indexOf(' ');
  return i < 0 ? { first: name, last: '' } : { first: name.slice(0, i), last: name.slice(i + 1) };
}

function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  return `${(bytes / 1024).toFixed(1)} KB`;
}

function duration(seconds: number): string {
  return `${pad2(Math.floor(seconds / 60))}:${pad2(seconds % 60)}`;
}

function userpic(h: Html, name: string): string {
  const { first, last } = splitName(name);
  const size = '42px';
  let r = h.push('div', {
    class: `userpic userpic${(telegramUserId(name) % 7) + 1}`,
    style: `width: ${size}; height: ${size}`,
  });
  r += h.div('initials', `line-height: ${size}`);
  r += esc([...first][0] ?? '') + esc([...last][0] ?? '');
  r += h.pop();
  r += h.pop();
  return r;
}

function genericMedia(
  h: Html,
  d: { classes: string; link: string; title: string; description: string; status: string },
): string {
  let r = h.div('media_wrap clearfix');
  r += d.link
    ? h.push('a', { class: `media clearfix pull_left block_link ${d.classes}`, href: d.link })
    : h.div(`media clearfix pull_left ${d.classes}`);
  r += h.div('fill pull_left');
  r += h.pop();
  r += h.div('body');
  if (d.title) r += h.div('title bold') + esc(d.title) + h.pop();
  if (d.description) r += h.div('description') + esc(d.description) + h.pop();
  if (d.status) r += h.div('status details') + esc(d.status) + h.pop();
  r += h.pop() + h.pop() + h.pop();
  return r;
}

/** A media block as Telegram writes it when it has no thumbnail (it writes no thumbnails here, so every file in
 * the export folder other than css/js/images is a media file of the model). */
function mediaBlock(h: Html, p: PlacedMedia, withMedia: boolean): string {
  const link = withMedia ? p.path : '';
  const description = withMedia ? '' : NOT_INCLUDED_HTML;
  const missing = withMedia ? '' : `, ${fileSize(p.bytes)}`;
  const secs = 3 + (p.bytes % 57);
  if (p.kind === 'photo')
    return genericMedia(h, {
      classes: 'media_photo',
      link,
      title: 'Photo',
      description,
      status: `1280x960${missing}`,
    });
  if (p.kind === 'video')
    return genericMedia(h, {
      classes: 'media_video',
      link,
      title: 'Video file',
      description,
      status: `${duration(secs)}${missing}`,
    });
  if (p.kind === 'voice')
    return genericMedia(h, {
      classes: 'media_voice_message',
      link,
      title: 'Voice message',
      description,
      status: `${duration(secs)}${missing}`,
    });
  return genericMedia(h, {
    classes: 'media_file',
    link,
    title: p.modelName,
    description,
    status: fileSize(p.bytes),
  });
}

export interface TelegramHtmlOptions {
  folderName?: string;
  /** Messages per messagesN.html (Telegram: 1000); service messages count, date separators do not. */
  perPage?: number;
  withMedia?: boolean;
  utcOffsetMinutes?: number;
}

/** The pages of the HTML export: [file name, content] in order. */
export function telegramHtmlPages(chat: ChatModel, opts: TelegramHtmlOptions = {}): [string, string][] {
  const perPage = opts.perPage ?? 1000;
  const offset = opts.utcOffsetMinutes ?? 0;
  const withMedia = opts.withMedia ?? true;
  const placed = placeMedia(chat, offset);
  const pages: [string, string][] = [];
  const fileName = (i: number) => `messages${i > 0 ? i + 1 : ''}.html`;
  let h = new Html();
  let body = '';
  let page = 0;
  let dateId = 0;
  let previous: { service: boolean; sender: string; time: Date } | null = null;
  let lastPeopleId = 0;
  let people = 0;
  const open = () => {
    let r = h.start();
    // A group's "last name" is empty, and Telegram still joins first and last name with a space.
    const { first, last } =
      chat.participants.length > 2 ? { first: chat.title, last: '' } : splitName(chat.title);
    r += h.div('page_header') + h.div('content') + h.div('text bold') + esc(`${first} ${last}`) + h.pop();
    r += h.pop() + h.pop();
    r += h.div('page_body chat_page') + h.div('history');
    if (page > 0)
      r +=
        h.push('a', { class: 'pagination block_link', href: fileName(page - 1) }) +
        'Previous messages' +
        h.pop();
    return r;
  };
  chat.messages.forEach((m, i) => {
    const id = i + 1;
    if (i > 0 && i % perPage === 0) {
      body += `${h.push('a', { class: 'pagination block_link', href: fileName(page + 1) })}Next messages${h.pop()}`;
      body += h.closeAll();
      pages.push([fileName(page), body]);
      page++;
      h = new Html();
      body = '';
      previous = null;
    }
    if (body === '') body = open();
    const s = stampParts(m.time, offset);
    if (!previous || dayKey(previous.time, offset) !== dayKey(m.time, offset)) {
      body += h.push('div', { class: 'message service', id: `message${--dateId}` });
      body += `${h.div('body details')}${s.w.day} ${MONTHS[s.w.month - 1]} ${s.w.year}${h.pop()}`;
      body += h.pop();
    }
    if (m.system) {
      const n = m.notice;
      const actor = esc(n?.actor ?? chat.participants[0] ?? 'Alice');
      const target = esc(n?.target ?? n?.actor ?? '');
      const text =
        !n || n.kind === 'create_group'
          ? `${actor} created group &laquo;${esc(chat.title)}&raquo;`
          : n.kind === 'add_member'
            ? `${actor} invited ${target}`
            : n.kind === 'join_link'
              ? `${actor} joined group by link from ${target}`
              : `${actor} pinned <a href="#go_to_message${lastPeopleId || 1}" onclick="return GoToMessage(${lastPeopleId || 1})">this message</a>`;
      body += h.push('div', { class: 'message service', id: `message${id}` });
      body += h.div('body details') + text + h.pop();
      body += h.pop();
      previous = { service: true, sender: '', time: m.time };
      return;
    }
    const joined =
      previous !== null &&
      !previous.service &&
      previous.sender === m.sender &&
      dayKey(previous.time, offset) === dayKey(m.time, offset) &&
      m.time.getTime() - previous.time.getTime() <= 900_000;
    body += h.push('div', {
      class: joined ? 'message default clearfix joined' : 'message default clearfix',
      id: `message${id}`,
    });
    if (!joined) body += h.div('pull_left userpic_wrap') + userpic(h, m.sender) + h.pop();
    body += h.div('body');
    body +=
      h.push('div', { class: 'pull_right date details', title: `${s.title} ${offsetText(offset)}` }) +
      s.hm +
      h.pop();
    if (!joined) {
      const { first, last } = splitName(m.sender);
      body += h.div('from_name') + esc(`${first} ${last}`) + h.pop();
    }
    const p = placed.get(m);
    if (p) body += mediaBlock(h, p, withMedia);
    if (m.text) {
      const parts = textParts(m, people);
      const html = parts
        .map((x) => (typeof x === 'string' ? esc(x) : `<strong>${esc(x.text)}</strong>`))
        .join('');
      body += h.div('text') + html + h.pop();
    }
    body += h.pop() + h.pop();
    people++;
    previous = { service: false, sender: m.sender, time: m.time };
    lastPeopleId = id;
  });
  if (body === '') {
    body = open();
    body += h.push('div', { class: 'message service', id: `message${--dateId}` });
    body += `${h.div('body details')}No exported messages${h.pop()}${h.pop()}`;
  }
  body += h.closeAll();
  pages.push([fileName(page), body]);
  return pages;
}

/** Small stand-ins for the files Telegram Desktop copies into every HTML export. */
export const TELEGRAM_HTML_ASSETS: string[] = [
  'css/style.css',
  'js/script.js',
  ...[
    'back',
    'media_call',
    'media_contact',
    'media_file',
    'media_game',
    'media_location',
    'media_music',
    'media_photo',
    'media_shop',
    'media_video',
    'media_voice',
    'section_calls',
    'section_chats',
    'section_contacts',
    'section_frequent',
    'section_other',
    'section_photos',
    'section_sessions',
    'section_stories',
    'section_web',
  ].flatMap((n) => [`images/${n}.png`, `images/${n}@2x.png`]),
];

/** Telegram Desktop HTML export: a folder with messages.html, messages2.html … (perPage messages each, default
 * 1000), css/, js/, images/ (small placeholders) and, when withMedia (default true), the media folders. */
export async function writeTelegramHtml(
  dir: string,
  chat: ChatModel,
  opts: TelegramHtmlOptions = {},
): Promise<string> {
  const root = resolve(dir, opts.folderName ?? exportFolderName(chat));
  await mkdir(root, { recursive: true });
  for (const [name, html] of telegramHtmlPages(chat, opts)) await writeFile(join(root, name), html, 'utf8');
  for (const asset of TELEGRAM_HTML_ASSETS) {
    await mkdir(join(root, asset, '..'), { recursive: true });
    const content = asset.endsWith('.png')
      ? Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex')
      : Buffer.from(asset.endsWith('.css') ? '/* placeholder */\n' : '"use strict";\n');
    await writeFile(join(root, asset), content);
  }
  if (opts.withMedia ?? true) await writeMediaFiles(root, placeMedia(chat, opts.utcOffsetMinutes ?? 0));
  return root;
}
