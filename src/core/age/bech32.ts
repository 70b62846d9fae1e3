// Bech32 (BIP 173) decoding of age's key strings, checksum checked: `age1…` recipients and
// `AGE-SECRET-KEY-1…` identities (all one case, as the age specification requires).

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

/**
 * The 32 key bytes of `s` if it is Bech32 with human-readable part `hrp` (lowercase) and a valid checksum,
 * written all in lowercase or all in uppercase; else null.
 */
export function bech32KeyBytes(s: string, hrp: string): Uint8Array | null {
  const lower = s.toLowerCase();
  if (s !== lower && s !== s.toUpperCase()) return null;
  const sep = lower.lastIndexOf('1');
  if (lower.slice(0, sep) !== hrp) return null;
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
