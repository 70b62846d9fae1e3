// Whole objects in memory (metadata, indexes, snapshots, packs): age encryption and decryption of buffers
// in one pass each, into one output buffer, with no stream in between. The format is the same age v1 file
// as the streaming codec's (header, 16-byte nonce, STREAM of 64 KiB ChaCha20-Poly1305 chunks).
import { randomBytes } from 'node:crypto';
import sodium from 'sodium-native';
import { HeaderInvalidError, PayloadCorruptError } from './errors.js';
import { createHeader, findHeaderEnd, openHeader } from './header.js';
import { CHUNK_SIZE, PAYLOAD_NONCE_SIZE, payloadKey, SEALED_CHUNK_SIZE, TAG_SIZE } from './stream-payload.js';

/** The STREAM nonce of chunk `index`. */
function chunkNonce(nonce: Buffer, index: number, last: boolean): Buffer {
  nonce.writeUIntBE(index, 5, 6);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** Room for the next `bytes` bytes of an age file being written: its header, its nonce, each sealed chunk. */
type Room = (bytes: number) => Buffer;

/**
 * Writes the concatenation of `parts` as an age file to every recipient, piece by piece into the room that
 * `roomFor(the file's size)` gives; returns the file's size.
 */
async function encryptThrough(
  parts: readonly Uint8Array[],
  recipients: readonly string[],
  roomFor: (size: number) => Room,
): Promise<number> {
  const { header, fileKey } = await createHeader(recipients);
  const payloadNonce = randomBytes(PAYLOAD_NONCE_SIZE);
  const key = payloadKey(fileKey, payloadNonce);
  fileKey.fill(0);
  const plainBytes = parts.reduce((sum, p) => sum + p.length, 0);
  const chunks = Math.max(1, Math.ceil(plainBytes / CHUNK_SIZE));
  const fileSize = header.length + PAYLOAD_NONCE_SIZE + plainBytes + chunks * TAG_SIZE;
  const room = roomFor(fileSize);
  header.copy(room(header.length));
  payloadNonce.copy(room(PAYLOAD_NONCE_SIZE));
  const nonce = Buffer.alloc(12);
  const scratch = Buffer.allocUnsafe(CHUNK_SIZE);
  let part = 0;
  let offset = 0;
  for (let i = 0; i < chunks; i++) {
    const size = Math.min(CHUNK_SIZE, plainBytes - i * CHUNK_SIZE);
    // The chunk's plaintext: a view when one part holds it, else gathered into the scratch buffer.
    let input: Buffer;
    const current = parts[part];
    if (current && current.length - offset >= size) {
      input = Buffer.from(current.buffer, current.byteOffset + offset, size);
      offset += size;
    } else {
      let filled = 0;
      while (filled < size) {
        const p = parts[part] as Uint8Array;
        const take = Math.min(size - filled, p.length - offset);
        scratch.set(p.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (offset === p.length) {
          part++;
          offset = 0;
        }
      }
      input = scratch.subarray(0, size);
    }
    while (parts[part] && offset === (parts[part] as Uint8Array).length) {
      part++;
      offset = 0;
    }
    sodium.crypto_aead_chacha20poly1305_ietf_encrypt(
      room(size + TAG_SIZE),
      input,
      null,
      null,
      chunkNonce(nonce, i, i === chunks - 1),
      key,
    );
  }
  key.fill(0);
  return fileSize;
}

/**
 * The concatenation of `parts` as an age file to every recipient; written into `into` (and returned as a
 * view of it) when `into` is large enough, so that a caller encrypting many objects can reuse one buffer.
 */
export async function encryptParts(
  parts: readonly Uint8Array[],
  recipients: readonly string[],
  into?: Buffer,
): Promise<Buffer> {
  let out: Buffer = Buffer.alloc(0);
  let at = 0;
  await encryptThrough(parts, recipients, (size) => {
    out = into && into.length >= size ? into.subarray(0, size) : Buffer.allocUnsafe(size);
    return (bytes) => {
      at += bytes;
      return out.subarray(at - bytes, at);
    };
  });
  return out;
}

/** Bytes of a staging buffer for encryptPartsTo: room for the largest header and one sealed chunk. */
export const STAGING_BYTES = 1024 * 1024;

/**
 * The concatenation of `parts` as an age file to every recipient, handed to `write` in pieces of at most
 * `staging.length` bytes (STAGING_BYTES or more), each valid until `write` returns; returns the file's size.
 * The file is never whole in memory.
 */
export async function encryptPartsTo(
  parts: readonly Uint8Array[],
  recipients: readonly string[],
  staging: Buffer,
  write: (piece: Buffer) => void,
): Promise<number> {
  let used = 0;
  const size = await encryptThrough(parts, recipients, () => (bytes) => {
    if (used + bytes > staging.length) {
      write(staging.subarray(0, used));
      used = 0;
    }
    if (bytes > staging.length)
      throw new Error(`An age header of ${bytes} bytes does not fit the staging buffer`);
    used += bytes;
    return staging.subarray(used - bytes, used);
  });
  if (used > 0) write(staging.subarray(0, used));
  return size;
}

/** `data` as an age file to every recipient. */
export function encryptBuffer(data: Uint8Array, recipients: readonly string[]): Promise<Buffer> {
  return encryptParts([data], recipients);
}

/**
 * The plaintext of the age file `data`, opened with one of `identities`; throws AgeError subclasses. Written
 * into `into` (and returned as a view of it) when `into` is large enough.
 */
export async function decryptBuffer(
  data: Uint8Array,
  identities: readonly string[],
  into?: Buffer,
): Promise<Buffer> {
  const sealed = Buffer.from(data.buffer, data.byteOffset, data.length);
  const headerEnd = findHeaderEnd(sealed);
  if (headerEnd < 0) throw new HeaderInvalidError('the file ends inside its header');
  const fileKey = await openHeader(sealed.subarray(0, headerEnd), { identities });
  const payload = sealed.subarray(headerEnd);
  if (payload.length < PAYLOAD_NONCE_SIZE + TAG_SIZE)
    throw new PayloadCorruptError('the file is truncated (no complete final chunk)');
  const key = payloadKey(fileKey, payload.subarray(0, PAYLOAD_NONCE_SIZE));
  fileKey.fill(0);
  const body = payload.subarray(PAYLOAD_NONCE_SIZE);
  const chunks = Math.ceil(body.length / SEALED_CHUNK_SIZE);
  const lastSealed = body.length - (chunks - 1) * SEALED_CHUNK_SIZE;
  if (lastSealed < TAG_SIZE || (chunks > 1 && lastSealed === TAG_SIZE))
    throw new PayloadCorruptError('the file is truncated or has an empty final chunk');
  const size = body.length - chunks * TAG_SIZE;
  const out = into && into.length >= size ? into.subarray(0, size) : Buffer.allocUnsafe(size);
  const nonce = Buffer.alloc(12);
  try {
    for (let i = 0; i < chunks; i++) {
      const last = i === chunks - 1;
      const input = body.subarray(i * SEALED_CHUNK_SIZE, last ? body.length : (i + 1) * SEALED_CHUNK_SIZE);
      const plain = out.subarray(i * CHUNK_SIZE, i * CHUNK_SIZE + input.length - TAG_SIZE);
      try {
        sodium.crypto_aead_chacha20poly1305_ietf_decrypt(
          plain,
          null,
          input,
          null,
          chunkNonce(nonce, i, last),
          key,
        );
      } catch {
        throw new PayloadCorruptError(
          last
            ? `the last chunk (${i}) failed authentication: the file was truncated or changed`
            : `chunk ${i} failed authentication (bytes were changed)`,
        );
      }
    }
  } finally {
    key.fill(0);
  }
  return out;
}
