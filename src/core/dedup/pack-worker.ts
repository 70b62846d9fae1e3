// The pack worker: seals the packs a backup hands it (see pack-sealer.ts), on the second core, while the
// main thread reads, cuts and hashes the export.
import { parentPort, workerData } from 'node:worker_threads';
import { type SealJob, type SealSettings, sealPack } from './pack-seal.js';

const settings = workerData as SealSettings;
/** One sealed-pack buffer, reused: a pack is sealed into it once the one before is written from it. */
let sealed: Buffer | undefined;
/** Settles once the last pack sealed into `sealed` is in its file. */
let sealedFree: Promise<unknown> = Promise.resolve();

const failure = (pack: string, stage: 'sealed' | 'durable', err: Error) =>
  parentPort?.postMessage({
    pack,
    stage,
    ok: false,
    message: err.message,
    code: (err as NodeJS.ErrnoException).code,
  });

// Two replies per pack: 'sealed' once it is encrypted (its arena is free: the next pack may come), 'durable'
// once it is on disk with its index.
parentPort?.on('message', (job: SealJob) => {
  sealed ??= Buffer.allocUnsafeSlow(Math.ceil(job.arena.byteLength * 1.15) + 1024 * 1024);
  sealPack(job, settings, sealed, sealedFree).then(
    ({ bytes, written, durable }) => {
      sealedFree = written;
      parentPort?.postMessage({ pack: job.pack, stage: 'sealed', ok: true, bytes });
      durable.then(
        () => parentPort?.postMessage({ pack: job.pack, stage: 'durable', ok: true }),
        (err: Error) => failure(job.pack, 'durable', err),
      );
    },
    (err: Error) => failure(job.pack, 'sealed', err),
  );
});
// Loaded: packs may come (until now the main thread sealed them itself).
parentPort?.postMessage({ ready: true });
