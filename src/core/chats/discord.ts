// DiscordChatExporter's JSON: `guild`, `channel` (with its `id`), then `messages`, each
// `{ id, type, timestamp, content, author: { name, nickname }, attachments: [{ fileName, fileSizeBytes }] }`.
import type { Readable } from 'node:stream';
import { readJsonObject } from './json-stream.js';
import type { SummaryBuilder } from './summary.js';

/** The channel an export is of. */
export interface DiscordHead {
  title: string;
  channelId: string;
  channelType: string;
}

/** Message types people write; the others are notices (joined, pinned, calls, thread created…). */
const WRITTEN = new Set(['Default', 'Reply']);

/** Reads a DiscordChatExporter JSON into `builder`; returns the channel, or null when it is not one. */
export async function readDiscordJson(input: Readable, builder: SummaryBuilder): Promise<DiscordHead | null> {
  let guild: Record<string, unknown> | null = null;
  let channel: Record<string, unknown> | null = null;
  await readJsonObject(
    input,
    'messages',
    (key, value) => {
      if (typeof value !== 'object' || value === null) return;
      if (key === 'guild') guild = value as Record<string, unknown>;
      if (key === 'channel') channel = value as Record<string, unknown>;
    },
    (item) => {
      if (typeof item !== 'object' || item === null) return;
      const m = item as Record<string, unknown>;
      if (!WRITTEN.has(String(m.type))) return;
      const timestamp = typeof m.timestamp === 'string' ? Date.parse(m.timestamp) : Number.NaN;
      if (Number.isNaN(timestamp)) return;
      const time = new Date(timestamp).toISOString().replace('.000Z', 'Z');
      const author = (m.author ?? {}) as Record<string, unknown>;
      const sender = String(author.nickname ?? author.name ?? '');
      builder.message(sender, time, String(m.content ?? ''), `${String(m.id)}\n${time}`);
      if (Array.isArray(m.attachments)) {
        for (const a of m.attachments) {
          builder.media++;
          const size = Number((a as Record<string, unknown>)?.fileSizeBytes);
          if (Number.isSafeInteger(size) && size > 0) builder.mediaBytes += size;
        }
      }
    },
  );
  const g = guild as Record<string, unknown> | null;
  const c = channel as Record<string, unknown> | null;
  if (!g || !c || (typeof c.id !== 'string' && typeof c.id !== 'number')) return null;
  const guildName = String(g.name ?? '');
  const channelName = String(c.name ?? '');
  const title = guildName && guildName !== 'Direct Messages' ? `${guildName} / #${channelName}` : channelName;
  return { title, channelId: String(c.id), channelType: String(c.type ?? '') };
}
