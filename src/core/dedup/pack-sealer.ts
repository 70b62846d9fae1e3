// Seals packs on the second core: a worker thread (pack-worker.ts) that reads each pack's chunks from
// shared memory, computes their CRCs, encrypts and writes the pack and its index. Where a worker cannot
// start, the same work runs in this thread.
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { type SealJob, type SealResult, type SealSettings, sealPack } from './pack-seal.js';

/** The worker's file next to this module: its TypeScript source when run from source (through tsx). */
function workerScript(): { url: URL; fromSource: boolean } | null {
  const here = import.meta.url;
  const fromSource = here.endsWith('.ts');
  // Bundled (dist/cli), this code may sit in a chunk one folder below the worker's file.
  for (const candidate of fromSource ? ['./pack-worker.ts'] : ['./pack-worker.js', '../pack-worker.js']) {
    const url = new URL(candidate, here);
    if (existsSync(url)) return { url, fromSource };
  }
  return null;
}

/** A small young generation: the worker's own objects are few; its big buffers live outside the heap. */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4 };

function startWorker(settings: SealSettings): Worker | null {
  const script = workerScript();
  if (!script) return null;
  try {
    if (!script.fromSource)
      return new Worker(script.url, { workerData: settings, resourceLimits: WORKER_LIMITS });
    // From source the worker needs tsx's loader before it imports the TypeScript file.
    const api = import.meta.resolve('tsx/esm/api');
    const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(script.url.href)}); })`;
    return new Worker(code, { eval: true, workerData: settings, resourceLimits: WORKER_LIMITS });
  } catch {
    return null;
  }
}

/**
 * Seals one pack at a time (the caller waits for each before handing the next): the first in this thread,
 * the others in the worker.
 */
export class PackSealer {
  private worker: Worker | null | undefined;
  private waiting: { job: SealJob; resolve: (r: SealResult) => void; reject: (e: Error) => void } | undefined;
  /** Whether the worker has started running its code (before that, a failure falls back to this thread). */
  private online = false;

  /** Whether packs were sealed by the worker (false: in this thread). */
  inWorker = false;
  private sealed = 0;

  /** `inThread`: seal in this thread, never starting a worker. */
  constructor(
    private readonly settings: SealSettings,
    inThread = false,
  ) {
    if (inThread) this.worker = null;
  }

  /** Seals `job`; its arena must be shared memory, untouched until this resolves. */
  seal(job: SealJob): Promise<SealResult> {
    // A backup that brings one pack or less (most re-exports) does not pay for starting a worker.
    if (this.sealed++ === 0) return sealPack(job, this.settings);
    if (this.worker === undefined) this.worker = this.start();
    const worker = this.worker;
    if (!worker) return sealPack(job, this.settings);
    this.inWorker = true;
    return new Promise((resolve, reject) => {
      this.waiting = { job, resolve, reject };
      worker.postMessage(job);
    });
  }

  /** Stops the worker. */
  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }

  private start(): Worker | null {
    const worker = startWorker(this.settings);
    if (!worker) return null;
    worker.unref();
    worker.on('message', (m: ({ ok: true } & SealResult) | { ok: false; message: string; code?: string }) => {
      const waiting = this.waiting;
      this.waiting = undefined;
      if (m.ok) waiting?.resolve({ crcs: m.crcs, bytes: m.bytes });
      else waiting?.reject(Object.assign(new Error(m.message), m.code ? { code: m.code } : {}));
    });
    worker.on('online', () => {
      this.online = true;
    });
    worker.on('error', (err) => {
      const waiting = this.waiting;
      this.waiting = undefined;
      if (this.online) {
        waiting?.reject(err);
        return;
      }
      // The worker could not start (its file could not load here): seal in this thread from now on.
      this.worker = null;
      this.inWorker = false;
      if (waiting) sealPack(waiting.job, this.settings).then(waiting.resolve, waiting.reject);
    });
    worker.on('exit', () => {
      this.waiting?.reject(new Error('The pack worker stopped.'));
      this.waiting = undefined;
    });
    return worker;
  }
}
