// Telegram Desktop's JSON export of one chat (result.json): `name`, `type`, `id`, then `messages`, each
// `{ id, type: "message" | "service", date, date_unixtime, from, text, photo | file … }`.
import type { Readable } from 'node:stream';
import { readJsonObject } from './json-stream.js';
import type { SummaryBuilder } from './summary.js';

/** The chat's own fields (null when the document is not a single-chat Telegram export). */
export interface TelegramHead {
  name: string;
  type: string;
  id: string;
}

/** Telegram's `text`: a string, or an array of strings and `{ type, text }` entities. */
function plainText(text: unknown): string {
  if (typeof text === 'string') return text;
  if (!Array.isArray(text)) return '';
  return text
    .map((part) => (typeof part === 'string' ? part : String((part as { text?: unknown })?.text ?? '')))
    .join('');
}

/** An instant from `date_unixtime` (seconds, as a string), else Telegram's local `date`. */
function timeOf(m: Record<string, unknown>): string | null {
  const unix = Number(m.date_unixtime);
  if (Number.isFinite(unix) && unix > 0) return new Date(unix * 1000).toISOString().replace('.000Z', 'Z');
  return typeof m.date === 'string' ? m.date : null;
}

/** Reads a result.json into `builder`; returns the chat's head, or null when it is not one. */
export async function readTelegramJson(
  input: Readable,
  builder: SummaryBuilder,
): Promise<TelegramHead | null> {
  const head: Partial<Record<'name' | 'type' | 'id', unknown>> = {};
  let hasMessages = false;
  await readJsonObject(
    input,
    'messages',
    (key, value) => {
      if (key === 'name' || key === 'type' || key === 'id') head[key] = value;
    },
    (item) => {
      hasMessages = true;
      if (typeof item !== 'object' || item === null) return;
      const m = item as Record<string, unknown>;
      if (m.type !== 'message') return; // service messages: joined, pinned, calls…
      const time = timeOf(m);
      if (time === null) return;
      const sender = typeof m.from === 'string' ? m.from : String(m.from_id ?? '');
      builder.message(sender, time, plainText(m.text), `${String(m.id)}\n${time}`);
    },
  );
  const id = typeof head.id === 'number' || typeof head.id === 'string' ? String(head.id) : null;
  if (id === null || typeof head.type !== 'string' || (!hasMessages && head.name === undefined)) return null;
  return { name: typeof head.name === 'string' ? head.name : '', type: head.type, id };
}
