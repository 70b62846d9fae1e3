// Small authenticated records that devices leave for each other in the vault (checkpoints, collections):
// padded JSON encrypted with age, proven with an HMAC under the vault authentication key and bound to
// their kind, so that anyone who can only write to the cloud folder can neither forge nor swap them.
import { createHmac } from 'node:crypto';
import { decryptMetadata, encryptJson } from './metadata.js';
import { proofMatches } from './proof.js';

/** A record that is malformed, of another kind, or not authentic. */
export class RecordError extends Error {}

/** The proof of a record's body (see docs/FORMAT.md §8.3). */
export function recordProof(authKey: Buffer, kind: string, body: unknown): Buffer {
  return createHmac('sha256', authKey)
    .update(`puddleproof/v1/${kind}\n`)
    .update(JSON.stringify(body))
    .digest();
}

/** Encrypts `body` (a JSON object whose key order is the writer's) as a record of `kind`. */
export function sealRecord(
  kind: string,
  body: Record<string, unknown>,
  authKey: Buffer,
  recipients: readonly string[],
): Promise<Buffer> {
  const proof = recordProof(authKey, kind, body).toString('hex');
  return encryptJson({ kind, ...body, proof }, recipients);
}

/**
 * Decrypts a record of `kind` and checks its proof; `rebuild` validates the body and returns it with its
 * keys in the writer's order (the proof covers exactly that JSON).
 */
export async function openRecord<T extends object>(
  kind: string,
  bytes: Buffer,
  identities: readonly string[],
  authKey: Buffer,
  rebuild: (value: Record<string, unknown>) => T,
): Promise<T> {
  const value = await decryptMetadata(bytes, identities).catch((err: Error) => {
    throw new RecordError(err.message);
  });
  if (typeof value !== 'object' || value === null) throw new RecordError(`${kind}: not a JSON object`);
  const v = value as Record<string, unknown>;
  if (v.kind !== kind) throw new RecordError(`not a ${kind} record`);
  const body = rebuild(v);
  const proof = Buffer.from(typeof v.proof === 'string' ? v.proof : '', 'hex');
  if (!proofMatches(recordProof(authKey, kind, body), proof))
    throw new RecordError(`${kind}: not authentic (not made with this vault's keys)`);
  return body;
}

/** A string field of a record, or a RecordError naming it. */
export function stringField(v: Record<string, unknown>, key: string, kind: string): string {
  if (typeof v[key] !== 'string') throw new RecordError(`${kind}: bad "${key}"`);
  return v[key] as string;
}

/** A list of ids of a record (each accepted by `valid`), or a RecordError naming it. */
export function idsField(
  v: Record<string, unknown>,
  key: string,
  kind: string,
  valid: (id: string) => boolean,
): string[] {
  const list = v[key];
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && valid(x)))
    throw new RecordError(`${kind}: bad "${key}"`);
  return list as string[];
}
