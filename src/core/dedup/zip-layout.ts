// The layout of a zip file for deduplication: which byte ranges are its members' stored (compressed) data and
// which are everything else (local headers, data descriptors, central directory, end records, gaps), so that
// each member's data can be chunked on its own and the zip restored byte for byte from the segments in order.
// Only the end records, the central directory and each local header (and data descriptor) are read, never the
// member data: a zip of several GB costs a few reads.
import fs from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

export type ZipSegment =
  | { kind: 'raw'; offset: number; length: number }
  | {
      kind: 'member';
      offset: number;
      length: number;
      name: string;
      /** The central directory's CRC-32, compression method and uncompressed size of the member. */
      crc: number;
      method: number;
      uncompressedSize: number;
    };

/** Beyond these, a zip is not read (it is kept as opaque bytes). */
const MAX_ENTRIES = 100_000;
/**
 * A member's data shorter than this stays in the raw segment around it: a chunk of its own costs a pack
 * entry, an index line and a snapshot line (over 1 KiB), so a zip of many tiny members would take many
 * times its size.
 */
export const MIN_MEMBER_BYTES = 16 * 1024;
const MAX_CENTRAL_DIRECTORY_BYTES = 128 * 1024 * 1024;

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const DATA_DESCRIPTOR = 0x08074b50;
const END_RECORD = 0x06054b50;
const ZIP64_END_RECORD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;

const LOCAL_HEADER_SIZE = 30;
const CENTRAL_HEADER_SIZE = 46;
const END_RECORD_SIZE = 22;
const ZIP64_END_RECORD_SIZE = 56;
const ZIP64_LOCATOR_SIZE = 20;
const SATURATED_32 = 0xffffffff;
const HAS_DATA_DESCRIPTOR = 0x0008;
const UTF8_NAME = 0x0800;

/** Where the central directory is, as the end records say. `shift` is added to every offset the zip stores:
 * not 0 when bytes were put in front of the zip without adjusting its offsets (`zip -A` adjusts them). */
interface Directory {
  offset: number;
  size: number;
  entryCount: number;
  limit: number;
  shift: number;
}

interface CentralEntry {
  name: string;
  nameBytes: Buffer;
  method: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  localOffset: number;
}

/** Where one member lies: from its local header to the end of its data descriptor (if any). */
interface Placement {
  entry: CentralEntry;
  start: number;
  dataStart: number;
  dataEnd: number;
  end: number;
}

/** The zip at `path` cut into segments that cover it exactly, in file order; null when it is not a zip we can
 * read safely (then the caller treats the file as opaque bytes). Members with less data than `minMemberBytes`
 * (directories, empty files, tiny ones) get no segment: they are part of the raw segments. Throws only for
 * I/O errors. */
export async function zipLayout(
  path: string,
  minMemberBytes = MIN_MEMBER_BYTES,
): Promise<ZipSegment[] | null> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    for (const directory of await findDirectories(handle, size)) {
      const placements = await placeMembers(handle, directory);
      if (placements) return segmentsOf(placements, size, minMemberBytes);
    }
    return null;
  } finally {
    await handle.close();
  }
}

function segmentsOf(placements: Placement[], size: number, minMemberBytes: number): ZipSegment[] {
  const segments: ZipSegment[] = [];
  let cursor = 0;
  for (const { entry, dataStart, dataEnd } of placements) {
    if (dataEnd - dataStart < Math.max(1, minMemberBytes)) continue;
    segments.push({ kind: 'raw', offset: cursor, length: dataStart - cursor });
    const { name, crc, method, uncompressedSize } = entry;
    segments.push({
      kind: 'member',
      offset: dataStart,
      length: dataEnd - dataStart,
      name,
      crc,
      method,
      uncompressedSize,
    });
    cursor = dataEnd;
  }
  if (size > cursor) segments.push({ kind: 'raw', offset: cursor, length: size - cursor });
  return segments;
}

/** The ways to read the central directory the end records describe: as stored, then with offsets shifted by
 * the bytes found in front of the zip. Empty when there are no usable end records. */
async function findDirectories(handle: FileHandle, fileSize: number): Promise<Directory[]> {
  const tailLength = Math.min(fileSize, END_RECORD_SIZE + 0xffff);
  const tail = await readAt(handle, fileSize - tailLength, tailLength);
  const at = tail ? endRecordIndex(tail) : -1;
  if (!tail || at < 0) return [];
  const endPosition = fileSize - tailLength + at;
  const locatorPosition = endPosition - ZIP64_LOCATOR_SIZE;
  const locator = locatorPosition >= 0 ? await readAt(handle, locatorPosition, ZIP64_LOCATOR_SIZE) : null;
  if (locator?.readUInt32LE(0) === ZIP64_LOCATOR) return zip64Directories(handle, locatorPosition, locator);
  const disk = tail.readUInt16LE(at + 4);
  const directoryDisk = tail.readUInt16LE(at + 6);
  const entriesOnDisk = tail.readUInt16LE(at + 8);
  const entryCount = tail.readUInt16LE(at + 10);
  if (disk !== 0 || directoryDisk !== 0 || entriesOnDisk !== entryCount) return [];
  const size = tail.readUInt32LE(at + 12);
  const storedOffset = tail.readUInt32LE(at + 16);
  // Info-ZIP's `zip -fz` writing to a pipe saturates the offset without writing Zip64 end records: the directory
  // is then taken to end where the end record begins.
  const offset = storedOffset === SATURATED_32 ? endPosition - size : storedOffset;
  const shifts = new Set([0, endPosition - (offset + size)]);
  return [...shifts].map((shift) => ({ offset, size, entryCount, limit: endPosition, shift }));
}

/** The end of central directory record's index in `tail`: the one whose comment ends the file, else the last
 * one whose comment fits (bytes after it are kept as they are); -1 when there is none. */
function endRecordIndex(tail: Buffer): number {
  let fitting = -1;
  for (let i = tail.length - END_RECORD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== END_RECORD) continue;
    const end = i + END_RECORD_SIZE + tail.readUInt16LE(i + 20);
    if (end === tail.length) return i;
    if (end < tail.length && fitting < 0) fitting = i;
  }
  return fitting;
}

/** The ways to read the central directory a Zip64 end record describes: the record where the locator says, or
 * right before the locator (then the offsets are shifted: bytes were put in front of the zip). */
async function zip64Directories(
  handle: FileHandle,
  locatorPosition: number,
  locator: Buffer,
): Promise<Directory[]> {
  const recordOffset = uint64(locator, 8);
  const diskCount = locator.readUInt32LE(16);
  if (locator.readUInt32LE(4) !== 0 || diskCount > 1 || recordOffset === null) return [];
  const directories: Directory[] = [];
  for (const position of new Set([recordOffset, locatorPosition - ZIP64_END_RECORD_SIZE])) {
    const record = position >= 0 ? await readAt(handle, position, ZIP64_END_RECORD_SIZE) : null;
    if (record?.readUInt32LE(0) !== ZIP64_END_RECORD) continue;
    const recordSize = uint64(record, 4);
    const entriesOnDisk = uint64(record, 24);
    const entryCount = uint64(record, 32);
    const size = uint64(record, 40);
    const offset = uint64(record, 48);
    if (recordSize === null || position + 12 + recordSize > locatorPosition) continue;
    if (record.readUInt32LE(16) !== 0 || record.readUInt32LE(20) !== 0 || entriesOnDisk !== entryCount)
      continue;
    if (entryCount === null || size === null || offset === null) continue;
    directories.push({ offset, size, entryCount, limit: position, shift: position - recordOffset });
  }
  return directories;
}

/** Every member's place, sorted by offset; null when the directory and the local headers disagree or members
 * overlap, lie outside the file or after the central directory. */
async function placeMembers(handle: FileHandle, directory: Directory): Promise<Placement[] | null> {
  const { entryCount, size, shift } = directory;
  if (entryCount > MAX_ENTRIES || size > MAX_CENTRAL_DIRECTORY_BYTES) return null;
  if (entryCount * CENTRAL_HEADER_SIZE > size) return null;
  const start = directory.offset + shift;
  if (start < 0 || start + size > directory.limit) return null;
  const bytes = await readAt(handle, start, size);
  const entries = bytes ? centralEntries(bytes, entryCount) : null;
  if (!entries) return null;
  const placements: Placement[] = [];
  for (const entry of entries) {
    const placement = await placeMember(handle, entry, entry.localOffset + shift, start);
    if (!placement) return null;
    placements.push(placement);
  }
  placements.sort((a, b) => a.start - b.start);
  let previousEnd = 0;
  for (const { start: memberStart, end } of placements) {
    if (memberStart < previousEnd) return null;
    previousEnd = end;
  }
  return placements;
}

/** The central directory's entries; null unless it holds exactly `count` well-formed entries, all on disk 0. */
function centralEntries(bytes: Buffer, count: number): CentralEntry[] | null {
  const entries: CentralEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_HEADER_SIZE > bytes.length || bytes.readUInt32LE(at) !== CENTRAL_HEADER) return null;
    const flags = bytes.readUInt16LE(at + 8);
    const nameEnd = at + CENTRAL_HEADER_SIZE + bytes.readUInt16LE(at + 28);
    const extraEnd = nameEnd + bytes.readUInt16LE(at + 30);
    const next = extraEnd + bytes.readUInt16LE(at + 32);
    if (next > bytes.length || bytes.readUInt16LE(at + 34) !== 0) return null;
    const nameBytes = bytes.subarray(at + CENTRAL_HEADER_SIZE, nameEnd);
    const extra = bytes.subarray(nameEnd, extraEnd);
    const [uncompressedSize, compressedSize, localOffset] =
      zip64Values(extra, [
        bytes.readUInt32LE(at + 24),
        bytes.readUInt32LE(at + 20),
        bytes.readUInt32LE(at + 42),
      ]) ?? [];
    if (uncompressedSize === undefined || compressedSize === undefined || localOffset === undefined)
      return null;
    entries.push({
      name: decodeName(nameBytes, flags, extra),
      nameBytes,
      method: bytes.readUInt16LE(at + 10),
      crc: bytes.readUInt32LE(at + 16),
      compressedSize,
      uncompressedSize,
      localOffset,
    });
    at = next;
  }
  return at === bytes.length ? entries : null;
}

/** Where one member lies, checked against its local header (and data descriptor); null when they disagree
 * with the central directory or the member does not end before `limit` (the central directory). */
async function placeMember(
  handle: FileHandle,
  entry: CentralEntry,
  start: number,
  limit: number,
): Promise<Placement | null> {
  if (start < 0 || start + LOCAL_HEADER_SIZE > limit) return null;
  const header = await readAt(handle, start, LOCAL_HEADER_SIZE);
  if (header?.readUInt32LE(0) !== LOCAL_HEADER) return null;
  const flags = header.readUInt16LE(6);
  const nameLength = header.readUInt16LE(26);
  const dataStart = start + LOCAL_HEADER_SIZE + nameLength + header.readUInt16LE(28);
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > limit || header.readUInt16LE(8) !== entry.method) return null;
  const nameAndExtra = await readAt(handle, start + LOCAL_HEADER_SIZE, dataStart - start - LOCAL_HEADER_SIZE);
  if (!nameAndExtra?.subarray(0, nameLength).equals(entry.nameBytes)) return null;
  let end = dataEnd;
  if (flags & HAS_DATA_DESCRIPTOR) {
    const descriptor = await readAt(handle, dataEnd, Math.min(24, limit - dataEnd));
    const length = descriptor ? descriptorLength(descriptor, entry) : null;
    if (length === null) return null;
    end += length;
  } else {
    const sizes = zip64Values(nameAndExtra.subarray(nameLength), [
      header.readUInt32LE(22),
      header.readUInt32LE(18),
    ]);
    if (header.readUInt32LE(14) !== entry.crc || sizes?.[1] !== entry.compressedSize) return null;
  }
  return { entry, start, dataStart, dataEnd, end };
}

/** The length of the data descriptor at the start of `bytes` (with or without its signature, 32- or 64-bit
 * sizes) that matches the entry's CRC and sizes; null when none does. */
function descriptorLength(bytes: Buffer, entry: CentralEntry): number | null {
  for (const signed of [true, false]) {
    for (const width of [4, 8]) {
      const at = signed ? 4 : 0;
      const length = at + 4 + 2 * width;
      if (length > bytes.length || (signed && bytes.readUInt32LE(0) !== DATA_DESCRIPTOR)) continue;
      const read = (offset: number) => (width === 4 ? bytes.readUInt32LE(offset) : uint64(bytes, offset));
      if (
        bytes.readUInt32LE(at) === entry.crc &&
        read(at + 4) === entry.compressedSize &&
        read(at + 4 + width) === entry.uncompressedSize
      ) {
        return length;
      }
    }
  }
  return null;
}

/** `values` (32-bit sizes and offsets in the order the Zip64 extra field holds them) with each saturated one
 * replaced by the next 64-bit value of that field; null when the field is missing or too short. */
function zip64Values(extra: Buffer, values: number[]): number[] | null {
  if (!values.includes(SATURATED_32)) return values;
  const field = extraField(extra, 0x0001);
  if (!field) return null;
  let at = 0;
  const resolved: number[] = [];
  for (const value of values) {
    if (value !== SATURATED_32) {
      resolved.push(value);
      continue;
    }
    const wide = at + 8 <= field.length ? uint64(field, at) : null;
    if (wide === null) return null;
    resolved.push(wide);
    at += 8;
  }
  return resolved;
}

/** The data of the extra field with this id; null when it is absent (or the extra fields are malformed). */
function extraField(extra: Buffer, id: number): Buffer | null {
  for (let at = 0; at + 4 <= extra.length; ) {
    const end = at + 4 + extra.readUInt16LE(at + 2);
    if (end > extra.length) return null;
    if (extra.readUInt16LE(at) === id) return extra.subarray(at + 4, end);
    at = end;
  }
  return null;
}

const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

/** A member name: the Info-ZIP Unicode path when it belongs to this name, UTF-8 when the flag says so, else
 * code page 437. */
function decodeName(nameBytes: Buffer, flags: number, extra: Buffer): string {
  const unicodePath = extraField(extra, 0x7075);
  if (unicodePath && unicodePath.length >= 5 && unicodePath[0] === 1) {
    if (unicodePath.readUInt32LE(1) === crc32(nameBytes)) return unicodePath.subarray(5).toString('utf8');
  }
  if (flags & UTF8_NAME) return nameBytes.toString('utf8');
  const cp437 = (byte: number) => (byte < 0x80 ? String.fromCharCode(byte) : CP437_HIGH[byte - 0x80]);
  return Array.from(nameBytes, cp437).join('');
}

function uint64(bytes: Buffer, offset: number): number | null {
  const value = bytes.readBigUInt64LE(offset);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : null;
}

/** `length` bytes at `position`; null when the file ends sooner. */
async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer | null> {
  const buffer = Buffer.alloc(length);
  for (let filled = 0; filled < length; ) {
    // Synchronous: a zip of many members takes a few small reads each, and a read the thread pool runs
    // costs far more in hand-offs than the read itself (the file is local and mostly in the page cache).
    const bytesRead = fs.readSync(handle.fd, buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) return null;
    filled += bytesRead;
  }
  return buffer;
}
