// The age header, built and opened by typage (age-encryption), with X25519 stanzas wrapped natively
// (x25519-recipient.ts); the payload is ours (stream-payload.ts).
import { Decrypter, Encrypter, type Identity, type Recipient, type Stanza } from 'age-encryption';
import { HeaderInvalidError, NoIdentityMatchedError } from './errors.js';
import { importedX25519 } from './identity-cache.js';
import { nativeX25519Recipient } from './x25519-recipient.js';

/** What can open a file: age identity strings (X25519, hybrid PQ), custom identities, passphrases. */
export interface DecryptionKeys {
  identities?: readonly (string | Identity)[];
  passphrases?: readonly string[];
}

/** The largest header we accept: far above any real one, small enough to keep memory flat. */
export const MAX_HEADER_SIZE = 1024 * 1024;

const INTRO = Buffer.from('age-encryption.org/');
const MAC_LINE = Buffer.from('\n---');

/** Checks a recipient string (`age1…`, `age1pq1…`) and throws a plain error if it is not one. */
export function assertRecipient(recipient: string): void {
  try {
    new Encrypter().addRecipient(recipient);
  } catch {
    throw new Error(`Not a valid age recipient: ${JSON.stringify(recipient.slice(0, 24))}…`);
  }
}

/** Builds a header wrapping a fresh file key to every recipient; returns both. */
export async function createHeader(
  recipients: readonly (string | Recipient)[],
): Promise<{ header: Buffer; fileKey: Uint8Array }> {
  if (recipients.length === 0) throw new Error('An age file needs at least one recipient.');
  const encrypter = new Encrypter();
  for (const r of recipients)
    encrypter.addRecipient((typeof r === 'string' && nativeX25519Recipient(r)) || r);
  // typage hands the file key to every recipient; this one only keeps a copy and adds no stanza.
  let fileKey: Uint8Array | undefined;
  encrypter.addRecipient({
    wrapFileKey(key: Uint8Array): Stanza[] {
      fileKey = Uint8Array.from(key);
      return [];
    },
  });
  // An empty file is header || 16-byte nonce || 16-byte empty final chunk: keep the header.
  const empty = await encrypter.encrypt(new Uint8Array(0));
  if (!fileKey) throw new Error('age header was built without a file key');
  return { header: Buffer.from(empty.subarray(0, empty.length - 32)), fileKey };
}

/**
 * Where the header in `buf` ends (just past the MAC line), -1 if more bytes are needed.
 * Throws HeaderInvalidError for input that cannot be an age header.
 */
export function findHeaderEnd(buf: Buffer): number {
  const introLen = Math.min(buf.length, INTRO.length);
  if (!buf.subarray(0, introLen).equals(INTRO.subarray(0, introLen))) {
    throw new HeaderInvalidError('it does not start with "age-encryption.org/v1"');
  }
  const mac = buf.indexOf(MAC_LINE);
  const end = mac < 0 ? -1 : buf.indexOf(0x0a, mac + MAC_LINE.length);
  if (end >= 0) return end + 1;
  if (buf.length > MAX_HEADER_SIZE) throw new HeaderInvalidError('the header is longer than 1 MiB');
  return -1;
}

/** Rejects an scrypt stanza next to any other (spec: scrypt must be the only recipient). */
const scryptAloneGuard: Identity = {
  unwrapFileKey(stanzas: Stanza[]): null {
    if (stanzas.length > 1 && stanzas.some((s) => s.args[0] === 'scrypt')) {
      throw new Error('an scrypt (passphrase) stanza must be the only recipient stanza');
    }
    return null;
  },
};

/** Opens a complete header with the given keys and returns the file key (MAC verified). */
export async function openHeader(header: Uint8Array, keys: DecryptionKeys): Promise<Uint8Array> {
  const decrypter = new Decrypter();
  decrypter.addIdentity(scryptAloneGuard);
  for (const id of keys.identities ?? [])
    decrypter.addIdentity((typeof id === 'string' && (await importedX25519(id))) || id);
  for (const p of keys.passphrases ?? []) decrypter.addPassphrase(p);
  try {
    return await decrypter.decryptHeader(header);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (message.startsWith('no identity matched')) throw new NoIdentityMatchedError();
    if (message === 'invalid header HMAC') {
      throw new HeaderInvalidError('its MAC does not match (the header was changed, or a wrong key)');
    }
    throw new HeaderInvalidError(message);
  }
}
