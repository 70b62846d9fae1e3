// Authenticity of backups: HMAC-SHA-256 under the vault authentication key (keychain + recovery kit).
// age alone proves integrity, not origin: anyone with the public recipients can make a valid age file.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC over the data object's tar (all bytes before the proof trailer), bound to the backup id. */
export function dataProof(authKey: Buffer, id: string, contentSha256: Buffer): Buffer {
  return createHmac('sha256', authKey).update(`puddleproof/v1/data\n${id}\n`).update(contentSha256).digest();
}

/** HMAC over a metadata record's canonical JSON (every field but the proof). */
export function metadataProof(authKey: Buffer, canonicalJson: string): Buffer {
  return createHmac('sha256', authKey).update('puddleproof/v1/metadata\n').update(canonicalJson).digest();
}

/** HMAC used for content fingerprints (keyed, so a fingerprint confirms nothing to anyone else). */
export function fingerprintHmac(authKey: Buffer, label: string) {
  return createHmac('sha256', authKey).update(`puddleproof/v1/${label}\n`);
}

/** Constant-time comparison of a proof with its expected value. */
export function proofMatches(expected: Buffer, actual: Buffer): boolean {
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
