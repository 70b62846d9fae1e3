// Sealing one pack: its tar encrypted with age, the pack file, its index.
// Runs in the pack worker (pack-worker.ts), or in the calling thread where no worker can start.
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { encryptBuffer, encryptParts } from '../age/buffer.js';
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

/** A SealResult, and `written`: settled once the pack's bytes are in its file (its memory is free again). */
export interface SealedPack extends SealResult {
  written: Promise<void>;
}

/** Bytes of a buffer that holds any pack sealed from an arena of `arenaBytes` (tar records, age overhead). */
export function sealedBufferBytes(arenaBytes: number): number {
  return Math.ceil(arenaBytes * 1.15) + 1024 * 1024;
}

/**
 * Seals `job` into `sealedBuffer` (once `bufferFree` has settled: the previous pack sealed there is written)
 * and starts writing its pack (the caller flushes the folders). Resolves once the pack is sealed in memory:
 * the arena can be reused at once; the file is written meanwhile (`written`; its failure is `durable`'s).
 */
export async function sealPack(
  job: SealJob,
  settings: SealSettings,
  sealedBuffer?: Buffer,
  bufferFree: Promise<unknown> = Promise.resolve(),
): Promise<SealedPack> {
  const views = job.chunks.map((c) => ({ name: c.name, data: Buffer.from(job.arena, c.offset, c.length) }));
  const temp = (dir: string) => tempPathFor(join(dir, `${settings.backupId}.age`));
  await bufferFree;
  const sealed = await encryptParts(packTarParts(views), settings.recipients, sealedBuffer);
  const entries = job.chunks.map((c) => ({
    name: c.name,
    storedBytes: c.length,
    plainBytes: c.plainBytes,
    crc: c.crc,
  }));
  const authKey = Buffer.from(settings.authKey);
  const index = await encryptBuffer(encodeIndex(authKey, job.pack, entries), settings.indexRecipients);
  const packTemp = temp(settings.packsDir);
  const written = (async () => {
    const handle = await open(packTemp, 'wx', 0o644);
    try {
      await handle.writeFile(sealed);
    } catch (err) {
      await handle.close();
      await rm(packTemp, { force: true });
      throw err;
    }
    return handle;
  })();
  // The disk flushes this pack while the next one is sealed; its index follows once it is durable.
  const durable = (async () => {
    const handle = await written;
    try {
      await handle.sync();
    } catch (err) {
      await rm(packTemp, { force: true });
      throw err;
    } finally {
      await handle.close();
    }
    await rename(packTemp, join(settings.packsDir, `${job.pack}.age`));
    await writeFileRenamed(join(settings.indexDir, `${job.pack}.age`), index, 0o644, temp(settings.indexDir));
  })();
  return {
    bytes: sealed.length + index.length,
    written: written.then(
      () => undefined,
      () => undefined, // the failure is durable's
    ),
    durable,
  };
}
