// POSIX `cksum`: the CRC-32 (polynomial 0x04C11DB7, most significant bit first) of a file's bytes followed
// by its length, least significant byte first, in as few bytes as it needs; the result complemented. A
// restore without Puddleproof checks every file it rebuilds with it (`cksum < file`). Sixteen bytes at a
// time with sixteen tables ("slicing-by-16"). Registers combine (crcCombine), so a file's checksum follows
// from its chunks' registers without reading chunks whose register is known.

type U = Uint32Array;
type SixteenTables = [U, U, U, U, U, U, U, U, U, U, U, U, U, U, U, U];

/** The sixteen tables of slicing-by-16: TABLES[k][b] is byte b's register followed by k zero bytes. */
const TABLES = (() => {
  const t = Array.from({ length: 16 }, () => new Uint32Array(256));
  const t0 = t[0] as Uint32Array;
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t0[i] = c >>> 0;
  }
  for (let k = 1; k < 16; k++) {
    const prev = t[k - 1] as Uint32Array;
    const cur = t[k] as Uint32Array;
    for (let i = 0; i < 256; i++)
      cur[i] = ((prev[i] as number) << 8) ^ (t0[(prev[i] as number) >>> 24] as number);
  }
  return t;
})();

function crcBytes(crc: number, data: Uint8Array, from: number, to: number): number {
  const t0 = TABLES[0] as Uint32Array;
  for (let i = from; i < to; i++)
    crc = ((crc << 8) ^ (t0[((crc >>> 24) ^ (data[i] as number)) & 0xff] as number)) >>> 0;
  return crc;
}

const POLY = 0x04c11db7;

/** The CRC register after `data`, starting from `crc` (0 for a fresh run; no final step). */
export function crcUpdate(crc: number, data: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15] = TABLES as SixteenTables;
  // Sixteen bytes a step, read as four big-endian words (the register's most significant byte comes first).
  const words = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const end = data.length - (data.length % 16);
  for (let i = 0; i < end; i += 16) {
    const a = (crc ^ words.getUint32(i)) >>> 0;
    const b = words.getUint32(i + 4);
    const c = words.getUint32(i + 8);
    const d = words.getUint32(i + 12);
    crc =
      ((t15[a >>> 24] as number) ^
        (t14[(a >>> 16) & 0xff] as number) ^
        (t13[(a >>> 8) & 0xff] as number) ^
        (t12[a & 0xff] as number) ^
        (t11[b >>> 24] as number) ^
        (t10[(b >>> 16) & 0xff] as number) ^
        (t9[(b >>> 8) & 0xff] as number) ^
        (t8[b & 0xff] as number) ^
        (t7[c >>> 24] as number) ^
        (t6[(c >>> 16) & 0xff] as number) ^
        (t5[(c >>> 8) & 0xff] as number) ^
        (t4[c & 0xff] as number) ^
        (t3[d >>> 24] as number) ^
        (t2[(d >>> 16) & 0xff] as number) ^
        (t1[(d >>> 8) & 0xff] as number) ^
        (t0[d & 0xff] as number)) >>>
      0;
  }
  return crcBytes(crc, data, end, data.length);
}

/** a·b in GF(2)[x] modulo the CRC polynomial (both of degree < 32, bit 31 the x^31 coefficient). */
function mulMod(a: number, b: number): number {
  let product = 0;
  for (let bit = 31; bit >= 0; bit--) {
    product = (product & 0x80000000 ? (product << 1) ^ POLY : product << 1) >>> 0;
    if ((b >>> bit) & 1) product = (product ^ a) >>> 0;
  }
  return product;
}

/** x^(8·2^k) mod the polynomial, for k = 0..52 (lengths up to 2^53 bytes). */
const X8_POWERS = (() => {
  const powers = [0x100];
  for (let k = 1; k < 53; k++) powers.push(mulMod(powers[k - 1] as number, powers[k - 1] as number));
  return powers;
})();

/** The register after A then B, from A's register and B's (both from 0) and B's length. */
export function crcCombine(crcA: number, crcB: number, lengthB: number): number {
  let shift = 1; // x^(8·lengthB) mod P, by squaring
  for (let k = 0, n = lengthB; n > 0; k++, n = Math.floor(n / 2)) {
    if (n % 2 === 1) shift = mulMod(shift, X8_POWERS[k] as number);
  }
  return (mulMod(crcA, shift) ^ crcB) >>> 0;
}

/** `cksum`'s result for bytes of `length` whose register (from 0) is `crc`. */
export function cksumFinish(crc: number, length: number): number {
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.push(n & 0xff);
  return ~crcBytes(crc, Uint8Array.from(bytes), 0, bytes.length) >>> 0;
}

/** Computes `cksum`'s checksum of a byte stream fed in pieces. */
export class Cksum {
  private crc = 0;
  private length = 0;

  update(data: Uint8Array): this {
    this.crc = crcUpdate(this.crc, data);
    this.length += data.length;
    return this;
  }

  /** The checksum as `cksum` prints it (its first field). */
  digest(): number {
    return cksumFinish(this.crc, this.length);
  }
}
