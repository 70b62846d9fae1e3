// What Puddleproof knows of a chat export: its platform, title and identity, and what its messages hold.
// It is built from the export's text only (never its media), and is kept only inside encrypted metadata.
import { createHmac, createSecretKey } from 'node:crypto';

/** The apps whose exports are recognised; `other` is anything else, backed up as it is. */
export type Platform = 'whatsapp' | 'telegram' | 'discord' | 'other';

/** The platforms, for messages and validation. */
export const PLATFORMS: readonly Platform[] = ['whatsapp', 'telegram', 'discord', 'other'];

/** One message as a reader found it: who, when (ISO 8601), what (the preview shows the last few). */
export interface PreviewMessage {
  sender: string;
  time: string;
  text: string;
}

/** What one export holds, as stored (encrypted) in its backup's metadata. */
export interface ChatSummary {
  platform: Platform;
  /** The chat's name as the app shows it (a person, a group, "Guild / #channel"); "Other files": the name. */
  title: string;
  /** The app's own id for the chat (Telegram's chat id, Discord's channel id), when the export has one. */
  nativeId?: string;
  /** Telegram's chat type ("personal_chat", "private_group"…), Discord's channel type, WhatsApp's variant. */
  kind?: string;
  /** Distinct senders, sorted (at most MAX_PARTICIPANTS). */
  participants: string[];
  /** Messages people wrote; system notices (joined, pinned, encryption notice…) are not counted. */
  messages: number;
  /** ISO 8601 instants of the first and last message people wrote. */
  first: string | null;
  last: string | null;
  /** Media files in the export, and their bytes (attachments that were left out are not counted). */
  media: number;
  mediaBytes: number;
  /** The last messages, oldest first (at most PREVIEW_MESSAGES, each text at most PREVIEW_TEXT characters). */
  preview: PreviewMessage[];
  /** Keyed hashes of a sample of the messages (see MessageSampler): how versions of one chat are matched. */
  sample: string[];
  /** What could not be read (the export is backed up all the same). */
  warnings: string[];
}

export const MAX_PARTICIPANTS = 200;
export const PREVIEW_MESSAGES = 20;
export const PREVIEW_TEXT = 500;
/** How many message hashes a summary keeps: the smallest SAMPLE_SIZE of all, and the last TAIL_SIZE. */
export const SAMPLE_SIZE = 96;
export const TAIL_SIZE = 32;

/** Keyed hashes of messages, 16 hex digits each: equal for one message in two exports, meaningless without the key. */
export function messageHasher(authKey: Buffer): (sender: string, time: string, text: string) => string {
  const key = createSecretKey(authKey); // imported once: an export has thousands of messages
  return (sender, time, text) =>
    createHmac('sha256', key)
      .update(`puddleproof/v1/message\n${sender}\n${time}\n${text.normalize('NFC')}`)
      .digest('hex')
      .slice(0, 16);
}

/** What matching needs of an export's message hashes (a Set of them will do). */
export interface MessageHashes {
  has(hash: string): boolean;
  readonly size: number;
}

/** Bits of the filter below: 4 MiB, so about 1 % false matches at 3 million messages. */
const FILTER_BITS = 2 ** 25;

/**
 * Every message hash of an export, held in fixed memory (a Bloom filter, 4 hash positions taken from the
 * keyed hash itself): `has` may rarely say yes for a message that is not there, never no for one that is.
 * That is enough to tell whether an earlier export's sample is in this one.
 */
export class MessageSet implements MessageHashes {
  private bits: Uint32Array | undefined;
  size = 0;

  add(hash: string): void {
    this.bits ??= new Uint32Array(FILTER_BITS / 32);
    for (const bit of positions(hash)) this.bits[bit >>> 5] = (this.bits[bit >>> 5] ?? 0) | (1 << (bit & 31));
    this.size++;
  }

  has(hash: string): boolean {
    if (!this.bits) return false;
    for (const bit of positions(hash))
      if (((this.bits[bit >>> 5] ?? 0) & (1 << (bit & 31))) === 0) return false;
    return true;
  }
}

/** Four 25-bit positions from a 16-hex-digit hash (its 64 bits, overlapping slices). */
function positions(hash: string): number[] {
  const hi = Number.parseInt(hash.slice(0, 8), 16);
  const lo = Number.parseInt(hash.slice(8, 16), 16);
  const mask = FILTER_BITS - 1;
  return [hi & mask, lo & mask, ((hi >>> 16) ^ (lo << 9)) & mask, ((lo >>> 16) ^ (hi << 11)) & mask];
}

/** Collects a summary from messages handed to it one at a time, in order, in bounded memory. */
export class SummaryBuilder {
  private readonly senders = new Set<string>();
  private messages = 0;
  private first: string | null = null;
  private last: string | null = null;
  private readonly preview: PreviewMessage[] = [];
  private readonly tail: string[] = [];
  /** The smallest hashes seen so far (a bottom-k sample), kept sorted. */
  private readonly bottom: string[] = [];
  /** Every message hash, to match this export against earlier versions. */
  readonly hashes = new MessageSet();
  readonly warnings: string[] = [];
  /** Who iOS WhatsApp notices are written as: the chat's own name (a title when the file was renamed). */
  noticeSender: string | undefined;
  media = 0;
  mediaBytes = 0;
  private readonly hash: ReturnType<typeof messageHasher>;

  constructor(authKey: Buffer) {
    this.hash = messageHasher(authKey);
  }

  /**
   * A message people wrote, in the export's order (oldest first, as every app writes them). `time` is an
   * ISO 8601 instant, or a local time when the export has no zone; `stamp`, when given, is what the
   * message's hash uses instead (the time as written, when reading it depends on the rest of the file).
   */
  message(sender: string, time: string, text: string, stamp = time): void {
    this.messages++;
    if (this.senders.size < MAX_PARTICIPANTS && sender) this.senders.add(sender);
    this.first ??= time;
    this.last = time;
    this.preview.push({
      sender,
      time,
      text: text.length > PREVIEW_TEXT ? `${text.slice(0, PREVIEW_TEXT)}…` : text,
    });
    if (this.preview.length > PREVIEW_MESSAGES) this.preview.shift();
    const h = this.hash(sender, stamp, text);
    this.hashes.add(h);
    this.tail.push(h);
    if (this.tail.length > TAIL_SIZE) this.tail.shift();
    if (this.bottom.length < SAMPLE_SIZE || h < (this.bottom.at(-1) ?? '')) {
      if (this.bottom.includes(h)) return;
      const at = this.bottom.findIndex((b) => b > h);
      this.bottom.splice(at === -1 ? this.bottom.length : at, 0, h);
      if (this.bottom.length > SAMPLE_SIZE) this.bottom.pop();
    }
  }

  /** Rewrites the times kept so far (first, last, preview) once the export's date order is known. */
  retime(convert: (time: string) => string | null): void {
    const to = (t: string) => convert(t) ?? t;
    if (this.first !== null) this.first = to(this.first);
    if (this.last !== null) this.last = to(this.last);
    for (const p of this.preview) p.time = to(p.time);
  }

  /** The summary of everything handed in. */
  build(
    head: Pick<ChatSummary, 'platform' | 'title'> & Partial<Pick<ChatSummary, 'nativeId' | 'kind'>>,
  ): ChatSummary {
    return {
      ...head,
      participants: [...this.senders].sort(),
      messages: this.messages,
      first: this.first,
      last: this.last,
      media: this.media,
      mediaBytes: this.mediaBytes,
      preview: [...this.preview],
      sample: [...new Set([...this.bottom, ...this.tail])],
      warnings: [...this.warnings],
    };
  }
}
