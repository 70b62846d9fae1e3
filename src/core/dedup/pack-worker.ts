// The pack worker: seals the packs a backup hands it (see pack-sealer.ts), on the second core, while the
// main thread reads, cuts and hashes the export.
import { parentPort, workerData } from 'node:worker_threads';
import { type SealJob, type SealSettings, sealPack } from './pack-seal.js';

const settings = workerData as SealSettings;
/** One sealed-pack buffer, reused: the worker seals one pack at a time. */
let sealed: Buffer | undefined;

parentPort?.on('message', (job: SealJob) => {
  sealed ??= Buffer.allocUnsafeSlow(Math.ceil(job.arena.byteLength * 1.15) + 1024 * 1024);
  sealPack(job, settings, sealed).then(
    (result) => parentPort?.postMessage({ ok: true, ...result }),
    (err: Error) =>
      parentPort?.postMessage({ ok: false, message: err.message, code: (err as NodeJS.ErrnoException).code }),
  );
});
