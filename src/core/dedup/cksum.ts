// POSIX `cksum`: the CRC-32 (polynomial 0x04C11DB7, most significant bit first) of a file's bytes followed
// by its length, least significant byte first, in as few bytes as it needs; the result complemented. A
// restore without Puddleproof checks every file it rebuilds with it (`cksum < file`).

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    table[i] = c >>> 0;
  }
  return table;
})();

/** Computes `cksum`'s checksum of a byte stream fed in pieces. */
export class Cksum {
  private crc = 0;
  private length = 0;

  update(data: Uint8Array): this {
    let crc = this.crc;
    for (let i = 0; i < data.length; i++)
      crc = ((crc << 8) ^ (TABLE[((crc >>> 24) ^ (data[i] as number)) & 0xff] as number)) >>> 0;
    this.crc = crc;
    this.length += data.length;
    return this;
  }

  /** The checksum as `cksum` prints it (its first field). */
  digest(): number {
    let crc = this.crc;
    for (let n = this.length; n > 0; n = Math.floor(n / 256))
      crc = ((crc << 8) ^ (TABLE[((crc >>> 24) ^ (n & 0xff)) & 0xff] as number)) >>> 0;
    return ~crc >>> 0;
  }
}
