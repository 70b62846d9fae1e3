// Deterministic DEFLATE zips (as WhatsApp writes them), and a zip bomb built from repeated deflate blocks.
import { open, writeFile } from 'node:fs/promises';
import { constants, crc32, deflateRawSync } from 'node:zlib';

function dosDateTime(date: Date): { time: number; date: number } {
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
    date: ((date.getUTCFullYear() - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}

interface RawEntry {
  name: string;
  compressed: Buffer;
  crc: number;
  size: number;
  method: 0 | 8;
}

function assemble(entries: RawEntry[], modified: Date): Buffer {
  const { time, date } = dosDateTime(modified);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const utf8 = /[^\x20-\x7e]/.test(e.name) ? 0x0800 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(utf8, 6);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(e.crc, 14);
    local.writeUInt32LE(e.compressed.length, 18);
    local.writeUInt32LE(e.size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(utf8, 8);
    central.writeUInt16LE(e.method, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(e.crc, 16);
    central.writeUInt32LE(e.compressed.length, 20);
    central.writeUInt32LE(e.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: a regular file, rw-r--r--
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.compressed);
    centrals.push(central, name);
    offset += local.length + name.length + e.compressed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A zip of `files` in that order, every entry DEFLATE-compressed, all dated `modified`: same input, same bytes. */
export function deflateZip(files: [string, Buffer][], modified: Date): Buffer {
  return assemble(
    files.map(([name, data]) => ({
      name,
      compressed: deflateRawSync(data, { level: 6 }),
      crc: crc32(data),
      size: data.length,
      method: 8 as const,
    })),
    modified,
  );
}

const CHUNK = 16 * 1024 * 1024;
let bombCache: { size: number; crc: number; body: Buffer } | undefined;

/** The bomb's entry data: `repeats` copies of one full-flushed deflate of 16 MiB of zeros, then an empty final
 * stored block. Each copy is self-contained (a full flush resets the window), so the stream is valid. */
function bombBody(uncompressed: number): { crc: number; body: Buffer } {
  if (bombCache?.size === uncompressed) return bombCache;
  const repeats = uncompressed / CHUNK;
  const zeros = Buffer.alloc(CHUNK);
  const piece = deflateRawSync(zeros, { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const parts: Buffer[] = [];
  let crc = 0;
  for (let i = 0; i < repeats; i++) {
    parts.push(piece);
    crc = crc32(zeros, crc);
  }
  parts.push(Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff])); // BFINAL stored block of length 0
  bombCache = { size: uncompressed, crc, body: Buffer.concat(parts) };
  return bombCache;
}

/** Uncompressed size the bomb's `_chat.txt` declares: 2.5 GiB (fits the 32-bit fields, no zip64). */
export const BOMB_UNCOMPRESSED = 160 * CHUNK;

export async function writeZipBomb(path: string, modified: Date): Promise<void> {
  const { crc, body } = bombBody(BOMB_UNCOMPRESSED);
  const zip = assemble(
    [{ name: '_chat.txt', compressed: body, crc, size: BOMB_UNCOMPRESSED, method: 8 }],
    modified,
  );
  await writeFile(path, zip);
}

/** Opens a file for writing through a handle (used for the big generated text files). */
export async function writeChunks(path: string, chunks: Iterable<Buffer>): Promise<void> {
  const handle = await open(path, 'w');
  try {
    for (const chunk of chunks) await handle.write(chunk);
  } finally {
    await handle.close();
  }
}
