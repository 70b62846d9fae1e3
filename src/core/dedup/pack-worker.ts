// The pack worker: seals the packs a backup hands it (see pack-sealer.ts), on the second core, while the
// main thread reads, cuts and hashes the export.
import { parentPort, workerData } from 'node:worker_threads';
import { type SealSettings, sealPack } from './pack-seal.js';
import type { WorkerJob } from './pack-sealer.js';

const settings = workerData as SealSettings;
/** Settles once the last pack sealed (into the job's `sealedInto`, the same memory each time) is in its file. */
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
parentPort?.on('message', (job: WorkerJob) => {
  sealPack(job, settings, Buffer.from(job.sealedInto), sealedFree).then(
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
