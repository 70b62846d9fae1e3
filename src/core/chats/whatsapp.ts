// WhatsApp's "Export chat" text (_chat.txt on iOS, "WhatsApp Chat with NAME.txt" on Android), read line by
// line. Both layouts, any locale: the line shape is recognised, not the words.
//   iOS:     [31.12.22, 11:40:26] Alice: text          ‎<attached: 00000001-PHOTO-….jpg>
//   Android: 31/12/2022, 11:40 - Alice: text           12/31/22, 11:40 PM - Bob: text
// A line that does not start with a time stamp continues the message before it. A stamped line without
// "Sender: " (Android), or whose text starts with a left-to-right mark and is not an attachment (iOS), is
// a system notice. Dates are day-first or month-first: decided from the whole file (a first number above
// 12 means day-first), else from the clock (AM/PM means month-first), else day-first.
import type { Readable } from 'node:stream';
import { PREVIEW_MESSAGES, type SummaryBuilder } from './summary.js';
import { textLines } from './text-lines.js';

const SPACE = '[ \\u00a0\\u202f]';
const DATE = '(\\d{1,4})[./-](\\d{1,2})[./-](\\d{1,4})';
const TIME = `(\\d{1,2})[:.](\\d{2})(?:[:.](\\d{2}))?(?:${SPACE}?([AaPp])\\.?${SPACE}?[Mm]\\.?)?`;
const IOS = new RegExp(`^\\u200e?\\[${DATE},?${SPACE}${TIME}\\]${SPACE}(.*)$`);
const ANDROID = new RegExp(`^\\u200e?${DATE},?${SPACE}${TIME}${SPACE}[-–]${SPACE}(.*)$`);
const LRM = '\u200e';
/** iOS attachments and omitted media: `<attached: 00000001-PHOTO-….jpg>` (any language), `image omitted`. */
const IOS_MEDIA =
  /^<[^<>:]{1,40}: [^<>]+>$|^\S+ (?:omitted|weggelassen|omitido|omitida|omis|omessa|omesso|weggelaten|опущено)$/u;

interface Stamp {
  a: number;
  b: number;
  c: number;
  hour: number;
  minute: number;
  second: number;
  /** 'a' or 'p' for a 12-hour clock. */
  meridiem: string | undefined;
  /** The stamp as written: what message hashes use, so they do not depend on how the date is read. */
  raw: string;
}

interface Pending {
  stamp: Stamp;
  sender: string;
  text: string;
}

/** Which layout a file has, from its first stamped line (null: not a WhatsApp chat). */
export function whatsAppLayout(line: string): 'ios' | 'android' | null {
  if (IOS.test(line)) return 'ios';
  if (ANDROID.test(line)) return 'android';
  return null;
}

function stampOf(m: RegExpExecArray): Stamp {
  return {
    a: Number(m[1]),
    b: Number(m[2]),
    c: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6] ?? 0),
    meridiem: m[7]?.toLowerCase(),
    raw: m[0].slice(0, m[0].length - (m[8]?.length ?? 0)).replace(/^\u200e/, ''),
  };
}

/** A stamp as an ISO 8601 local time (WhatsApp writes no time zone), or null when it is no date. */
function isoOf(s: Stamp, dayFirst: boolean): string | null {
  let year: number;
  let month: number;
  let day: number;
  if (s.a > 31) [year, month, day] = [s.a, s.b, s.c];
  else [day, month, year] = dayFirst ? [s.a, s.b, s.c] : [s.b, s.a, s.c];
  if (year < 100) year += 2000;
  let hour = s.hour;
  if (s.meridiem) hour = (hour % 12) + (s.meridiem === 'p' ? 12 : 0);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || s.minute > 59 || s.second > 59)
    return null;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(s.minute)}:${pad(s.second)}`;
}

/** Splits "Alice: text" (a message) from "Alice joined using this group's invite link" (a notice). */
function senderAndText(rest: string): { sender: string; text: string } | null {
  const at = rest.indexOf(': ');
  if (at <= 0 || at > 200) return null;
  return {
    sender: rest
      .slice(0, at)
      .replace(/^\u200e|\u200e$/g, '')
      .trim(),
    text: rest.slice(at + 2),
  };
}

/**
 * Reads a WhatsApp chat text into `builder`; returns the number of stamped lines (0: not a WhatsApp
 * chat). Times reach the builder as written and are read once the whole file has shown the date order.
 */
export async function readWhatsAppText(input: Readable, builder: SummaryBuilder): Promise<number> {
  let layout: 'ios' | 'android' | null = null;
  let stamped = 0;
  let dayFirstSeen = false;
  let monthFirstSeen = false;
  let meridiemSeen = false;
  let cut = false;
  let unreadable = false; // characters that are not UTF-8 (or UTF-16 with a BOM), read as U+FFFD
  // The builder keeps the times of the first and the last few messages: only their stamps are needed.
  let firstStamp: Stamp | undefined;
  const recent: Stamp[] = [];
  let current: Pending | null = null;
  const flush = () => {
    if (!current) return;
    builder.message(current.sender, current.stamp.raw, current.text.replace(/\u200e/g, ''));
    current = null;
  };
  let firstLines = 0;
  for await (const line of textLines(input, () => {
    cut = true;
  })) {
    if (!unreadable && line.includes('\ufffd')) unreadable = true;
    if (layout === null) {
      layout = whatsAppLayout(line);
      if (layout === null) {
        if (++firstLines > 20) return 0;
        continue;
      }
    }
    const m = (layout === 'ios' ? IOS : ANDROID).exec(line);
    if (!m) {
      if (current) current.text += `\n${line}`;
      continue;
    }
    stamped++;
    flush();
    const stamp = stampOf(m);
    if (stamp.a <= 31 && stamp.a > 12) dayFirstSeen = true;
    if (stamp.a <= 31 && stamp.b > 12) monthFirstSeen = true;
    if (stamp.meridiem) meridiemSeen = true;
    const parts = senderAndText(m[8] ?? '');
    if (!parts) continue; // a notice without a sender
    const text = parts.text;
    if (layout === 'ios' && text.startsWith(LRM) && !IOS_MEDIA.test(text.replace(/\u200e/g, '').trim())) {
      // iOS marks its notices ("Messages and calls are end-to-end encrypted…") this way, in the chat's name.
      builder.noticeSender ??= parts.sender;
      continue;
    }
    current = { stamp, sender: parts.sender, text };
    firstStamp ??= stamp;
    recent.push(stamp);
    if (recent.length > PREVIEW_MESSAGES + 1) recent.shift();
  }
  flush();
  if (stamped === 0) return 0;
  const dayFirst = dayFirstSeen || (!monthFirstSeen && !meridiemSeen);
  const stamps = new Map([firstStamp, ...recent].flatMap((st) => (st ? [[st.raw, st] as const] : [])));
  let undated = 0;
  builder.retime((raw) => {
    const stamp = stamps.get(raw);
    const iso = stamp ? isoOf(stamp, dayFirst) : null;
    if (iso === null) undated++;
    return iso;
  });
  if (undated > 0) builder.warnings.push('Some message dates could not be read.');
  if (cut) builder.warnings.push('Some lines were longer than 64 KiB; only their start was read.');
  if (unreadable) {
    builder.warnings.push('The chat text is not all UTF-8; some characters could not be read and show as �.');
  }
  return stamped;
}
