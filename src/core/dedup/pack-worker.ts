// The pack worker: seals the packs a backup hands it (see pack-sealer.ts), on the second core, while the
// main thread reads, cuts and hashes the export.
import { parentPort, workerData } from 'node:worker_threads';
import { STAGING_BYTES } from '../age/buffer.js';
import { type SealJob, type SealSettings, sealPack } from './pack-seal.js';

const settings = workerData as SealSettings;
/** The staging buffer every pack is sealed through (one at a time). */
const staging = Buffer.allocUnsafeSlow(STAGING_BYTES);

const failure = (pack: string, stage: 'sealed' | 'durable', err: Error) =>
  parentPort?.postMessage({
    pack,
    stage,
    ok: false,
    message: err.message,
    code: (err as NodeJS.ErrnoException).code,
  });

// Two replies per pack: 'sealed' once it is encrypted and written (its arena is free: the next pack may
// come), 'durable' once it is on disk with its index.
parentPort?.on('message', (job: SealJob) => {
  sealPack(job, settings, staging).then(
    ({ bytes, durable }) => {
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
