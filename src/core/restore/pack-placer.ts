// Places a restore's packs on both cores: the main thread and a worker (restore-worker.ts) each take the
// next pack nobody has taken from one shared counter, so whichever is less busy places more. The worker
// starts while the main thread places the first packs; where no worker can start, the main thread places
// them all.
import type { Worker } from 'node:worker_threads';
import type { PackSlot } from '../dedup/pack-open.js';
import { startWorker } from '../dedup/start-worker.js';
import {
  type Failure,
  type PackJob,
  type PlacerSettings,
  placePack,
  reviveFailure,
  stopJobs,
  takeJob,
  workerStarted,
} from './pack-placement.js';

/** What placing a restore's packs needs. */
export interface PlaceRequest {
  jobs: PackJob[];
  identities: readonly string[];
  idKey: Uint8Array;
  /** The largest pack's plaintext bytes. */
  largest: number;
  /** False: check every chunk but write nothing (verification). */
  write: boolean;
  /** Called after each pack, with the plain bytes it placed. */
  onPlaced?: (bytes: number) => void;
  signal?: AbortSignal;
  /**
   * 'both' (the default); 'main': never start a worker; 'worker': the calling thread places no pack unless no
   * worker can start.
   */
  threads?: 'both' | 'main' | 'worker';
}

/** The pack that could not be placed, and why (`cause`). */
export class PlaceError extends Error {
  constructor(
    readonly job: PackJob,
    override readonly cause: Error,
  ) {
    super(cause.message);
  }
}

type WorkerReport =
  | { type: 'placed'; bytes: number }
  | { type: 'failed'; job: number; failure: Failure }
  | { type: 'finished' };

/** Settles when the worker has no pack left to place (with how many it placed), or has failed. */
function follow(worker: Worker, req: PlaceRequest, shared: Int32Array): Promise<number> {
  return new Promise((resolve, reject) => {
    let placed = 0;
    worker.on('message', (m: WorkerReport) => {
      if (m.type === 'placed') {
        placed++;
        req.onPlaced?.(m.bytes);
      } else if (m.type === 'failed')
        reject(new PlaceError(req.jobs[m.job] as PackJob, reviveFailure(m.failure)));
      else resolve(placed);
    });
    // A worker whose code could not load here took no pack: the main thread places them all.
    worker.on('error', (err) => (workerStarted(shared) ? reject(err) : resolve(0)));
    worker.on('exit', () => reject(new Error('The restore worker stopped.')));
  });
}

/** Places every pack of `req.jobs` (see placePack); returns how many the worker placed. Throws PlaceError. */
export async function placePacks(req: PlaceRequest): Promise<number> {
  const shared = new Int32Array(new SharedArrayBuffer(12));
  const settings: PlacerSettings = {
    jobs: req.jobs,
    identities: req.identities,
    idKey: req.idKey,
    largest: req.largest,
    write: req.write,
    shared,
  };
  const threads = req.threads ?? 'both';
  const worker =
    threads !== 'main' && (req.jobs.length > 1 || threads === 'worker')
      ? startWorker('restore-worker', import.meta.url, settings)
      : null;
  worker?.unref();
  const helped = worker ? follow(worker, req, shared) : Promise.resolve(0);
  helped.catch(() => undefined); // awaited once this thread has no pack left
  const aborted = new Promise<never>((_, reject) => {
    const signal = req.signal;
    if (signal?.aborted) reject(signal.reason);
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => undefined);
  const slot: PackSlot = { sealed: Buffer.alloc(0), plain: Buffer.alloc(0), reserve: req.largest };
  try {
    // With 'worker', the worker places them all, unless it could not start (then it took none).
    const byWorker = threads === 'worker' && worker ? await Promise.race([helped, aborted]) : 0;
    for (let i = takeJob(shared, req.jobs.length); i >= 0; i = takeJob(shared, req.jobs.length)) {
      req.signal?.throwIfAborted();
      const job = req.jobs[i] as PackJob;
      let bytes: number;
      try {
        bytes = await placePack(job, req.identities, req.idKey, slot, req.write);
      } catch (err) {
        throw new PlaceError(job, err as Error);
      }
      req.onPlaced?.(bytes);
      // The worker's reports (its progress, a failure) and an abort come in between two packs.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return byWorker || (await Promise.race([helped, aborted]));
  } catch (err) {
    stopJobs(shared);
    throw err;
  } finally {
    await worker?.terminate(); // from here on, no thread writes
  }
}
