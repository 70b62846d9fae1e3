// POSIX `cksum`: the CRC-32 (polynomial 0x04C11DB7, most significant bit first) of a file's bytes followed
// by its length, least significant byte first, in as few bytes as it needs; the result complemented. A
// restore without Puddleproof checks every file it rebuilds with it (`cksum < file`). Eight bytes at a
// time with eight tables ("slicing-by-8"). Registers combine (crcCombine), so a file's checksum follows
// from its chunks' registers without reading chunks whose register is known.

const TABLES = (() => {
  const t = Array.from({ length: 8 }, () => new Uint32Array(256));
  const t0 = t[0] as Uint32Array;
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t0[i] = c >>> 0;
  }
  for (let k = 1; k < 8; k++) {
    const prev = t[k - 1] as Uint32Array;
    const cur = t[k] as Uint32Array;
    for (let i = 0; i < 256; i++)
      cur[i] = ((prev[i] as number) << 8) ^ (t0[(prev[i] as number) >>> 24] as number);
  }
  return t as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
})();

function crcBytes(crc: number, data: Uint8Array, from: number, to: number): number {
  const t0 = TABLES[0];
  for (let i = from; i < to; i++)
    crc = ((crc << 8) ^ (t0[((crc >>> 24) ^ (data[i] as number)) & 0xff] as number)) >>> 0;
  return crc;
}

const POLY = 0x04c11db7;

/** The CRC register after `data`, starting from `crc` (0 for a fresh run; no final step). */
export function crcUpdate(crc: number, data: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES;
  const end = data.length - (data.length % 8);
  for (let i = 0; i < end; i += 8) {
    const a =
      (crc ^
        (((data[i] as number) << 24) |
          ((data[i + 1] as number) << 16) |
          ((data[i + 2] as number) << 8) |
          (data[i + 3] as number))) >>>
      0;
    crc =
      ((t7[a >>> 24] as number) ^
        (t6[(a >>> 16) & 0xff] as number) ^
        (t5[(a >>> 8) & 0xff] as number) ^
        (t4[a & 0xff] as number) ^
        (t3[data[i + 4] as number] as number) ^
        (t2[data[i + 5] as number] as number) ^
        (t1[data[i + 6] as number] as number) ^
        (t0[data[i + 7] as number] as number)) >>>
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
