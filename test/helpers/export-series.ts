// Successive exports of one growing WhatsApp iOS chat, as a phone writes them: every export renumbers the
// window of latest media from 00000001, shuffles the members, writes its own member times (unless fixed) and
// grows the text at the end. Media are stored, the text is deflated; zips are written by hand and the media
// streamed to disk, so a 200 MB version needs a few MB of memory.
import { createCipheriv, createHash } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { type ChatModel, growChat, type MediaKind, makeChat, mediaKind, rng } from './chat-exports/model.js';
import { WHATSAPP_LOCALES, whatsAppIosText } from './chat-exports/whatsapp.js';

export interface SeriesOptions {
  versions: number;
  /** Zip size of version 1 and of the last version; versions in between grow evenly. */
  firstBytes: number;
  lastBytes: number;
  seed: number;
  /** true: every zip member of every version has one fixed DOS time; false: each export writes its own times. */
  fixedTimes: boolean;
  /** How many of the latest media files an export includes (default 120); older media are "omitted". */
  mediaWindow?: number;
}

/** One media file in one export: the chat's own id for it (same id, same bytes), its name in this export. */
export interface SeriesMedia {
  id: string;
  name: string;
  bytes: number;
}

export interface SeriesVersion {
  path: string;
  bytes: number;
  members: number;
  /** `_chat.txt` as stored in the zip (deflated). */
  textStoredBytes: number;
  media: SeriesMedia[];
}

/** New media files each later version brings (and as many old ones leave the window). */
export const NEW_MEDIA_PER_VERSION = 2;
const DEFAULT_WINDOW = 120;
/** Messages per media file. */
const MEDIA_EVERY = 30;
const FIXED_TIME = new Date(Date.UTC(2024, 0, 1, 12, 0, 0));
/** Relative sizes of the media kinds (a video is about five photos). */
const KIND_WEIGHT: Record<MediaKind, number> = { photo: 1, video: 5, voice: 0.15, document: 0.6 };
const CHUNK = 1024 * 1024;
const ZEROS = Buffer.alloc(CHUNK);

/** Bytes of distinct content over the whole series: each distinct media file once + the largest stored text. */
export function distinctContentBytes(versions: readonly SeriesVersion[]): number {
  const media = new Map<string, number>();
  for (const v of versions) for (const m of v.media) media.set(m.id, m.bytes);
  const text = Math.max(0, ...versions.map((v) => v.textStoredBytes));
  return [...media.values()].reduce((sum, b) => sum + b, text);
}

/** Writes versions 1..N of one growing WhatsApp iOS chat as zips `dir/vN/WhatsApp Chat - Lake friends.zip`;
 * returns their paths and facts. */
export async function writeExportSeries(dir: string, opts: SeriesOptions): Promise<SeriesVersion[]> {
  const window = opts.mediaWindow ?? DEFAULT_WINDOW;
  if (opts.versions < 1 || window < NEW_MEDIA_PER_VERSION) throw new Error('too few versions or media');
  await mkdir(dir, { recursive: true });
  const sizes = new Map<string, number>();
  const weight = rng(opts.seed ^ 0x5eed);
  let chat = makeChat({
    title: 'Lake friends',
    participants: ['Ana', 'Ben', 'Carla', 'Dev', 'Eli'],
    count: (window + Math.ceil(window / 4)) * MEDIA_EVERY,
    start: new Date('2021-03-01T08:00:00Z'),
    seed: opts.seed,
    mediaEvery: MEDIA_EVERY,
    systemEvery: 50,
  });
  const versions: SeriesVersion[] = [];
  for (let k = 1; k <= opts.versions; k++) {
    if (k > 1) chat = growChat(chat, NEW_MEDIA_PER_VERSION * MEDIA_EVERY, opts.seed + k);
    const target =
      opts.versions === 1
        ? opts.firstBytes
        : Math.round(opts.firstBytes + ((opts.lastBytes - opts.firstBytes) * (k - 1)) / (opts.versions - 1));
    const plan = planVersion(chat, window);
    const text = deflateRawSync(plan.text, { level: 6 });
    const names = ['_chat.txt', ...plan.media.map((m) => m.name)];
    const overhead = names.reduce((sum, n) => sum + 30 + 46 + 2 * Buffer.byteLength(n), 22) + text.length;
    sizeNewMedia(plan.media, sizes, target - overhead, weight);
    const media = plan.media.map((m) => ({ ...m, bytes: sizes.get(m.id) ?? 0 }));
    // A phone names every export alike: each version has a folder of its own.
    await mkdir(join(dir, `v${k}`));
    const path = join(dir, `v${k}`, 'WhatsApp Chat - Lake friends.zip');
    const order = shuffled(names.length, rng((opts.seed ^ Math.imul(k, 0x9e3779b1)) >>> 0));
    const time = opts.fixedTimes ? undefined : exportTime(chat);
    const bytes = await writeZip(path, order, { text: plan.text, stored: text }, media, opts.seed, time);
    versions.push({ path, bytes, members: names.length, textStoredBytes: text.length, media });
  }
  return versions;
}

interface PlannedMedia {
  id: string;
  name: string;
  kind: MediaKind;
}

/** The `_chat.txt` of this export and its media: the latest `window` attachments, numbered from 00000001;
 * older attachments are written as omitted. */
function planVersion(chat: ChatModel, window: number): { text: Buffer; media: PlannedMedia[] } {
  const all = chat.messages.flatMap((m) => (m.media ? [m.media.fileName] : []));
  const skip = Math.max(0, all.length - window);
  const omitted = WHATSAPP_LOCALES.en.iosOmitted;
  const media: PlannedMedia[] = [];
  // The model's attachments are tiny; their names are renumbered here and their bytes never used.
  const { text } = whatsAppIosText(chat, { withMedia: true });
  const renumbered = text.replace(/<attached: (\d{8})(-[^>]*)>/g, (_, n: string, rest: string) => {
    const index = Number(n) - 1;
    const id = all[index] ?? '';
    const kind = mediaKind(id);
    if (index < skip) return omitted[kind];
    const name = `${String(index - skip + 1).padStart(8, '0')}${rest}`;
    media.push({ id, name, kind });
    return `<attached: ${name}>`;
  });
  return { text: Buffer.from(renumbered, 'utf8'), media };
}

/** Gives the media files seen for the first time sizes that bring this version's media to `mediaBytes`. */
function sizeNewMedia(
  media: PlannedMedia[],
  sizes: Map<string, number>,
  mediaBytes: number,
  next: () => number,
): void {
  const fresh = media.filter((m) => !sizes.has(m.id));
  const known = media.reduce((sum, m) => sum + (sizes.get(m.id) ?? 0), 0);
  const weights = fresh.map((m) => KIND_WEIGHT[m.kind] * (0.6 + 0.8 * next()));
  const total = weights.reduce((a, b) => a + b, 0);
  const share = mediaBytes - known;
  if (share < fresh.length * 1024) throw new Error(`too small for ${fresh.length} new media: ${share} bytes`);
  let left = share;
  fresh.forEach((m, i) => {
    const size =
      i === fresh.length - 1 ? left : Math.max(1024, Math.floor((share * (weights[i] ?? 0)) / total));
    sizes.set(m.id, size);
    left -= size;
  });
}

/** The member indexes 0..n-1 in a seeded random order (Fisher–Yates). */
function shuffled(n: number, next: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

/** When the phone writes this export: ten minutes after the chat's last message. */
function exportTime(chat: ChatModel): Date {
  const last = chat.messages[chat.messages.length - 1]?.time ?? FIXED_TIME;
  return new Date(last.getTime() + 10 * 60_000);
}

function dosDateTime(date: Date): { time: number; date: number } {
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
    date: ((date.getUTCFullYear() - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}

interface Written {
  name: Buffer;
  method: 0 | 8;
  crc: number;
  stored: number;
  size: number;
  offset: number;
  when: { time: number; date: number };
}

function header(e: Written, central: boolean): Buffer {
  const at = central ? 2 : 0; // a central header has "version made by" before the fields both share
  const b = Buffer.alloc(central ? 46 : 30);
  b.writeUInt32LE(central ? 0x02014b50 : 0x04034b50, 0);
  if (central) b.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
  b.writeUInt16LE(20, 4 + at);
  b.writeUInt16LE(e.method, 8 + at);
  b.writeUInt16LE(e.when.time, 10 + at);
  b.writeUInt16LE(e.when.date, 12 + at);
  b.writeUInt32LE(e.crc, 14 + at);
  b.writeUInt32LE(e.stored, 18 + at);
  b.writeUInt32LE(e.size, 22 + at);
  b.writeUInt16LE(e.name.length, 26 + at);
  if (central) {
    b.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
    b.writeUInt32LE(e.offset, 42);
  }
  return Buffer.concat([b, e.name]);
}

/** Writes the zip: member i of `order` is `_chat.txt` for 0, else media i-1. Returns its size. Member times
 * are `time` plus two seconds per member written, or FIXED_TIME for all. */
async function writeZip(
  path: string,
  order: number[],
  text: { text: Buffer; stored: Buffer },
  media: SeriesMedia[],
  seed: number,
  time: Date | undefined,
): Promise<number> {
  const file = await open(path, 'w');
  try {
    let at = 0;
    const put = async (data: Buffer) => {
      await file.write(data, 0, data.length, at);
      at += data.length;
    };
    const written: Written[] = [];
    for (const [n, index] of order.entries()) {
      const when = dosDateTime(time ? new Date(time.getTime() + n * 2000) : FIXED_TIME);
      const m = media[index - 1];
      const e: Written = m
        ? { name: Buffer.from(m.name), method: 0, crc: 0, stored: m.bytes, size: m.bytes, offset: at, when }
        : {
            name: Buffer.from('_chat.txt'),
            method: 8,
            crc: crc32(text.text),
            stored: text.stored.length,
            size: text.text.length,
            offset: at,
            when,
          };
      await put(header(e, false));
      if (m) {
        for (const chunk of mediaChunks(seed, m)) {
          e.crc = crc32(chunk, e.crc);
          await put(chunk);
        }
        const crc = Buffer.alloc(4);
        crc.writeUInt32LE(e.crc);
        await file.write(crc, 0, 4, e.offset + 14); // the local header's CRC, now known
      } else {
        await put(text.stored);
      }
      written.push(e);
    }
    const directory = Buffer.concat(written.map((e) => header(e, true)));
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(written.length, 8);
    end.writeUInt16LE(written.length, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(at, 16);
    await put(directory);
    await put(end);
    return at;
  } finally {
    await file.close();
  }
}

/** A media file's bytes, incompressible and the same for the same seed and id: AES-256-CTR of zeros. */
function* mediaChunks(seed: number, m: SeriesMedia): Generator<Buffer> {
  const key = createHash('sha256').update(`export-series ${seed} ${m.id}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  for (let left = m.bytes; left > 0; left -= CHUNK) {
    yield cipher.update(ZEROS.subarray(0, Math.min(CHUNK, left)));
  }
}
