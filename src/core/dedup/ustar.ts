// The plain ustar tars of format 2 (packs and snapshots): regular files with short ASCII names, written and
// read in memory. Simple enough that any tar reads them (`tar -x`), strict enough to refuse anything else.

const BLOCK = 512;

/** A tar's bytes are not a format-2 ustar archive; the message says what is wrong. */
export class UstarError extends Error {}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** The 512-byte ustar header of a regular file `name` (ASCII, at most 100 bytes) of `size` bytes. */
export function ustarHeader(name: string, size: number, mode = 0o644): Buffer {
  if (!/^[\x21-\x7e]{1,100}$/.test(name))
    throw new UstarError(`Not a tar entry name: ${JSON.stringify(name)}`);
  const header = Buffer.alloc(BLOCK);
  header.write(name, 0, 'ascii');
  header.write(octal(mode, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii'); // uid
  header.write(octal(0, 8), 116, 'ascii'); // gid
  header.write(octal(size, 12), 124, 'ascii');
  header.write(octal(0, 12), 136, 'ascii'); // mtime
  header.fill(0x20, 148, 156); // checksum field counts as spaces
  header.write('0', 156, 'ascii');
  header.write('ustar\0' + '00', 257, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return header;
}

/** Bytes a file of `size` bytes takes in a tar, header included. */
export function ustarEntryBytes(size: number): number {
  return BLOCK + Math.ceil(size / BLOCK) * BLOCK;
}

/** Zeros after the last entry. */
export const USTAR_END = Buffer.alloc(2 * BLOCK);

/** One entry: its header and its data padded to a whole block, ready to concatenate. */
export function ustarEntry(name: string, data: Uint8Array): Buffer[] {
  const parts = [ustarHeader(name, data.length), Buffer.from(data.buffer, data.byteOffset, data.length)];
  const pad = ustarEntryBytes(data.length) - BLOCK - data.length;
  if (pad) parts.push(Buffer.alloc(pad));
  return parts;
}

function field(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('latin1');
}

function readOctal(header: Buffer, start: number, length: number, what: string): number {
  const text = field(header, start, length).trim();
  if (!/^[0-7]{1,11}$/.test(text)) throw new UstarError(`tar: bad ${what} field`);
  return Number.parseInt(text, 8);
}

/**
 * The regular files of a ustar archive held in memory, in order, as views into `tar`. Refuses anything but
 * regular files with plain names, duplicate names, checksum errors and truncation.
 */
export function readUstar(tar: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let at = 0;
  for (;;) {
    if (at + BLOCK > tar.length) throw new UstarError('tar: the archive is truncated');
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) return files;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] as number);
    if (readOctal(header, 148, 8, 'checksum') !== sum)
      throw new UstarError('tar: a header checksum is wrong');
    if (field(header, 257, 6) !== 'ustar') throw new UstarError('tar: not a ustar archive');
    const type = String.fromCharCode(header[156] as number);
    if (type !== '0' && type !== '\0') throw new UstarError('tar: an entry is not a regular file');
    const name = field(header, 0, 100);
    if (field(header, 345, 155) !== '' || !/^[\x21-\x7e]{1,100}$/.test(name) || name.includes('/'))
      throw new UstarError('tar: an entry has an unexpected name');
    if (files.has(name)) throw new UstarError(`tar: the entry ${name} appears twice`);
    const size = readOctal(header, 124, 12, 'size');
    const start = at + BLOCK;
    if (start + size > tar.length) throw new UstarError('tar: the archive is truncated');
    files.set(name, tar.subarray(start, start + size));
    at = start + Math.ceil(size / BLOCK) * BLOCK;
  }
}
