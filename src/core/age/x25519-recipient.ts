// age's X25519 recipient stanza (age specification, "The X25519 recipient type"), wrapped with Node's native
// X25519, HKDF and ChaCha20-Poly1305. typage wraps each stanza through WebCrypto key imports that cost
// about a millisecond each; a backup writes two age headers per pack, each to several recipients.
import {
  createCipheriv,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
} from 'node:crypto';
import { Stanza } from 'age-encryption';
import { bech32KeyBytes } from './bech32.js';

const LABEL = 'age-encryption.org/v1/X25519';
/** DER SubjectPublicKeyInfo prefix of a raw X25519 public key. */
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const ZERO_NONCE = Buffer.alloc(12);

/** Wraps a file key to one X25519 recipient (a typage Recipient). */
export class NativeX25519Recipient {
  private readonly publicKey: KeyObject;

  constructor(private readonly recipientBytes: Uint8Array) {
    this.publicKey = createPublicKey({
      key: Buffer.concat([SPKI_PREFIX, recipientBytes]),
      format: 'der',
      type: 'spki',
    });
  }

  wrapFileKey(fileKey: Uint8Array): Stanza[] {
    const ephemeral = generateKeyPairSync('x25519');
    const share = ephemeral.publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
    // A low-order point gives an all-zero secret (which OpenSSL may refuse to derive at all).
    let secret: Buffer | null = null;
    try {
      secret = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: this.publicKey });
    } catch {}
    if (!secret || secret.every((b) => b === 0))
      throw new Error('This age recipient is not a usable X25519 key (a low-order point).');
    const salt = Buffer.concat([share, this.recipientBytes]);
    const key = Buffer.from(hkdfSync('sha256', secret, salt, LABEL, 32));
    const cipher = createCipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 });
    const body = Buffer.concat([cipher.update(fileKey), cipher.final(), cipher.getAuthTag()]);
    key.fill(0);
    secret.fill(0);
    return [new Stanza(['X25519', share.toString('base64').replace(/=+$/, '')], body)];
  }
}

const cache = new Map<string, NativeX25519Recipient | null>();

/** The native recipient for an `age1…` X25519 recipient string (made once per process), or null for any other. */
export function nativeX25519Recipient(recipient: string): NativeX25519Recipient | null {
  let found = cache.get(recipient);
  if (found === undefined) {
    const bytes = recipient === recipient.toLowerCase() ? bech32KeyBytes(recipient, 'age') : null;
    found = bytes ? new NativeX25519Recipient(bytes) : null;
    cache.set(recipient, found);
  }
  return found;
}
