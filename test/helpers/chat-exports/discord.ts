// DiscordChatExporter JSON, after Tyrrrz/DiscordChatExporter DiscordChatExporter.Core/Exporting/JsonMessageWriter.cs
// (Utf8JsonWriter, Indented, relaxed escaping: two-space indentation, non-ASCII written as is).
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ChatModel, type ModelMessage, mediaBytes, pad2, wallClock } from './model.js';

const DISCORD_EPOCH = 1420070400000n;

/** A snowflake for an instant (and a sequence number, to keep ids distinct). */
export function snowflake(time: Date, seq: number): string {
  return ((BigInt(time.getTime()) - DISCORD_EPOCH) * 4194304n + BigInt(seq % 4096)).toString();
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** A stable 18-digit user id for a display name. */
export function discordUserId(name: string): string {
  return String(100000000000000000n + BigInt(hashString(name)) * 1000000007n);
}

function stamp(time: Date, offset: number): string {
  const w = wallClock(time, offset);
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  return `${w.year}-${pad2(w.month)}-${pad2(w.day)}T${pad2(w.hour)}:${pad2(w.minute)}:${pad2(w.second)}${sign}${pad2(Math.floor(a / 60))}:${pad2(a % 60)}`;
}

function author(name: string) {
  return {
    id: discordUserId(name),
    name: name.toLowerCase().replace(/[^a-z0-9_.]/g, '_'),
    discriminator: '0000',
    nickname: name,
    color: null,
    isBot: false,
    roles: [],
    avatarUrl: `https://cdn.discordapp.com/embed/avatars/${hashString(name) % 6}.png`,
  };
}

const SYSTEM_TYPE = {
  create_group: 'ChannelNameChange',
  add_member: 'RecipientAdd',
  join_link: 'GuildMemberJoin',
  pin: 'ChannelPinnedMessage',
} as const;

function systemContent(m: ModelMessage, chat: ChatModel): string {
  const n = m.notice;
  if (!n || n.kind === 'create_group') return `Changed the channel name: ${chat.title}`;
  if (n.kind === 'add_member') return `Added ${n.target ?? n.actor} to the group.`;
  if (n.kind === 'join_link') return 'Joined the server.';
  return 'Pinned a message.';
}

export interface DiscordJsonOptions {
  guild: { id: string; name: string };
  channel: { id: string; name: string; category?: string };
  fileName?: string;
  /** Download media like `--media`: files in "<fileName>_Files/", urls relative. Default false (cdn urls). */
  withMedia?: boolean;
  utcOffsetMinutes?: number;
  /** exportedAt; default one day after the last message. */
  exportedAt?: Date;
}

export function discordFileName(opts: DiscordJsonOptions): string {
  const { guild, channel } = opts;
  return channel.category
    ? `${guild.name} - ${channel.category} - ${channel.name} [${channel.id}].json`
    : `${guild.name} - ${channel.name} [${channel.id}].json`;
}

/** The export object and the media files it refers to (relative to the JSON's folder). */
export function discordExport(
  chat: ChatModel,
  opts: DiscordJsonOptions,
): { json: Record<string, unknown>; media: [string, Buffer][] } {
  const offset = opts.utcOffsetMinutes ?? 0;
  const fileName = opts.fileName ?? discordFileName(opts);
  const media: [string, Buffer][] = [];
  const messages: Record<string, unknown>[] = [];
  let previousPeopleId: string | null = null;
  let people = 0;
  chat.messages.forEach((m, i) => {
    const id = snowflake(m.time, i);
    const system = m.system === true;
    const who = system ? (m.notice?.actor ?? chat.participants[0] ?? 'Alice') : m.sender;
    const reply = !system && previousPeopleId !== null && people % 6 === 5;
    const attachments: Record<string, unknown>[] = [];
    if (m.media) {
      const attachmentId = snowflake(m.time, i + 2048);
      const remote = `https://cdn.discordapp.com/attachments/${opts.channel.id}/${attachmentId}/${m.media.fileName}`;
      let url = remote;
      if (opts.withMedia) {
        const dot = m.media.fileName.lastIndexOf('.');
        const local = `${fileName}_Files/${m.media.fileName.slice(0, dot)}-${(hashString(remote) & 0xfffff).toString(16).toUpperCase()}${m.media.fileName.slice(dot)}`;
        media.push([local, mediaBytes(m.media.fileName, m.media.bytes)]);
        url = local;
      }
      attachments.push({ id: attachmentId, url, fileName: m.media.fileName, fileSizeBytes: m.media.bytes });
    }
    const message: Record<string, unknown> = {
      id,
      type: system ? SYSTEM_TYPE[m.notice?.kind ?? 'create_group'] : reply ? 'Reply' : 'Default',
      timestamp: stamp(m.time, offset),
      timestampEdited: null,
      callEndedTimestamp: null,
      isPinned: false,
      content: system ? systemContent(m, chat) : m.text,
      author: author(who),
      attachments,
      components: [],
      embeds: [],
      stickers: [],
      reactions: [],
      mentions: [],
    };
    if (reply) {
      message.reference = {
        type: 'Default',
        messageId: previousPeopleId,
        channelId: opts.channel.id,
        guildId: opts.guild.id,
      };
    }
    message.inlineEmojis = [];
    messages.push(message);
    if (!system) {
      previousPeopleId = id;
      people++;
    }
  });
  const last = chat.messages[chat.messages.length - 1]?.time ?? new Date(Date.UTC(2022, 0, 1));
  const exportedAt = opts.exportedAt ?? new Date(last.getTime() + 86_400_000);
  const json = {
    guild: {
      id: opts.guild.id,
      name: opts.guild.name,
      iconUrl: 'https://cdn.discordapp.com/embed/avatars/0.png',
    },
    channel: {
      id: opts.channel.id,
      type: 'GuildTextChat',
      categoryId: opts.channel.category
        ? snowflake(new Date(Date.UTC(2020, 0, 1)), hashString(opts.channel.category))
        : null,
      category: opts.channel.category ?? null,
      name: opts.channel.name,
      topic: null,
    },
    dateRange: { after: null, before: null },
    exportedAt: stamp(exportedAt, offset),
    messages,
    messageCount: messages.length,
  };
  return { json, media };
}

/** DiscordChatExporter JSON: "Guild - category - channel [123…].json" in `dir` (and its "_Files" folder when
 * withMedia). Returns the JSON file's absolute path. */
export async function writeDiscordJson(
  dir: string,
  chat: ChatModel,
  opts: DiscordJsonOptions,
): Promise<string> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const fileName = opts.fileName ?? discordFileName(opts);
  const { json, media } = discordExport(chat, { ...opts, fileName });
  const target = join(root, fileName);
  await writeFile(target, JSON.stringify(json, null, 2), 'utf8');
  for (const [rel, data] of media) {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), data);
  }
  return target;
}
