// Restoring one pack: it is read and decrypted, every chunk taken from it is checked against its keyed id,
// and then each is written into its file at its offset. Runs in the restore worker (restore-worker.ts) or in
// the calling thread (see pack-placer.ts), with blocking file calls: the thread has nothing else to do.
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { NoIdentityMatchedError } from '../age/index.js';
import { chunkId } from '../dedup/chunker.js';
import { plainOf } from '../dedup/pack.js';
import { openPackChunks, PackOpenError, type PackSlot } from '../dedup/pack-open.js';

/** A chunk to take from a pack: its id, its name there, its plain size, and the file and offset it goes to. */
export interface ChunkPlacement {
  id: string;
  name: string;
  plainBytes: number;
  file: string;
  offset: number;
}

/** One pack of a restore (`path`: the file to read it from) and the chunks to take from it. */
export interface PackJob {
  pack: string;
  path: string;
  chunks: ChunkPlacement[];
}

/** A chunk is missing from its pack, or its bytes do not match its id (the pack is damaged or forged). */
export class ChunkMismatchError extends Error {}

/**
 * Opens a file the restore created (empty and private, see snapshot-restore.ts), never through a symbolic
 * link; another thread may be writing other chunks of the same file.
 */
const WRITE_FLAGS = constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0);

/** Writes all of `data` into `fd` at `position`. */
function writeAll(fd: number, data: Buffer, position: number): void {
  for (let done = 0; done < data.length; )
    done += writeSync(fd, data, done, data.length - done, position + done);
}

/**
 * Checks every chunk `job` takes from its pack and then, with `write`, writes them into their files; returns
 * the plain bytes placed. Throws PackOpenError, NoIdentityMatchedError, ChunkMismatchError, or a file error.
 */
export async function placePack(
  job: PackJob,
  identities: readonly string[],
  idKey: Uint8Array,
  slot: PackSlot,
  write: boolean,
): Promise<number> {
  const stored = await openPackChunks(job.path, identities, slot, true);
  const plains = job.chunks.map((c) => {
    const data = stored.get(c.name);
    let plain: Buffer | undefined;
    try {
      plain = data && plainOf({ name: c.name, data }, c.plainBytes);
    } catch {
      plain = undefined;
    }
    if (!plain || plain.length !== c.plainBytes || chunkId(idKey, plain) !== c.id)
      throw new ChunkMismatchError('a chunk in it is missing or does not match its id');
    return plain;
  });
  if (write) {
    const byFile = new Map<string, number[]>();
    job.chunks.forEach((c, i) => {
      const list = byFile.get(c.file) ?? [];
      list.push(i);
      byFile.set(c.file, list);
    });
    for (const [file, indexes] of byFile) {
      const fd = openSync(file, WRITE_FLAGS, 0o600);
      try {
        for (const i of indexes) writeAll(fd, plains[i] as Buffer, (job.chunks[i] as ChunkPlacement).offset);
      } finally {
        closeSync(fd);
      }
    }
  }
  return plains.reduce((sum, p) => sum + p.length, 0);
}

/** What the restore worker is given (see pack-placer.ts). */
export interface PlacerSettings {
  jobs: PackJob[];
  identities: readonly string[];
  idKey: Uint8Array;
  /** The largest pack's plaintext bytes (each buffer is allocated once). */
  largest: number;
  write: boolean;
  /** [next job, stop flag, worker started], shared by both threads (see takeJob, stopJobs, markStarted). */
  shared: Int32Array;
}

/** The index of the next job nobody has taken, or -1 when there is none or a thread has failed. */
export function takeJob(shared: Int32Array, count: number): number {
  if (Atomics.load(shared, 1) !== 0) return -1;
  const i = Atomics.add(shared, 0, 1);
  return i < count ? i : -1;
}

/** Records that the worker's code is running: it may take jobs from now on. */
export function markStarted(shared: Int32Array): void {
  Atomics.store(shared, 2, 1);
}

/** Whether the worker's code ran (if not, it took no job). */
export function workerStarted(shared: Int32Array): boolean {
  return Atomics.load(shared, 2) !== 0;
}

/** Makes both threads stop taking jobs. */
export function stopJobs(shared: Int32Array): void {
  Atomics.store(shared, 1, 1);
}

/** A placement error as it crosses from the worker to the main thread. */
export interface Failure {
  kind: 'noIdentity' | 'unreadable' | 'damaged' | 'mismatch' | 'other';
  message: string;
  code?: string;
}

/** `err` as a Failure. */
export function describeFailure(err: unknown): Failure {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? { code: e.code } : {};
  if (err instanceof NoIdentityMatchedError) return { kind: 'noIdentity', message: err.message };
  if (err instanceof PackOpenError) return { kind: err.reason, message: err.message, ...code };
  if (err instanceof ChunkMismatchError) return { kind: 'mismatch', message: err.message };
  return { kind: 'other', message: String(e?.message ?? err), ...code };
}

/** The error a Failure describes, of the class it was thrown as. */
export function reviveFailure(f: Failure): Error {
  if (f.kind === 'noIdentity') return new NoIdentityMatchedError(f.message);
  if (f.kind === 'unreadable' || f.kind === 'damaged') return new PackOpenError(f.kind, f.message, f.code);
  if (f.kind === 'mismatch') return new ChunkMismatchError(f.message);
  return Object.assign(new Error(f.message), f.code ? { code: f.code } : {});
}
