// The metadata object: a small age-encrypted JSON record, written last: it is the backup's commit record.
import { decryptBuffer, encryptBuffer } from '../age/buffer.js';
import type { ChatRecord } from '../chats/chat-identity.js';
import { type ChatSummary, PLATFORMS, type PreviewMessage } from '../chats/summary.js';
import { metadataProof, proofMatches } from './proof.js';

/** What every committed backup is (readable by every device of the vault through the index key). */
interface CommonMetadata {
  id: string;
  /** The chat the export belongs to (its name without date stamps). */
  source: string;
  /** The export's file or folder name, as it is restored. */
  exportName: string;
  /** ISO time the backup was made. */
  createdAt: string;
  device: string;
  deviceId: string;
  /** Regular files and folders in the export. */
  files: number;
  dirs: number;
  /** Sum of file sizes. */
  bytes: number;
  /** Keyed hash of every file's path, size and content: equal for identical exports. */
  fingerprint: string;
  /** Keyed hash of paths, sizes, modes and mtimes: lets a backup be skipped without reading the export. */
  quickFingerprint: string;
  /** The chat the export is and what it holds (absent in backups made before chats were recognised). */
  chat?: ChatRecord;
}

/** A format-1 backup: the whole export as one tar in `data/<id>.age`. */
export interface Format1Metadata extends CommonMetadata {
  format: 1;
  /** Size and SHA-256 of the tar inside the data object. */
  tarBytes: number;
  tarSha256: string;
}

/** A format-2 backup: its files as chunks in packs, listed by the snapshot `snapshots/<id>.age`. */
export interface Format2Metadata extends CommonMetadata {
  format: 2;
  /** SHA-256 of the snapshot's plaintext. */
  snapshotSha256: string;
  /** Bytes this backup added to the cloud folder (new packs, their indexes, the snapshot). */
  uploadedBytes: number;
}

/** What a committed backup is, in either format. */
export type BackupMetadata = Format1Metadata | Format2Metadata;

/** A metadata record with its proof, as stored. */
export type SignedMetadata = BackupMetadata & { proof: string };

const COMMON_FIELDS = [
  'id',
  'source',
  'exportName',
  'createdAt',
  'device',
  'deviceId',
  'files',
  'dirs',
  'bytes',
];
const FINGERPRINTS = ['fingerprint', 'quickFingerprint'];
/** Each format's fields in proof order (format 1's order is the one its proofs were made with). */
const FIELDS = {
  1: ['format', ...COMMON_FIELDS, 'tarBytes', 'tarSha256', ...FINGERPRINTS],
  2: ['format', ...COMMON_FIELDS, 'snapshotSha256', 'uploadedBytes', ...FINGERPRINTS],
} as const;
const NUMBERS = new Set(['files', 'dirs', 'bytes', 'tarBytes', 'uploadedBytes']);

function canonical(meta: BackupMetadata): string {
  const record = meta as unknown as Record<string, unknown>;
  const fields: unknown[] = FIELDS[meta.format].map((key) => [key, record[key]]);
  // Rebuilt field by field, so that the proof never depends on the order the record was written in.
  if (meta.chat) fields.push(['chat', validChatRecord(meta.chat)]);
  return JSON.stringify(fields);
}

/** Adds the proof. */
export function signMetadata(meta: BackupMetadata, authKey: Buffer): SignedMetadata {
  return { ...meta, proof: metadataProof(authKey, canonical(meta)).toString('hex') };
}

/** A metadata object that is malformed or not authentic. */
export class MetadataError extends Error {}

/** Checks shape and proof; returns the record without its proof. */
export function verifyMetadata(
  value: unknown,
  authKey: Buffer,
  allowUnauthenticated = false,
): BackupMetadata {
  if (typeof value !== 'object' || value === null) throw new MetadataError('metadata is not a JSON object');
  const v = value as Record<string, unknown>;
  if (v.format !== 1 && v.format !== 2)
    throw new MetadataError(`unsupported metadata format ${String(v.format)}`);
  for (const key of FIELDS[v.format]) {
    if (key === 'format') continue;
    const ok = NUMBERS.has(key)
      ? Number.isSafeInteger(v[key]) && (v[key] as number) >= 0
      : typeof v[key] === 'string';
    if (!ok) throw new MetadataError(`metadata: bad "${key}"`);
  }
  const meta = Object.fromEntries(FIELDS[v.format].map((key) => [key, v[key]])) as unknown as BackupMetadata;
  if (v.chat !== undefined) meta.chat = validChatRecord(v.chat);
  const proof = typeof v.proof === 'string' ? Buffer.from(v.proof, 'hex') : Buffer.alloc(0);
  if (!proofMatches(metadataProof(authKey, canonical(meta)), proof) && !allowUnauthenticated) {
    throw new MetadataError(
      `backup ${meta.id}: its metadata is not authentic (not made with this vault's keys)`,
    );
  }
  return meta;
}

/** Encrypts a signed record to the recipients. */
export function encryptMetadata(meta: SignedMetadata, recipients: readonly string[]): Promise<Buffer> {
  return encryptJson(meta, recipients);
}

/** Encrypts a JSON value to the recipients (metadata and chat edits). */
export function encryptJson(value: unknown, recipients: readonly string[]): Promise<Buffer> {
  return encryptBuffer(paddedJson(value), recipients);
}

/** The smallest padded size of an encrypted JSON record: titles and names up to this size are not told apart. */
export const JSON_PAD_MIN = 4096;

/**
 * `value` as UTF-8 JSON followed by spaces up to the next power of two (at least `JSON_PAD_MIN` bytes), so an
 * object's size says nothing about the chat's title, people or preview beyond a rough order of magnitude.
 */
export function paddedJson(value: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(value));
  let size = JSON_PAD_MIN;
  while (size < json.length) size *= 2;
  return Buffer.concat([json, Buffer.alloc(size - json.length, 0x20)]);
}

/** Decrypts a metadata object's bytes to its JSON value (not yet verified). */
export async function decryptMetadata(bytes: Buffer, identities: readonly string[]): Promise<unknown> {
  const plain = await decryptBuffer(bytes, identities);
  try {
    return JSON.parse(plain.toString('utf8'));
  } catch {
    throw new MetadataError('metadata is not valid JSON');
  }
}

/** A chat record of the expected shape, rebuilt field by field (anything else is refused). */
export function validChatRecord(value: unknown): ChatRecord {
  const bad = (what: string) => new MetadataError(`metadata: bad chat ${what}`);
  if (typeof value !== 'object' || value === null) throw bad('record');
  const r = value as Record<string, unknown>;
  const s = r.summary as Record<string, unknown> | null;
  if (typeof r.key !== 'string' || typeof s !== 'object' || s === null) throw bad('record');
  const str = (x: unknown, what: string) => {
    if (typeof x !== 'string') throw bad(what);
    return x;
  };
  const count = (x: unknown, what: string) => {
    if (!Number.isSafeInteger(x) || (x as number) < 0) throw bad(what);
    return x as number;
  };
  const strings = (x: unknown, what: string) => {
    if (!Array.isArray(x)) throw bad(what);
    return x.map((e) => str(e, what));
  };
  const platform = str(s.platform, 'platform') as ChatSummary['platform'];
  if (!PLATFORMS.includes(platform)) throw bad('platform');
  if (!Array.isArray(s.preview)) throw bad('preview');
  const preview: PreviewMessage[] = s.preview.map((p: unknown) => {
    const m = (p ?? {}) as Record<string, unknown>;
    return { sender: str(m.sender, 'preview'), time: str(m.time, 'preview'), text: str(m.text, 'preview') };
  });
  const summary: ChatSummary = {
    platform,
    title: str(s.title, 'title'),
    ...(s.nativeId !== undefined ? { nativeId: str(s.nativeId, 'id') } : {}),
    ...(s.kind !== undefined ? { kind: str(s.kind, 'kind') } : {}),
    participants: strings(s.participants, 'participants'),
    messages: count(s.messages, 'messages'),
    first: s.first === null ? null : str(s.first, 'first'),
    last: s.last === null ? null : str(s.last, 'last'),
    media: count(s.media, 'media'),
    mediaBytes: count(s.mediaBytes, 'mediaBytes'),
    preview,
    sample: strings(s.sample, 'sample'),
    warnings: strings(s.warnings, 'warnings'),
  };
  return { key: r.key, summary };
}
