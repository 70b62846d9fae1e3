// X25519 identity strings imported as WebCrypto keys once per process: typage imports an identity string's
// key again for every stanza it tries, which costs more than the X25519 operation itself when a command
// opens many small records (the trusted list, metadata, indexes) with several identities.
import { webcrypto } from 'node:crypto';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATORS = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: readonly number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GENERATORS[i] as number;
  }
  return chk;
}

/** The 32 key bytes of an `AGE-SECRET-KEY-1…` string (Bech32, checksum checked), or null. */
export function x25519IdentityBytes(identity: string): Uint8Array | null {
  const lower = identity.toLowerCase();
  const sep = lower.lastIndexOf('1');
  const hrp = lower.slice(0, sep);
  if (hrp !== 'age-secret-key-' || identity !== identity.toUpperCase()) return null;
  const data: number[] = [];
  for (const c of lower.slice(sep + 1)) {
    const v = CHARSET.indexOf(c);
    if (v < 0) return null;
    data.push(v);
  }
  const expanded = [...hrp].map((c) => c.charCodeAt(0) >> 5);
  expanded.push(0, ...[...hrp].map((c) => c.charCodeAt(0) & 31));
  if (data.length < 6 || polymod([...expanded, ...data]) !== 1) return null;
  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const v of data.slice(0, -6)) {
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((acc >>> bits) & 0xff);
    }
  }
  if (bits >= 5 || (acc & ((1 << bits) - 1)) !== 0 || bytes.length !== 32) return null;
  return Uint8Array.from(bytes);
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
