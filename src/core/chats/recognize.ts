// Which chat an export is, from its content: WhatsApp (iOS zip or folder, Android .txt or zip, any
// locale), Telegram Desktop (result.json or HTML pages, in a folder of any name) and DiscordChatExporter
// JSON. Only text is read, never the media. Anything else is "Other files", named by its full name; an
// export that cannot be read is "Other files" too, with a warning, and is backed up all the same.
import { createReadStream, lstatSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';
import { readDiscordJson } from './discord.js';
import { type ChatSummary, type MessageHashes, MessageSet, SummaryBuilder } from './summary.js';
import { htmlPages, readTelegramHtml } from './telegram-html.js';
import { readTelegramJson } from './telegram-json.js';
import { readWhatsAppText } from './whatsapp.js';
import { openZip } from './zip-entries.js';

/** A chat text larger than this (inflated) is not read: no real chat is that large, a zip bomb is. */
export const MAX_CHAT_TEXT = 1024 * 1024 * 1024;

/** What recognising an export found: its summary, and the hashes of all its messages (for matching). */
export interface Recognised {
  summary: ChatSummary;
  hashes: MessageHashes;
  /** The title is only the export's file name (renamed by hand): an earlier version's title is better. */
  titleGuessed: boolean;
}

/** WhatsApp's localized "WhatsApp Chat with NAME" / "WhatsApp Chat - NAME" file names → NAME. */
const WHATSAPP_NAME =
  /^(?:whatsapp[\s-]*chat|chat\s+(?:de\s+)?whatsapp|conversa\s+do\s+whatsapp|discussion\s+whatsapp|чат\s+whatsapp|whatsapp[\s-]*sohbeti|whatsapp[\s-]*czat|czat\s+whatsapp|whatsapp)\s*(?:-|–|with|mit|con|com|avec|met|с|ile|med|z|z\s+użytkownikiem)\s+(.+)$/iu;

/** The chat's name in a WhatsApp export's file name, without extension, copy marks or dates. */
export function whatsAppTitle(exportName: string): string | null {
  const stem = exportName.replace(/\.(zip|txt)$/i, '').replace(/\s*\(\d+\)$/, '');
  const m = WHATSAPP_NAME.exec(stem.trim());
  return m?.[1]?.trim() || null;
}

function other(exportName: string, warnings: string[] = []): Recognised {
  const builder = new SummaryBuilder(Buffer.alloc(32));
  builder.warnings.push(...warnings);
  return {
    summary: builder.build({ platform: 'other', title: exportName }),
    hashes: new MessageSet(),
    titleGuessed: false,
  };
}

function done(
  builder: SummaryBuilder,
  head: Parameters<SummaryBuilder['build']>[0],
  titleGuessed = false,
): Recognised {
  return { summary: builder.build(head), hashes: builder.hashes, titleGuessed };
}

/** A WhatsApp chat's title: from the file name, else from iOS notices, else the name itself (guessed). */
function whatsAppDone(b: SummaryBuilder, names: string[], fallback: string, kind: string): Recognised {
  for (const name of names) {
    const title = whatsAppTitle(name);
    if (title) return done(b, { platform: 'whatsapp', title, kind });
  }
  if (b.noticeSender) return done(b, { platform: 'whatsapp', title: b.noticeSender, kind });
  return done(b, { platform: 'whatsapp', title: fallback, kind }, true);
}

/** Every file under `dir` (relative paths with /), without following links. */
async function filesUnder(dir: string): Promise<{ path: string; size: number }[]> {
  const files: { path: string; size: number }[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const abs = join(entry.parentPath ?? entry.path, entry.name);
    // Synchronous: a few microseconds each, where a round trip through the thread pool costs tens.
    files.push({ path: relative(dir, abs).split(sep).join('/'), size: lstatSync(abs).size });
  }
  return files;
}

/** Telegram's own page assets, not media. */
const TELEGRAM_ASSETS = /^(css|js|images)\/|^messages\d*\.html$|^result\.json$/;

async function recogniseFolder(path: string, name: string, authKey: Buffer): Promise<Recognised | null> {
  const files = await filesUnder(path);
  if (files.length === 0) return null; // an empty folder is not an export
  const top = new Set(files.filter((f) => !f.path.includes('/')).map((f) => f.path));
  const warnings: string[] = [];
  const builder = () => new SummaryBuilder(authKey);

  if (top.has('result.json')) {
    const b = builder();
    try {
      const head = await readTelegramJson(createReadStream(join(path, 'result.json')), b);
      if (head) {
        countMedia(b, files, (f) => !TELEGRAM_ASSETS.test(f));
        return done(b, { platform: 'telegram', title: head.name, nativeId: head.id, kind: head.type });
      }
      warnings.push('result.json is not a Telegram chat export (no chat name, type and id).');
    } catch (err) {
      warnings.push(`result.json could not be read: ${(err as Error).message}`);
    }
  }
  const pages = htmlPages([...top]);
  if (pages.length > 0) {
    const b = builder();
    try {
      const title = await readTelegramHtml(path, pages, b);
      if (title !== null) {
        countMedia(b, files, (f) => !TELEGRAM_ASSETS.test(f));
        return done(b, { platform: 'telegram', title, kind: 'html' });
      }
      warnings.push('messages.html has no chat header: it is not a Telegram export.');
    } catch (err) {
      warnings.push(`The Telegram pages could not be read: ${(err as Error).message}`);
    }
  }
  const chatText = top.has('_chat.txt')
    ? '_chat.txt'
    : [...top].find((f) => whatsAppTitle(f) !== null && f.endsWith('.txt'));
  if (chatText) {
    const b = builder();
    if ((await readWhatsAppText(createReadStream(join(path, chatText)), b)) > 0) {
      countMedia(b, files, (f) => f !== chatText);
      return whatsAppDone(b, [name, chatText], name, chatText === '_chat.txt' ? 'ios' : 'android');
    }
    warnings.push(`${chatText} is not a WhatsApp chat (no line starts with a date and time).`);
  }
  return other(name, warnings);
}

function countMedia(
  b: SummaryBuilder,
  files: { path: string; size: number }[],
  isMedia: (path: string) => boolean,
) {
  for (const f of files) {
    if (!isMedia(f.path)) continue;
    b.media++;
    b.mediaBytes += f.size;
  }
}

async function recogniseZip(path: string, name: string, authKey: Buffer): Promise<Recognised> {
  let zip: Awaited<ReturnType<typeof openZip>>;
  try {
    zip = await openZip(path);
  } catch (err) {
    return other(name, [`${name} is not a zip file that can be read (${(err as Error).message}).`]);
  }
  try {
    const files = zip.members.filter((m) => !m.isDir);
    const chatText =
      files.find((m) => m.name === '_chat.txt') ??
      files.find((m) => !m.name.includes('/') && m.name.endsWith('.txt') && whatsAppTitle(m.name) !== null) ??
      files.find((m) => !m.name.includes('/') && m.name.endsWith('.txt'));
    if (!chatText) return other(name, [`${name} holds no chat text (_chat.txt).`]);
    if (chatText.size > MAX_CHAT_TEXT) {
      return other(name, [
        `${chatText.name} in ${name} would inflate to ${chatText.size} bytes; it was not read (a zip bomb?).`,
      ]);
    }
    const b = new SummaryBuilder(authKey);
    try {
      if ((await readWhatsAppText(await zip.read(chatText.name), b)) === 0) {
        return other(name, [`${chatText.name} in ${name} is not a WhatsApp chat.`]);
      }
    } catch (err) {
      return other(name, [`${chatText.name} in ${name} could not be read (${(err as Error).message}).`]);
    }
    for (const m of files) {
      if (m === chatText) continue;
      b.media++;
      b.mediaBytes += m.size;
    }
    const kind = chatText.name === '_chat.txt' ? 'ios' : 'android';
    return whatsAppDone(b, [name, chatText.name], name.replace(/\.zip$/i, ''), kind);
  } finally {
    zip.close();
  }
}

async function recogniseFile(path: string, name: string, authKey: Buffer): Promise<Recognised> {
  const ext = extname(name).toLowerCase();
  if (ext === '.zip') return recogniseZip(path, name, authKey);
  if (ext === '.txt') {
    const b = new SummaryBuilder(authKey);
    if ((await readWhatsAppText(createReadStream(path), b)) > 0) {
      return whatsAppDone(b, [name], name.slice(0, -4), 'android');
    }
    return other(name, [`${name} is not a WhatsApp chat (no line starts with a date and time).`]);
  }
  if (ext === '.json') {
    const b = new SummaryBuilder(authKey);
    try {
      const head = await readDiscordJson(createReadStream(path), b);
      if (head)
        return done(b, {
          platform: 'discord',
          title: head.title,
          nativeId: head.channelId,
          kind: head.channelType,
        });
    } catch (err) {
      return other(name, [`${name} could not be read as JSON (${(err as Error).message}).`]);
    }
    const t = new SummaryBuilder(authKey);
    try {
      const head = await readTelegramJson(createReadStream(path), t);
      if (head)
        return done(t, { platform: 'telegram', title: head.name, nativeId: head.id, kind: head.type });
    } catch {
      // not Telegram either
    }
    return other(name);
  }
  return other(name);
}

/**
 * Recognises the export at `path` (a file or folder): its platform, chat and summary. Returns null for
 * something that is not an export at all (an empty folder). Never throws for unreadable content.
 */
export async function recogniseExport(path: string, authKey: Buffer): Promise<Recognised | null> {
  const name = basename(path);
  const info = await lstat(path);
  try {
    if (info.isDirectory()) return await recogniseFolder(path, name, authKey);
    if (info.isFile()) return await recogniseFile(path, name, authKey);
  } catch (err) {
    return other(name, [`${name} could not be read (${(err as Error).message}).`]);
  }
  return other(name);
}
