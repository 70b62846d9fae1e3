// Whether an export has finished arriving: its last change, and for zips, whether the zip is whole.
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The latest mtime (ms) of anything under `path`, including `path` itself. */
export async function latestChange(path: string): Promise<number> {
  const info = await lstat(path);
  let latest = info.mtimeMs;
  if (info.isDirectory()) {
    for (const child of await readdir(path)) latest = Math.max(latest, await latestChange(join(path, child)));
  }
  return latest;
}

const EOCD_SIGNATURE = 0x06054b50;
const CD_SIGNATURE = 0x02014b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

/**
 * A zip is whole once its end-of-central-directory record is at its end and the central directory it
 * points to lies inside the file (a zip still being written has neither).
 */
export async function zipLooksComplete(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size < EOCD_SIZE) return false;
    const length = Math.min(size, EOCD_SIZE + MAX_COMMENT);
    const tail = Buffer.alloc(length);
    await handle.read(tail, 0, length, size - length);
    for (let at = length - EOCD_SIZE; at >= 0; at--) {
      if (tail.readUInt32LE(at) !== EOCD_SIGNATURE) continue;
      const commentLength = tail.readUInt16LE(at + 20);
      if (at + EOCD_SIZE + commentLength !== length) continue;
      const cdSize = tail.readUInt32LE(at + 12);
      const cdOffset = tail.readUInt32LE(at + 16);
      const eocdOffset = size - length + at;
      // ZIP64 archives store 0xffffffff here and the real values elsewhere; their EOCD being present is enough.
      if (cdOffset === 0xffffffff || cdSize === 0xffffffff) return true;
      // The central directory ends right where the EOCD starts (an EOCD of a zip stored inside a
      // half-written zip points elsewhere), and starts with its own signature.
      if (cdOffset + cdSize !== eocdOffset) return false;
      if (cdSize === 0) return true;
      const signature = Buffer.alloc(4);
      await handle.read(signature, 0, 4, cdOffset);
      return signature.readUInt32LE(0) === CD_SIGNATURE;
    }
    return false;
  } finally {
    await handle.close();
  }
}
