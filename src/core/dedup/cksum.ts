// POSIX `cksum`: the CRC-32 (polynomial 0x04C11DB7, most significant bit first) of a file's bytes followed
// by its length, least significant byte first, in as few bytes as it needs; the result complemented. A
// restore without Puddleproof checks every file it rebuilds with it (`cksum < file`). Registers combine
// (crcCombine), so a file's checksum follows from its chunks' registers without reading chunks whose
// register is known.
//
// Node has no CRC of this bit order, but zlib's native crc32 computes the same polynomial least significant
// bit first, and the two are mirror images: the register after bytes B, from R, is the bit reversal of
// zlib's register after B with each byte's bits reversed, from R reversed. The bytes are reversed by a
// WebAssembly kernel (kernels.ts); three times faster than sixteen table lookups per 16 bytes in JavaScript.
import { crc32 } from 'node:zlib';
import { KERNEL_BUFFER_BYTES, kernels } from './kernels.js';

/** TABLE[b]: byte b's register, most significant bit first. */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

function crcBytes(crc: number, data: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++)
    crc = ((crc << 8) ^ (TABLE[((crc >>> 24) ^ (data[i] as number)) & 0xff] as number)) >>> 0;
  return crc;
}

/** `x` with its 32 bits in reverse order. */
function reverse32(x: number): number {
  let r = 0;
  for (let i = 0; i < 32; i++) {
    r = (r << 1) | (x & 1);
    x >>>= 1;
  }
  return r >>> 0;
}

/** Below this many bytes a byte at a time is cheaper than the copy into the kernel's buffer. */
const KERNEL_FROM = 256;
/** Bytes reversed and handed to zlib at a time (a size that stays in the core's cache). */
const BLOCK = Math.min(64 * 1024, KERNEL_BUFFER_BYTES);

const POLY = 0x04c11db7;

/** The CRC register after `data`, starting from `crc` (0 for a fresh run; no final step). */
export function crcUpdate(crc: number, data: Uint8Array): number {
  if (data.length < KERNEL_FROM) return crcBytes(crc, data, 0, data.length);
  const k = kernels();
  // zlib's crc32(bytes, v) runs its register from ~v and returns the register complemented.
  let mirrored = ~reverse32(crc) >>> 0;
  for (let at = 0; at < data.length; at += BLOCK) {
    const n = Math.min(BLOCK, data.length - at);
    k.buffer.set(data.subarray(at, at + n));
    k.reverseBits(n);
    mirrored = crc32(k.buffer.subarray(0, n), mirrored);
  }
  return reverse32(~mirrored >>> 0);
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
