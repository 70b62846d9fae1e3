// How numbers, sizes and times are shown (in the user's locale).
import type { ChatPlatform } from '../../src/shared/api.js';

const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "1.2 MB" (decimal units, as file managers show them); the unit is chosen after rounding. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = Math.round(bytes);
  let unit = 0;
  // 999,960 bytes is "1 MB", not "1,000 KB": move up while the shown (rounded) value reaches 1000.
  while (unit < units.length - 1 && (unit === 0 ? value : Math.round(value * 10) / 10) >= 1000) {
    value /= 1000;
    unit++;
  }
  if (unit === 0) return value === 1 ? '1 byte' : `${value} bytes`;
  return `${numberFormat.format(value)} ${units[unit]}`;
}

/** "12.5 MB/s". */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/**
 * What a backup added to the cloud folder of its export's size: "uploaded 1.2 MB of 150 MB" (only what
 * was new); a format-1 backup stored its whole archive: "uploaded 151 MB of 150 MB (whole archive)".
 */
export function uploadedText(format: 1 | 2, storedBytes: number, bytes: number): string {
  const text = `uploaded ${formatBytes(storedBytes)} of ${formatBytes(bytes)}`;
  return format === 1 ? `${text} (whole archive)` : text;
}

/** "Uploaded 1.2 MB of 150 MB": the text with its first letter in upper case, to begin a line. */
export function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "3 files", "1 file". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

export function formatDateTime(iso: string): string {
  return dateTimeFormat.format(new Date(iso));
}

export function formatDate(iso: string): string {
  return dateFormat.format(new Date(iso));
}

/** "just now", "5 minutes ago", "yesterday". */
export function formatAgo(iso: string, now = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  // Within a minute (also slightly ahead, as clocks of two processes may be): "just now".
  if (seconds > -60 && seconds < 60) return 'just now';
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [
    ['second', 60],
    ['minute', 60],
    ['hour', 24],
    ['day', 30],
    ['month', 12],
    ['year', Number.POSITIVE_INFINITY],
  ];
  let value = seconds;
  for (const [unit, size] of steps) {
    // Rounded first: 59.6 minutes is "1 hour ago", not "60 minutes ago".
    if (Math.abs(Math.round(value)) < size) return relativeFormat.format(Math.round(value), unit);
    value /= size;
  }
  return formatDateTime(iso);
}

/** Whole seconds from now until `at` (never negative). */
export function secondsUntil(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** The local calendar date as YYYY-MM-DD. */
export function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// ---- Chats ----

/** The app a chat was exported from, in words; null: a backup made before chats were recognised. */
export function platformName(platform: ChatPlatform | null): string {
  switch (platform) {
    case 'whatsapp':
      return 'WhatsApp';
    case 'telegram':
      return 'Telegram';
    case 'discord':
      return 'Discord';
    case 'other':
      return 'Other files';
    case null:
      return 'Not identified yet';
  }
}

/** "1,234 messages", "1 message" (grouped in the locale). */
export function formatMessages(n: number): string {
  return count(n, 'message');
}

/**
 * A time as a chat export wrote it: an ISO instant (Telegram, Discord), or a local time without a zone
 * (WhatsApp), which `Date` reads as local time, so it is shown as the phone wrote it.
 */
function chatDate(iso: string): Date | null {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "12 Mar 2021 – 4 Dec 2026" (in the locale); one date when both are on the same day; null if unknown. */
export function formatDateRange(first: string | null, last: string | null): string | null {
  const from = first ? chatDate(first) : null;
  const to = last ? chatDate(last) : null;
  if (from && to) return from <= to ? dateFormat.formatRange(from, to) : dateFormat.formatRange(to, from);
  const one = from ?? to;
  return one ? dateFormat.format(one) : null;
}

/** When a message was written: date and time, in the locale (the raw text if it is not a time). */
export function formatMessageTime(iso: string): string {
  const date = chatDate(iso);
  return date ? dateTimeFormat.format(date) : iso;
}

/** "Alice, Bob, Carol", "Alice, Bob, Carol +2 more"; "" for nobody. */
export function formatParticipants(names: string[], shown = 3): string {
  const few = names.slice(0, shown).join(', ');
  const more = names.length - shown;
  return more > 0 ? `${few} +${more.toLocaleString()} more` : few;
}

/** How a version's message count compares with the version before it (null: nothing to compare). */
export type MessageChange =
  | { tone: 'more'; text: string }
  | { tone: 'same'; text: string }
  | { tone: 'fewer'; text: string };

/** "+312 messages since the previous version"; fewer is a gentle warning (a trimmed export?). */
export function messageChange(delta: number | null): MessageChange | null {
  if (delta === null) return null;
  if (delta > 0) {
    return { tone: 'more', text: `+${formatMessages(delta)} since the previous version` };
  }
  if (delta < 0) {
    const fewer = -delta;
    return {
      tone: 'fewer',
      text: `${fewer.toLocaleString()} fewer ${fewer === 1 ? 'message' : 'messages'} than before — was the export trimmed?`,
    };
  }
  return { tone: 'same', text: 'No new messages since the previous version' };
}
