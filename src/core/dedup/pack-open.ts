// Opening one pack: its age file read into reused memory and decrypted into a reused plaintext buffer (the
// pack's tar), whose chunks are read from it. Runs in the calling thread, or in the restore worker (see
// restore/pack-placer.ts).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { decryptBuffer } from '../age/buffer.js';
import { NoIdentityMatchedError } from '../age/index.js';
import { readPackTar } from './pack.js';

/**
 * Why a pack could not be opened: its file is not there or cannot be read ('unreadable', with the error's
 * code), or it is not an intact age file ('damaged').
 */
export class PackOpenError extends Error {
  constructor(
    readonly reason: 'unreadable' | 'damaged',
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * Memory for opening packs, reused from pack to pack. A buffer that is too small grows to the pack's sealed
 * size, or to that of a pack of `reserve` plaintext bytes when that is more, so that a caller who knows its
 * largest pack allocates each buffer once.
 */
export interface PackSlot {
  sealed: Buffer;
  plain: Buffer;
  reserve?: number;
}

/** Room for an age file of `plainBytes`: its 64 KiB chunks' tags, the payload nonce and a header of many stanzas. */
const sealedBytesFor = (plainBytes: number) =>
  plainBytes + Math.ceil(plainBytes / 65536 + 1) * 16 + 16 + 16384;

/** Reads the file at `path` into `slot.sealed` (grown as needed) and returns a view of its bytes. */
async function readSealed(path: string, slot: PackSlot): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (slot.sealed.length < size)
      slot.sealed = Buffer.allocUnsafeSlow(Math.max(size, sealedBytesFor(slot.reserve ?? 0)));
    const { bytesRead } = await handle.read(slot.sealed, 0, size, 0);
    if (bytesRead !== size) throw new Error('the pack changed while it was read');
    return slot.sealed.subarray(0, size);
  } finally {
    await handle.close();
  }
}

/** readSealed, blocking this thread (a worker's: its reads then wait for no other file work). */
function readSealedSync(path: string, slot: PackSlot): Buffer {
  const fd = openSync(path, 'r');
  try {
    const { size } = fstatSync(fd);
    if (slot.sealed.length < size)
      slot.sealed = Buffer.allocUnsafeSlow(Math.max(size, sealedBytesFor(slot.reserve ?? 0)));
    const bytesRead = readSync(fd, slot.sealed, 0, size, 0);
    if (bytesRead !== size) throw new Error('the pack changed while it was read');
    return slot.sealed.subarray(0, size);
  } finally {
    closeSync(fd);
  }
}

/**
 * The plaintext of the pack file at `path`, a view of `slot.plain`; `blocking` reads the file synchronously
 * (in a thread that has nothing else to do meanwhile). Throws PackOpenError, or
 * NoIdentityMatchedError when none of `identities` opens it.
 */
async function openPackFile(
  path: string,
  identities: readonly string[],
  slot: PackSlot,
  blocking = false,
): Promise<Buffer> {
  let sealed: Buffer;
  try {
    sealed = blocking ? readSealedSync(path, slot) : await readSealed(path, slot);
  } catch (err) {
    throw new PackOpenError('unreadable', (err as Error).message, (err as NodeJS.ErrnoException).code);
  }
  try {
    if (slot.plain.length < sealed.length)
      slot.plain = Buffer.allocUnsafeSlow(Math.max(sealed.length, sealedBytesFor(slot.reserve ?? 0)));
    return await decryptBuffer(sealed, identities, slot.plain);
  } catch (err) {
    if (err instanceof NoIdentityMatchedError) throw err;
    throw new PackOpenError('damaged', (err as Error).message);
  }
}

/**
 * The stored chunks of the pack file at `path`, by name (views of `slot.plain`; see openPackFile); a pack
 * whose plaintext is not a pack's tar is damaged.
 */
export async function openPackChunks(
  path: string,
  identities: readonly string[],
  slot: PackSlot,
  blocking = false,
): Promise<Map<string, Buffer>> {
  const tar = await openPackFile(path, identities, slot, blocking);
  try {
    return readPackTar(tar);
  } catch (err) {
    throw new PackOpenError('damaged', (err as Error).message);
  }
}
