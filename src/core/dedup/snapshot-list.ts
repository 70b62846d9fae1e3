// A format-2 snapshot's plaintext: the backup's files as lines that a shell script reads with `read`, each
// file followed by its chunks in order. Paths keep only [A-Za-z0-9._~+,=@/-] as they are; every other
// byte of their UTF-8 is written `\0ooo` (octal), which `printf '%b'` turns back into the byte.
import { pathProblem } from '../restore/tar-paths.js';

/** Who the snapshot belongs to. */
export interface SnapshotHeader {
  id: string;
  createdAt: string;
  /** The chat's key, or null for a backup of no recognised chat. */
  chatKey: string | null;
  /** The export's file or folder name; every path starts with it. */
  exportName: string;
}

/** A chunk of a file: its stored name (`<id>` or `<id>.gz`) and its plain size. */
export interface ListedChunk {
  name: string;
  plainBytes: number;
}

/** One folder or file of the export; `path` starts with the export's name. */
export type ListedEntry =
  | { type: 'dir'; path: string; mode: number; mtimeMs: number }
  | {
      type: 'file';
      path: string;
      mode: number;
      mtimeMs: number;
      size: number;
      /** POSIX `cksum` of the file. */
      cksum: number;
      chunks: ListedChunk[];
    };

const MAGIC = 'puddleproof snapshot 2';
const END = 'E';
const MIN_PADDED = 4096;
const CHUNK_NAME = /^[0-9a-f]{64}(\.gz)?$/;

/** The snapshot is malformed; the message says where. */
export class SnapshotListError extends Error {}

/** `text` with every byte outside the safe set as `\0ooo`. */
export function encodePath(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9._~+,=@/-]/.test(c) ? c : `\\0${byte.toString(8).padStart(3, '0')}`;
  }
  return out;
}

/** The text `encodePath` encoded. */
export function decodePath(encoded: string): string {
  if (!/^([A-Za-z0-9._~+,=@/-]|\\0[0-7]{3})+$/.test(encoded)) throw new SnapshotListError('a malformed path');
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; ) {
    if (encoded[i] === '\\') {
      bytes.push(Number.parseInt(encoded.slice(i + 2, i + 5), 8) & 0xff);
      i += 5;
    } else {
      bytes.push(encoded.charCodeAt(i));
      i += 1;
    }
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    throw new SnapshotListError('a path that is not UTF-8');
  }
  // One spelling only: what encodePath writes (no escaped safe byte).
  if (encodePath(text) !== encoded) throw new SnapshotListError('a path not written as encodePath writes it');
  return text;
}

const octal = (n: number) => n.toString(8);

/** The snapshot's plaintext, padded with newlines to a power of two (at least 4 KiB). */
export function encodeSnapshot(header: SnapshotHeader, entries: readonly ListedEntry[]): Buffer {
  const lines = [
    MAGIC,
    `I ${header.id}`,
    `T ${header.createdAt}`,
    `K ${header.chatKey ?? '-'}`,
    `N ${encodePath(header.exportName)}`,
  ];
  for (const e of entries) {
    const path = encodePath(e.path);
    if (e.type === 'dir') {
      lines.push(`D ${octal(e.mode)} ${e.mtimeMs} ${path}`);
      continue;
    }
    lines.push(`F ${octal(e.mode)} ${e.mtimeMs} ${e.size} ${e.cksum} ${path}`);
    for (const c of e.chunks) lines.push(`C ${c.name} ${c.plainBytes}`);
  }
  lines.push(END, '');
  const text = Buffer.from(lines.join('\n'));
  let size = MIN_PADDED;
  while (size < text.length) size *= 2;
  return Buffer.concat([text, Buffer.alloc(size - text.length, 0x0a)]);
}

function count(text: string | undefined, radix = 10, signed = false): number {
  const pattern = radix === 8 ? /^[0-7]{1,7}$/ : signed ? /^-?\d{1,16}$/ : /^\d{1,16}$/;
  if (text === undefined || !pattern.test(text)) throw new SnapshotListError('a malformed number');
  const value = Number.parseInt(text, radix);
  if (!Number.isSafeInteger(value)) throw new SnapshotListError('a number out of range');
  return value;
}

function decodeAt(encoded: string, where: string): string {
  try {
    return decodePath(encoded);
  } catch (err) {
    throw new SnapshotListError(`${where}: ${(err as Error).message}`);
  }
}

/** Parses a snapshot's plaintext; refuses malformed lines, unsafe paths and paths outside the export. */
export function decodeSnapshot(plain: Buffer): { header: SnapshotHeader; entries: ListedEntry[] } {
  const lines = plain.toString('utf8').replace(/\n+$/, '').split('\n');
  const field = (i: number, tag: string) => {
    const line = lines[i] ?? '';
    if (!line.startsWith(`${tag} `)) throw new SnapshotListError(`line ${i + 1}: expected "${tag}"`);
    return line.slice(2);
  };
  if (lines[0] !== MAGIC) throw new SnapshotListError('not a format-2 snapshot');
  if (lines.at(-1) !== END) throw new SnapshotListError('the snapshot is truncated');
  const key = field(3, 'K');
  const header: SnapshotHeader = {
    id: field(1, 'I'),
    createdAt: field(2, 'T'),
    chatKey: key === '-' ? null : key,
    exportName: decodeAt(field(4, 'N'), 'line 5'),
  };
  const entries: ListedEntry[] = [];
  const seen = new Set<string>();
  for (let i = 5; i < lines.length - 1; i++) {
    const parts = (lines[i] as string).split(' ');
    const tag = parts[0];
    const where = `line ${i + 1}`;
    if (tag === 'C') {
      const file = entries.at(-1);
      if (file?.type !== 'file' || parts.length !== 3 || !CHUNK_NAME.test(parts[1] as string))
        throw new SnapshotListError(`${where}: a malformed chunk line`);
      file.chunks.push({ name: parts[1] as string, plainBytes: count(parts[2]) });
      continue;
    }
    if (!((tag === 'D' && parts.length === 4) || (tag === 'F' && parts.length === 6)))
      throw new SnapshotListError(`${where}: a malformed line`);
    const path = decodeAt(parts.at(-1) as string, where);
    const problem = pathProblem(path);
    if (problem) throw new SnapshotListError(`${where}: ${problem}`);
    if (path !== header.exportName && !path.startsWith(`${header.exportName}/`))
      throw new SnapshotListError(`${where}: a path outside the export`);
    if (seen.has(path)) throw new SnapshotListError(`${where}: a path listed twice`);
    seen.add(path);
    const common = { path, mode: count(parts[1], 8), mtimeMs: count(parts[2], 10, true) };
    if (tag === 'D') entries.push({ type: 'dir', ...common });
    else entries.push({ type: 'file', ...common, size: count(parts[3]), cksum: count(parts[4]), chunks: [] });
  }
  for (const e of entries) {
    if (e.type === 'file' && e.chunks.reduce((sum, c) => sum + c.plainBytes, 0) !== e.size)
      throw new SnapshotListError(`${e.path}: its chunks do not add up to its size`);
  }
  return { header, entries };
}
