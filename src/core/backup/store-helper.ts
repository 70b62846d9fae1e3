// The main thread's side of the store worker (store-worker.ts): starts it on the pieces of an export both
// threads may store (whole files, and segments of zips), forwards its progress, and collects what it
// stored. Each thread takes the next piece nobody has taken from one counter in shared memory, so the two
// finish together whatever the pieces' sizes.
import type { Worker } from 'node:worker_threads';
import type { ChunkLocation } from '../dedup/chunk-store.js';
import type { IndexEntry } from '../dedup/pack-index.js';
import { startWorker } from '../dedup/start-worker.js';
import type { StoredPiece, StorePiece } from './store-file.js';
import { ExportError } from './walk.js';

/** Where the store worker finds, in `next`, whether it is asked to stop (1) or not (0). */
export const STOP_SLOT = 1;

/** Pieces both threads take from, one at a time, through a counter in shared memory. */
export class SharedPieces {
  /** The counter (the index of the next piece to take), then the stop flag (STOP_SLOT). */
  readonly next = new SharedArrayBuffer(8);
  private readonly counter = new Int32Array(this.next);
  /** Pieces this thread took. */
  taken = 0;

  constructor(readonly pieces: readonly StorePiece[]) {}

  /** The index of the next piece nobody has taken, for this thread; null once all are taken. */
  take(): number | null {
    const i = Atomics.add(this.counter, 0, 1);
    if (i >= this.pieces.length) return null;
    this.taken++;
    return i;
  }

  /** Asks the store worker to stop at its next chunk. */
  stop(): void {
    Atomics.store(this.counter, STOP_SLOT, 1);
  }
}

/** What the store worker is started with. */
export interface StoreWorkerData {
  pieces: readonly StorePiece[];
  next: SharedArrayBuffer;
  /** The chunks the vault held when the backup started, by id. */
  known: [string, ChunkLocation][];
  folders: { packsDir: string; indexDir: string };
  writer: { recipients: string[]; indexRecipients: string[]; authKey: Uint8Array; backupId: string };
}

/** What the main thread tells the store worker once it is running. */
export type StoreWorkerMessage = { type: 'learn'; entries: readonly IndexEntry[] };

/** What the store worker tells the main thread. */
export type StoreWorkerReply =
  | { type: 'bytes'; bytes: number }
  | { type: 'upload'; bytes: number }
  | { type: 'piece'; index: number; stored: StoredPiece }
  | { type: 'done'; packs: [string, readonly IndexEntry[]][] }
  | { type: 'failed'; message: string; exportError: boolean; code?: string };

/** The store worker of one backup, seen from the main thread. */
export class StoreHelper {
  /** The pieces it stored, by index in the shared pieces. */
  readonly stored = new Map<number, StoredPiece>();
  /** The packs it wrote (on disk, with their indexes, once `finished` settles), with their entries. */
  packs: [string, readonly IndexEntry[]][] = [];
  private failure: Error | undefined;
  private readonly ended: Promise<void>;
  /** Fails the worker's run when its thread ends before it said it was done. */
  private onExit: () => void = () => undefined;
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly shared: SharedPieces,
    onBytes: (bytes: number) => void,
    onUpload: (bytes: number) => void,
    onPiece: (piece: StoredPiece) => void,
  ) {
    worker.unref();
    let online = false;
    worker.on('online', () => {
      online = true;
    });
    this.ended = new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        this.failure = err;
        reject(err);
      };
      worker.on('message', (m: StoreWorkerReply) => {
        if (m.type === 'bytes') onBytes(m.bytes);
        else if (m.type === 'upload') onUpload(m.bytes);
        else if (m.type === 'piece') {
          this.stored.set(m.index, m.stored);
          onPiece(m.stored);
        } else if (m.type === 'done') {
          this.packs = m.packs;
          settled = true;
          resolve();
        } else {
          // With its code: a full or unwritable cloud folder is told apart from a broken export by it.
          const err: NodeJS.ErrnoException = m.exportError
            ? new ExportError(m.message)
            : new Error(m.message);
          if (m.code) err.code = m.code;
          fail(err);
        }
      });
      // A worker that could not load took no piece: the main thread stores them all.
      worker.on('error', (err) => {
        if (online) return fail(err);
        settled = true;
        resolve();
      });
      this.onExit = () => fail(new Error('The store worker stopped.'));
      worker.on('exit', this.onExit);
    });
    this.ended.catch(() => undefined); // reported by `finished` or `throwIfFailed`
  }

  /** Starts the worker on `shared`; null where it cannot start here. */
  static start(
    shared: SharedPieces,
    data: Omit<StoreWorkerData, 'pieces' | 'next'>,
    onBytes: (bytes: number) => void,
    onUpload: (bytes: number) => void,
    onPiece: (piece: StoredPiece) => void,
  ): StoreHelper | null {
    const worker = startWorker('store-worker', import.meta.url, {
      ...data,
      pieces: shared.pieces,
      next: shared.next,
    } satisfies StoreWorkerData);
    return worker ? new StoreHelper(worker, shared, onBytes, onUpload, onPiece) : null;
  }

  /** Tells the worker of chunks this thread stored (or found), so that it does not store them again. */
  learn(entries: readonly IndexEntry[]): void {
    this.worker.postMessage({ type: 'learn', entries } satisfies StoreWorkerMessage);
  }

  /** Throws the worker's failure, if it failed: the backup stops without waiting for the rest. */
  throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /**
   * Once every piece is taken: settles when the worker has stored the ones it took and written its packs
   * (at once if it took none), or rejects with its failure. The worker is stopped either way.
   */
  async finished(): Promise<void> {
    try {
      if (this.shared.taken < this.shared.pieces.length) await this.ended;
      this.throwIfFailed();
    } finally {
      await this.stop();
    }
  }

  /**
   * Stops the worker. After a failure elsewhere, one that took pieces stops at its next chunk and ends once
   * the packs it handed off are written with their indexes (a pack is never left without its index); what
   * it had not handed off is left to `gc`.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.shared.stop();
      if (this.shared.taken < this.shared.pieces.length) await this.ended.catch(() => undefined);
      this.worker.off('exit', this.onExit);
      await this.worker.terminate();
    })();
    return this.stopping;
  }
}
