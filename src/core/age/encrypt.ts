import { randomBytes } from 'node:crypto';
import type { Transform } from 'node:stream';
import type { Recipient } from 'age-encryption';
import { createHeader } from './header.js';
import { PAYLOAD_NONCE_SIZE, PayloadEncryptStream, payloadKey } from './stream-payload.js';

/**
 * A Transform that turns plaintext into an age v1 file encrypted to every recipient
 * (`age1…` X25519, `age1pq1…` hybrid post-quantum, or a custom typage Recipient).
 */
export async function createEncryptStream(recipients: readonly (string | Recipient)[]): Promise<Transform> {
  const { header, fileKey } = await createHeader(recipients);
  const nonce = randomBytes(PAYLOAD_NONCE_SIZE);
  const stream = new PayloadEncryptStream(payloadKey(fileKey, nonce));
  fileKey.fill(0);
  stream.push(Buffer.concat([header, nonce]));
  return stream;
}
