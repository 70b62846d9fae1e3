// This device's memory of the zip members it cut in the last export of each chat: a member is known by its
// CRC-32, compression method and sizes from the zip's central directory, and a keyed hash of three samples of
// its stored data (start, middle, end), and names the chunks its data was cut into, with a MAC of that data.
// When a later export of the chat holds a member with the same key, and the vault still holds those chunks,
// the member is read and its MAC computed again: only if it matches are the chunks reused, without cutting,
// hashing, compressing or writing anything. The key finds the candidate; it proves nothing (a CRC can be
// forged, a file damaged under it). The MAC is Poly1305 under a key derived from the vault's (chunkKeys),
// used as a keyed universal hash: its tags never leave this device's profile, so nobody who could craft a
// member knows anything that would let them match one.
import { createHash, createHmac } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sodium from 'sodium-native';
import { writeFileAtomic } from '../fs-atomic.js';

/** A chunk of a member's data: its id and plain length. */
export interface MemberChunk {
  id: string;
  length: number;
}

/** A member as the cache knows it: the chunks its data was cut into, and the MAC of that data. */
export interface KnownMember {
  chunks: readonly MemberChunk[];
  mac: string;
}

/** The MAC of a member's stored data (see above), fed in pieces. */
export class MemberMac {
  private readonly state = Buffer.alloc(sodium.crypto_onetimeauth_STATEBYTES);

  constructor(key: Uint8Array) {
    sodium.crypto_onetimeauth_init(this.state, Buffer.from(key.buffer, key.byteOffset, key.byteLength));
  }

  update(bytes: Uint8Array): void {
    sodium.crypto_onetimeauth_update(this.state, bytes);
  }

  digest(): string {
    const tag = Buffer.alloc(sodium.crypto_onetimeauth_BYTES);
    sodium.crypto_onetimeauth_final(this.state, tag);
    return tag.toString('hex');
  }
}

/** Bytes of each sample of a member's data that its key covers. */
export const SAMPLE_BYTES = 4096;

/** Where the samples of a member's data of `length` bytes lie (relative to its start; they may overlap). */
export function sampleRanges(length: number): { at: number; length: number }[] {
  const n = Math.min(SAMPLE_BYTES, length);
  return [
    { at: 0, length: n },
    { at: Math.max(0, Math.floor(length / 2) - Math.floor(n / 2)), length: n },
    { at: length - n, length: n },
  ];
}

/** A member's key: its central-directory facts and an HMAC (under the chunk id key) of its samples. */
export function memberKey(
  idKey: Uint8Array,
  member: { crc: number; method: number; length: number; uncompressedSize: number },
  samples: readonly Buffer[],
): string {
  const mac = createHmac('sha256', idKey).update('puddleproof/v1/member-sample\n');
  for (const s of samples) mac.update(s);
  const { crc, method, length, uncompressedSize } = member;
  return `${crc.toString(16)}-${method}-${length}-${uncompressedSize}-${mac.digest('hex')}`;
}

/**
 * The members of the last export of one chat (or of one export name), in this device's profile
 * (`member-cache/<sha256 of the chat key>.json`); each backup replaces it with the members it cut or reused.
 */
export class MemberCache {
  private readonly known = new Map<string, KnownMember>();
  private readonly seen = new Map<string, KnownMember>();

  private constructor(private readonly path: string) {}

  /** The cache of the chat (or export) `key` in the profile folder `dir`; empty if none or unreadable. */
  static async open(dir: string, key: string): Promise<MemberCache> {
    const name = createHash('sha256').update(key).digest('hex');
    const cache = new MemberCache(join(dir, `${name}.json`));
    try {
      const value = JSON.parse(await readFile(cache.path, 'utf8')) as { format?: unknown; members?: unknown };
      // (Format 1 had no MACs: such a cache is not used, and the next backup cuts every member once.)
      if (value.format === 2 && value.members && typeof value.members === 'object')
        for (const [k, v] of Object.entries(value.members as Record<string, unknown>)) {
          const { mac, chunks } = (v ?? {}) as { mac?: unknown; chunks?: unknown };
          if (typeof mac !== 'string' || !Array.isArray(chunks)) continue;
          const rows = chunks.filter(
            (r): r is [string, number] =>
              Array.isArray(r) && typeof r[0] === 'string' && typeof r[1] === 'number',
          );
          cache.known.set(k, { mac, chunks: rows.map(([id, length]) => ({ id, length })) });
        }
    } catch {
      // No cache yet (or a damaged one): every member is cut.
    }
    return cache;
  }

  /** The member with `key`, as the last export had it. */
  lookup(key: string): KnownMember | undefined {
    return this.known.get(key);
  }

  /** Notes a member of this export (cut or reused). */
  remember(key: string, member: KnownMember): void {
    this.seen.set(key, { mac: member.mac, chunks: [...member.chunks] });
  }

  /** Replaces the cache with the members of this export. */
  async save(): Promise<void> {
    const members = Object.fromEntries(
      [...this.seen].map(([k, m]) => [k, { mac: m.mac, chunks: m.chunks.map((c) => [c.id, c.length]) }]),
    );
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.path, JSON.stringify({ format: 2, members }), 0o600);
  }
}
