// Sealing one pack: its tar encrypted with age, the pack file, its index.
// Runs in the pack worker (pack-worker.ts), or in the calling thread where no worker can start.
import { close, closeSync, fsync, openSync, writeSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encryptBuffer, encryptPartsTo } from '../age/buffer.js';
import { tempPathFor, writeFileRenamed } from '../fs-atomic.js';
import { packTarParts } from './pack.js';
import { encodeIndex } from './pack-index.js';

/** What every pack of one backup shares. */
export interface SealSettings {
  recipients: readonly string[];
  indexRecipients: readonly string[];
  authKey: Uint8Array;
  packsDir: string;
  indexDir: string;
  /** Temporary files carry it, so that `gc` knows whose leftovers they are. */
  backupId: string;
}

/** One pack: its chunks as ranges of `arena`, each with its CRC register. */
export interface SealJob {
  pack: string;
  arena: ArrayBufferLike;
  chunks: { name: string; offset: number; length: number; plainBytes: number; crc: number }[];
}

/**
 * What sealing made: the bytes of the pack and its index, and `durable`, which settles once the pack is
 * written, on disk (fsync), renamed into place, and its index written after it (so an index never names a
 * pack a crash could leave incomplete).
 */
export interface SealResult {
  bytes: number;
  durable: Promise<void>;
}

const fsyncFd = promisify(fsync);
const closeFd = promisify(close);

/**
 * Seals `job` and writes its pack to a temporary file, through `staging` (STAGING_BYTES: the pack is never
 * whole in memory); the caller flushes the folders. Resolves once the pack is written: the arena can be
 * reused at once; the pack is made durable meanwhile (`durable`).
 */
export async function sealPack(job: SealJob, settings: SealSettings, staging: Buffer): Promise<SealResult> {
  const views = job.chunks.map((c) => ({ name: c.name, data: Buffer.from(job.arena, c.offset, c.length) }));
  const temp = (dir: string) => tempPathFor(join(dir, `${settings.backupId}.age`));
  const entries = job.chunks.map((c) => ({
    name: c.name,
    storedBytes: c.length,
    plainBytes: c.plainBytes,
    crc: c.crc,
  }));
  const authKey = Buffer.from(settings.authKey);
  const index = await encryptBuffer(encodeIndex(authKey, job.pack, entries), settings.indexRecipients);
  const packTemp = temp(settings.packsDir);
  // Written as it is sealed, in this thread: handing the pieces to the thread pool would only make this
  // thread wait for them.
  const fd = openSync(packTemp, 'wx', 0o644);
  let packBytes: number;
  try {
    packBytes = await encryptPartsTo(packTarParts(views), settings.recipients, staging, (piece) => {
      for (let at = 0; at < piece.length; ) at += writeSync(fd, piece, at, piece.length - at);
    });
  } catch (err) {
    closeSync(fd);
    await rm(packTemp, { force: true });
    throw err;
  }
  // The disk flushes this pack while the next one is sealed; its index follows once it is durable.
  const durable = (async () => {
    try {
      await fsyncFd(fd);
    } catch (err) {
      await rm(packTemp, { force: true });
      throw err;
    } finally {
      await closeFd(fd);
    }
    await rename(packTemp, join(settings.packsDir, `${job.pack}.age`));
    await writeFileRenamed(join(settings.indexDir, `${job.pack}.age`), index, 0o644, temp(settings.indexDir));
  })();
  return { bytes: packBytes + index.length, durable };
}
