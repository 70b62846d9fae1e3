// The metadata object: a small age-encrypted JSON record, written last: it is the backup's commit record.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDecryptStream, createEncryptStream } from '../age/index.js';
import { metadataProof, proofMatches } from './proof.js';

/** What a committed backup is (readable by every device of the vault through the index key). */
export interface BackupMetadata {
  format: 1;
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
  /** Size and SHA-256 of the tar inside the data object. */
  tarBytes: number;
  tarSha256: string;
  /** Keyed hash of every file's path, size and content: equal for identical exports. */
  fingerprint: string;
  /** Keyed hash of paths, sizes, modes and mtimes: lets a backup be skipped without reading the export. */
  quickFingerprint: string;
}

/** A metadata record with its proof, as stored. */
export interface SignedMetadata extends BackupMetadata {
  proof: string;
}

const FIELDS: (keyof BackupMetadata)[] = [
  'format',
  'id',
  'source',
  'exportName',
  'createdAt',
  'device',
  'deviceId',
  'files',
  'dirs',
  'bytes',
  'tarBytes',
  'tarSha256',
  'fingerprint',
  'quickFingerprint',
];

function canonical(meta: BackupMetadata): string {
  return JSON.stringify(FIELDS.map((key) => [key, meta[key]]));
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
  const numbers = ['files', 'dirs', 'bytes', 'tarBytes'] as const;
  const strings = FIELDS.filter((f) => f !== 'format' && !(numbers as readonly string[]).includes(f));
  if (v.format !== 1) throw new MetadataError(`unsupported metadata format ${String(v.format)}`);
  for (const key of numbers) {
    if (!Number.isSafeInteger(v[key]) || (v[key] as number) < 0)
      throw new MetadataError(`metadata: bad "${key}"`);
  }
  for (const key of strings)
    if (typeof v[key] !== 'string') throw new MetadataError(`metadata: bad "${key}"`);
  const meta = Object.fromEntries(FIELDS.map((key) => [key, v[key]])) as unknown as BackupMetadata;
  const proof = typeof v.proof === 'string' ? Buffer.from(v.proof, 'hex') : Buffer.alloc(0);
  if (!proofMatches(metadataProof(authKey, canonical(meta)), proof) && !allowUnauthenticated) {
    throw new MetadataError(
      `backup ${meta.id}: its metadata is not authentic (not made with this vault's keys)`,
    );
  }
  return meta;
}

/** Encrypts a signed record to the recipients. */
export async function encryptMetadata(meta: SignedMetadata, recipients: readonly string[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(
    Readable.from([Buffer.from(JSON.stringify(meta))]),
    await createEncryptStream(recipients),
    new Writable({
      write(chunk: Buffer, _e, cb) {
        parts.push(chunk);
        cb();
      },
    }),
  );
  return Buffer.concat(parts);
}

/** Decrypts a metadata object's bytes to its JSON value (not yet verified). */
export async function decryptMetadata(bytes: Buffer, identities: readonly string[]): Promise<unknown> {
  const parts: Buffer[] = [];
  await pipeline(
    Readable.from([bytes]),
    createDecryptStream({ identities }),
    new Writable({
      write(chunk: Buffer, _e, cb) {
        parts.push(chunk);
        cb();
      },
    }),
  );
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8'));
  } catch {
    throw new MetadataError('metadata is not valid JSON');
  }
}
