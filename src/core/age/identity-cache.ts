// X25519 identity strings imported as WebCrypto keys once per process: typage imports an identity string's
// key again for every stanza it tries, which costs more than the X25519 operation itself when a command
// opens many small records (the trusted list, metadata, indexes) with several identities.
import { webcrypto } from 'node:crypto';
import { bech32KeyBytes } from './bech32.js';

/** The 32 key bytes of an `AGE-SECRET-KEY-1…` string (Bech32, checksum checked), or null. */
export function x25519IdentityBytes(identity: string): Uint8Array | null {
  return identity === identity.toUpperCase() ? bech32KeyBytes(identity, 'age-secret-key-') : null;
}

// PKCS #8 wrapping of a raw X25519 private key (WebCrypto imports X25519 private keys only so).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const imported = new Map<string, Promise<webcrypto.CryptoKey>>();

/** The identity as a WebCrypto key, imported once (X25519 strings only; null for any other). */
export function importedX25519(identity: string): Promise<webcrypto.CryptoKey> | null {
  const cached = imported.get(identity);
  if (cached) return cached;
  const bytes = x25519IdentityBytes(identity);
  if (!bytes) return null;
  const key = webcrypto.subtle.importKey(
    'pkcs8',
    Buffer.concat([PKCS8_PREFIX, bytes]),
    { name: 'X25519' },
    false,
    ['deriveBits'],
  );
  imported.set(identity, key);
  return key;
}
