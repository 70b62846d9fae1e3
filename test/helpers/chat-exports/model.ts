// A deterministic model of a chat, shared by every export writer in this folder.

export type NoticeKind = 'create_group' | 'add_member' | 'join_link' | 'pin';

export interface ModelMessage {
  /** Display name ('' for system notices). */
  sender: string;
  /** Whole seconds. */
  time: Date;
  /** May contain newlines (multi-line messages), emoji, RTL text. */
  text: string;
  /** A notice (encryption notice, "X created group", joined, pinned...): NOT a message people wrote. */
  system?: boolean;
  /** For system notices made by makeChat: what happened and who did it, so each writer can word it natively. */
  notice?: { kind: NoticeKind; actor: string; target?: string };
  /** An attachment (photo/video/voice/document). */
  media?: { fileName: string; bytes: number };
}

export interface ChatModel {
  title: string;
  participants: string[];
  messages: ModelMessage[];
  /** How makeChat generated it; growChat continues with the same settings. */
  gen?: { mediaEvery: number; systemEvery: number };
}

export type MediaKind = 'photo' | 'video' | 'voice' | 'document';

/** The kind of an attachment, from the extension of its model file name. */
export function mediaKind(fileName: string): MediaKind {
  const ext = fileName.slice(fileName.lastIndexOf('.') + 1).toLowerCase();
  if (ext === 'jpg' || ext === 'jpeg' || ext === 'png') return 'photo';
  if (ext === 'mp4') return 'video';
  if (ext === 'opus' || ext === 'ogg') return 'voice';
  return 'document';
}

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** `bytes` pseudo-random bytes, the same for the same name. */
export function mediaBytes(fileName: string, bytes: number): Buffer {
  const next = rng(hashString(fileName));
  const out = Buffer.alloc(bytes);
  let i = 0;
  for (; i + 4 <= bytes; i += 4) out.writeUInt32LE(Math.floor(next() * 4294967296), i);
  for (; i < bytes; i++) out[i] = Math.floor(next() * 256);
  return out;
}

const WORDS = [
  'hello',
  'see you',
  'tomorrow',
  'lunch?',
  'on my way',
  'the train is late',
  'did you get the photos',
  'great news',
  'call me',
  'ok',
  'thanks!',
  'happy new year',
];
const SPICE = [
  '🎉',
  '😂',
  '👍🏽',
  '❤️',
  'שלום עולם',
  'مرحبا بالعالم',
  'Grüße',
  'çà et là',
  'Привет',
  '👨‍👩‍👧',
];
const MEDIA: { base: string; ext: string }[] = [
  { base: 'photo', ext: 'jpg' },
  { base: 'video', ext: 'mp4' },
  { base: 'voice', ext: 'opus' },
  { base: 'report', ext: 'pdf' },
];
const NOTICES: NoticeKind[] = ['add_member', 'join_link', 'pin'];

function pick<T>(next: () => number, list: readonly T[]): T {
  return list[Math.floor(next() * list.length)] as T;
}

function personText(next: () => number, index: number): string {
  const n = 1 + Math.floor(next() * 5);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(pick(next, WORDS));
  let text = `${words.join(' ')} #${index + 1}`;
  if (next() < 0.3) text += ` ${pick(next, SPICE)}`;
  // Some multi-line messages; a continuation line may even look like a date.
  if (next() < 0.15) text += `\nsecond line ${pick(next, SPICE)}\n31/12/2022, 11:40 not a new message`;
  else if (next() < 0.1) text += '\nand one more line';
  return text;
}

interface GenState {
  next: () => number;
  time: number;
  people: number;
  mediaCount: number;
  noticeCount: number;
}

function step(state: GenState): Date {
  // A few minutes apart, strictly increasing, whole seconds.
  state.time += (60 + Math.floor(state.next() * 420)) * 1000;
  return new Date(state.time);
}

function appendPeople(
  chat: ChatModel,
  state: GenState,
  count: number,
  mediaEvery: number,
  systemEvery: number,
) {
  const { participants } = chat;
  for (let i = 0; i < count; i++) {
    const index = state.people;
    if (systemEvery > 0 && index > 0 && index % systemEvery === 0) {
      const kind = NOTICES[state.noticeCount % NOTICES.length] as NoticeKind;
      state.noticeCount++;
      const actor = pick(state.next, participants);
      const others = participants.filter((p) => p !== actor);
      const target = others.length ? pick(state.next, others) : actor;
      chat.messages.push(noticeMessage(kind, actor, target, step(state), chat.title));
    }
    // Everyone speaks first in turn; later a sender often writes several messages in a row.
    const previous = chat.messages[chat.messages.length - 1];
    const sender =
      index < participants.length
        ? (participants[index] ?? 'Alice')
        : previous && !previous.system && state.next() < 0.4
          ? previous.sender
          : pick(state.next, participants);
    const time = step(state);
    if (mediaEvery > 0 && (index + 1) % mediaEvery === 0) {
      const m = MEDIA[state.mediaCount % MEDIA.length] as { base: string; ext: string };
      state.mediaCount++;
      const fileName = `${m.base}_${String(state.mediaCount).padStart(4, '0')}.${m.ext}`;
      const bytes = 200 + Math.floor(state.next() * 3000);
      chat.messages.push({ sender, time, text: '', media: { fileName, bytes } });
    } else {
      chat.messages.push({ sender, time, text: personText(state.next, index) });
    }
    state.people++;
  }
}

function noticeMessage(
  kind: NoticeKind,
  actor: string,
  target: string,
  time: Date,
  title: string,
): ModelMessage {
  const text =
    kind === 'create_group'
      ? `${actor} created group "${title}"`
      : kind === 'add_member'
        ? `${actor} added ${target}`
        : kind === 'join_link'
          ? `${actor} joined using this group's invite link`
          : `${actor} pinned a message`;
  return { sender: '', time, text, system: true, notice: { kind, actor, target } };
}

/** Deterministic from `seed`: `count` messages people wrote, plus some system notices, some multi-line, some
 * with media every `mediaEvery` (default 7; 0 for none) and a notice every `systemEvery` (default 10; 0 for
 * none, and then no "created group" notice either). Times strictly increasing from `start`, a few minutes apart. */
export function makeChat(opts: {
  title: string;
  participants: string[];
  count: number;
  start: Date;
  seed: number;
  mediaEvery?: number;
  systemEvery?: number;
}): ChatModel {
  const mediaEvery = opts.mediaEvery ?? 7;
  const systemEvery = opts.systemEvery ?? 10;
  const start = Math.floor(opts.start.getTime() / 1000) * 1000;
  const chat: ChatModel = {
    title: opts.title,
    participants: [...opts.participants],
    messages: [],
    gen: { mediaEvery, systemEvery },
  };
  const state: GenState = { next: rng(opts.seed), time: start, people: 0, mediaCount: 0, noticeCount: 0 };
  if (systemEvery > 0) {
    const actor = opts.participants[0] ?? 'Alice';
    chat.messages.push(noticeMessage('create_group', actor, actor, new Date(start), opts.title));
  } else {
    state.time -= 60_000; // the first message lands on `start` or a little after
  }
  appendPeople(chat, state, opts.count, mediaEvery, systemEvery);
  return chat;
}

/** A later export of the same chat: all the messages of `chat`, then `more` new ones people wrote (seeded),
 * with notices and media at the same rhythm; media numbering continues. */
export function growChat(chat: ChatModel, more: number, seed: number): ChatModel {
  const mediaEvery = chat.gen?.mediaEvery ?? 7;
  const systemEvery = chat.gen?.systemEvery ?? 10;
  const last = chat.messages[chat.messages.length - 1];
  const grown: ChatModel = {
    title: chat.title,
    participants: [...chat.participants],
    messages: chat.messages.map((m) => ({ ...m })),
    gen: { mediaEvery, systemEvery },
  };
  const people = chat.messages.filter((m) => !m.system).length;
  const state: GenState = {
    next: rng(seed),
    time: last ? last.time.getTime() : Date.UTC(2022, 0, 1),
    people,
    mediaCount: chat.messages.filter((m) => m.media).length,
    noticeCount: chat.messages.filter((m) => m.system).length,
  };
  appendPeople(grown, state, more, mediaEvery, systemEvery);
  return grown;
}

export interface ExpectedSummary {
  messages: number;
  first: string | null;
  last: string | null;
  participants: string[];
  media: number;
  mediaBytes: number;
}

/** What a correct reader must find: messages people wrote (system notices not counted), the ISO 8601 instants
 * (Date#toISOString, e.g. "2022-12-31T11:40:26.000Z") of the first and last such message, distinct senders
 * (sorted by code unit), the number of media attachments and their total bytes (0 unless mediaIncluded, which
 * defaults to true: only media files actually in the export count for bytes). */
export function expectedSummary(chat: ChatModel, opts?: { mediaIncluded: boolean }): ExpectedSummary {
  const people = chat.messages.filter((m) => !m.system);
  const withMedia = people.filter((m) => m.media);
  const included = opts?.mediaIncluded ?? true;
  return {
    messages: people.length,
    first: people[0]?.time.toISOString() ?? null,
    last: people[people.length - 1]?.time.toISOString() ?? null,
    participants: [...new Set(people.map((m) => m.sender))].sort(),
    media: withMedia.length,
    mediaBytes: included ? withMedia.reduce((sum, m) => sum + (m.media?.bytes ?? 0), 0) : 0,
  };
}

/** Wall-clock parts of `time` shifted by `offsetMinutes` (exports write local time; the default offset is 0). */
export function wallClock(time: Date, offsetMinutes = 0) {
  const d = new Date(time.getTime() + offsetMinutes * 60_000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

export const pad2 = (n: number) => String(n).padStart(2, '0');
