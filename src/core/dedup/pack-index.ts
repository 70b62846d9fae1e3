// A pack's index object: which chunks a pack holds, as lines a shell script reads with `grep` and `read`,
// with a proof made with the vault authentication key, so that a forged index is refused.
import { createHmac } from 'node:crypto';
import { proofMatches } from '../vault/proof.js';

/**
 * One chunk in a pack: its stored name (`<id>` or `<id>.gz`), stored and plain sizes, and the CRC register
 * of its plain bytes (as POSIX cksum computes it, from 0, before the length), so that a file's cksum follows
 * from its chunks' without reading them again.
 */
export interface IndexEntry {
  name: string;
  storedBytes: number;
  plainBytes: number;
  crc: number;
}

const MAGIC = 'puddleproof index 2';
const NAME = /^[0-9a-f]{64}(\.gz)?$/;
const MIN_PADDED = 4096;

/** The index object is malformed or not authentic. */
export class IndexError extends Error {}

function indexProof(authKey: Buffer, body: string): string {
  return createHmac('sha256', authKey).update('puddleproof/v2/index\n').update(body).digest('hex');
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

function body(pack: string, entries: readonly IndexEntry[]): string {
  return `${MAGIC}\nP ${pack}\n${entries.map((e) => `C ${e.name} ${e.storedBytes} ${e.plainBytes} ${hex8(e.crc)}\n`).join('')}`;
}

/** The plaintext of pack `pack`'s index, padded with newlines to a power of two (at least 4 KiB). */
export function encodeIndex(authKey: Buffer, pack: string, entries: readonly IndexEntry[]): Buffer {
  const text = body(pack, entries);
  const signed = Buffer.from(`${text}A ${indexProof(authKey, text)}\n`);
  let size = MIN_PADDED;
  while (size < signed.length) size *= 2;
  return Buffer.concat([signed, Buffer.alloc(size - signed.length, 0x0a)]);
}

/** The entries of an index's plaintext; refuses one not made with `authKey` or naming another pack. */
export function decodeIndex(authKey: Buffer, pack: string, plain: Buffer): IndexEntry[] {
  const lines = plain.toString('utf8').replace(/\n+$/, '').split('\n');
  if (lines[0] !== MAGIC) throw new IndexError(`index ${pack}: not a format-2 index`);
  if (lines[1] !== `P ${pack}`) throw new IndexError(`index ${pack}: it describes another pack`);
  const entries: IndexEntry[] = [];
  for (const line of lines.slice(2, -1)) {
    const [kind, name, stored, bytes, crc, extra] = line.split(' ');
    if (
      kind !== 'C' ||
      !NAME.test(name ?? '') ||
      extra !== undefined ||
      !/^\d+$/.test(stored ?? '') ||
      !/^\d+$/.test(bytes ?? '') ||
      !/^[0-9a-f]{8}$/.test(crc ?? '')
    )
      throw new IndexError(`index ${pack}: a malformed line`);
    entries.push({
      name: name as string,
      storedBytes: Number(stored),
      plainBytes: Number(bytes),
      crc: Number.parseInt(crc as string, 16),
    });
  }
  // Only the exact text encodeIndex writes is accepted (no other spelling of a number or of the proof).
  const signed = body(pack, entries);
  const proof = lines.at(-1) ?? '';
  if (`${lines.join('\n')}\n` !== `${signed}${proof}\n` || !/^A [0-9a-f]{64}$/.test(proof))
    throw new IndexError(`index ${pack}: a malformed line`);
  if (!proofMatches(Buffer.from(indexProof(authKey, signed), 'hex'), Buffer.from(proof.slice(2), 'hex')))
    throw new IndexError(`index ${pack}: not authentic (not made with this vault's keys)`);
  return entries;
}
