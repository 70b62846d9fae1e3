// Seals packs on the second core: a worker thread (pack-worker.ts) that reads each pack's chunks from
// shared memory, encrypts and writes the pack and its index. Where a worker cannot start, the same work
// runs in this thread.
import type { Worker } from 'node:worker_threads';
import { STAGING_BYTES } from '../age/buffer.js';
import { type SealJob, type SealResult, type SealSettings, sealPack } from './pack-seal.js';
import { startWorker } from './start-worker.js';

type WorkerReply =
  | { ready: true }
  | { pack: string; stage: 'sealed'; ok: true; bytes: number }
  | { pack: string; stage: 'durable'; ok: true }
  | { pack: string; stage: 'sealed' | 'durable'; ok: false; message: string; code?: string };

/** A promise with its settle functions, for a pack whose 'durable' reply is still to come. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve = () => {};
  let reject: (e: Error) => void = () => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // reported where the caller awaits `durable`
  return { promise, resolve, reject };
}

/**
 * Seals one pack at a time (the caller waits for each before handing the next): the first in this thread,
 * the others in the worker. Each pack is then made durable while the next is sealed (SealResult.durable).
 */
export class PackSealer {
  private worker: Worker | null | undefined;
  private waiting: { job: SealJob; resolve: (r: SealResult) => void; reject: (e: Error) => void } | undefined;
  /** The worker's packs that are sealed but not yet durable. */
  private readonly flushing = new Map<string, ReturnType<typeof deferred>>();
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
    if (inThread) {
      this.worker = null;
      this.loaded.resolve();
    }
  }

  /**
   * Starts the worker now, if it is not started yet (the caller knows that more than a little is coming);
   * settles once it has loaded (or could not start). Until then packs are sealed in this thread.
   */
  warmUp(): Promise<void> {
    if (this.worker === undefined) this.worker = this.start();
    return this.loaded.promise;
  }

  /** Settles once the worker has loaded its code, or cannot be used. */
  private readonly loaded = deferred();
  private ready = false;

  /** Whether a worker was started (warmed up, or for a second pack). */
  get started(): boolean {
    return this.startedWorker;
  }
  private startedWorker = false;

  /** Seals `job`; its arena must be shared memory, untouched until this resolves. */
  async seal(job: SealJob): Promise<SealResult> {
    // The first pack is sealed here: a backup that brings one pack or less (most re-exports) does not wait
    // for a worker to load, and pays for starting one only if it warmed one up.
    if (this.sealed++ === 0) return this.sealHere(job);
    void this.warmUp();
    const worker = this.worker;
    // A worker still loading would keep this thread waiting: seal here meanwhile.
    if (!worker || !this.ready) return this.sealHere(job);
    this.inWorker = true;
    return new Promise((resolve, reject) => {
      this.waiting = { job, resolve, reject };
      this.flushing.set(job.pack, deferred());
      worker.postMessage(job);
    });
  }

  /** The staging buffer of the packs sealed in this thread. */
  private staging: Buffer | undefined;

  /** Seals `job` in this thread. */
  private async sealHere(job: SealJob): Promise<SealResult> {
    this.staging ??= Buffer.allocUnsafeSlow(STAGING_BYTES);
    return sealPack(job, this.settings, this.staging);
  }

  /** Stops the worker (after every pack handed to it is durable: the caller awaits them first). */
  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }

  /** Fails the pack being sealed and every pack not yet durable. */
  private failAll(err: Error): void {
    this.waiting?.reject(err);
    this.waiting = undefined;
    for (const d of this.flushing.values()) d.reject(err);
    this.flushing.clear();
  }

  private start(): Worker | null {
    const worker = startWorker('pack-worker', import.meta.url, this.settings);
    if (!worker) {
      this.loaded.resolve();
      return null;
    }
    this.startedWorker = true;
    worker.unref();
    worker.on('message', (m: WorkerReply) => {
      if ('ready' in m) {
        this.ready = true;
        this.loaded.resolve();
        return;
      }
      const error = m.ok ? null : Object.assign(new Error(m.message), m.code ? { code: m.code } : {});
      const flushing = this.flushing.get(m.pack);
      if (m.stage === 'durable' || error) this.flushing.delete(m.pack);
      if (m.stage === 'durable') {
        if (error) flushing?.reject(error);
        else flushing?.resolve();
        return;
      }
      const waiting = this.waiting;
      this.waiting = undefined;
      if (error) {
        flushing?.reject(error);
        waiting?.reject(error);
      } else if (m.ok && flushing) waiting?.resolve({ bytes: m.bytes, durable: flushing.promise });
    });
    worker.on('online', () => {
      this.online = true;
    });
    worker.on('error', (err) => {
      if (this.online) {
        this.failAll(err);
        return;
      }
      // The worker could not start (its file could not load here): seal in this thread from now on.
      const waiting = this.waiting;
      this.waiting = undefined;
      this.worker = null;
      this.inWorker = false;
      this.flushing.clear();
      this.loaded.resolve();
      if (waiting) this.sealHere(waiting.job).then(waiting.resolve, waiting.reject);
    });
    worker.on('exit', () => {
      this.ready = false;
      this.loaded.resolve();
      this.failAll(new Error('The pack worker stopped.'));
    });
    return worker;
  }
}
