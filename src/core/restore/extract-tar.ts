// Extracts a backup's tar archive into a staging folder, refusing the whole archive at the first entry that
// is not a plain file or folder, names an unsafe or ambiguous path, or breaks a limit. Only regular files and
// folders are ever written, always strictly inside the staging folder, and never over anything.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, utimes } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { type Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Header, Parser, type ReadEntry } from 'tar';
import { chosenRoots, PathRegistry, pathProblem } from './tar-paths.js';

export interface ExtractOptions {
  /** Existing empty folder to extract into (the staging folder). */
  dir: string;
  /** Restore only these archive paths (a file, or a folder and everything under it). Empty = all. */
  only?: readonly string[];
  /** Upper bound on the sum of file sizes (from the backup's metadata); larger archives are rejected. */
  maxBytes?: number;
  /** Upper bound on the number of entries. */
  maxEntries?: number;
  /** Treat paths differing only in case as duplicates (default: true on darwin and win32). */
  caseInsensitive?: boolean;
}

/** What was written: counts, the sum of file sizes, and the archive paths (folders without trailing slash). */
export interface ExtractResult {
  files: number;
  dirs: number;
  bytes: number;
  entries: string[];
}

/** The archive holds something a restore must not write, or is damaged or truncated; `message` says what. */
export class UnsafeArchiveError extends Error {
  readonly code = 'UNSAFE_ARCHIVE';

  constructor(message: string) {
    super(message);
    this.name = 'UnsafeArchiveError';
  }
}

/** One entry that passed every check, with its path normalized (no trailing slash). */
interface Item {
  path: string;
  type: 'file' | 'dir';
  size: number;
  mode: number;
  mtime: Date;
}

/** What `readTar` does with the entries it accepted. */
interface Sink<T> {
  /** Runs for each entry in archive order, after the previous one's work; must resume or pipe `entry`. */
  entry(entry: ReadEntry, item: Item, signal: AbortSignal): Promise<void> | void;
  /** Runs after the last entry's work, when the archive ended properly; its value resolves `result`. */
  end(): Promise<T> | T;
}

const refusals: Record<string, string> = {
  SymbolicLink: 'it is a symbolic link',
  Link: 'it is a hard link',
  CharacterDevice: 'it is a device',
  BlockDevice: 'it is a device',
  FIFO: 'it is a named pipe',
};
const fileTypes = new Set(['File', 'OldFile', 'ContiguousFile']);

const unsafe = (path: string, why: string) =>
  new UnsafeArchiveError(`Unsafe entry ${JSON.stringify(path)} in the archive: ${why}.`);

/** Turns a node-tar parse error (strict mode: every warning is one) into a plain message. */
function damaged(err: Error & { entry?: ReadEntry; header?: Header }): UnsafeArchiveError {
  const path = err.entry?.path ?? err.header?.path;
  if (err.message.includes('Truncated input')) {
    return new UnsafeArchiveError(`The archive is truncated: it ends inside ${JSON.stringify(path)}.`);
  }
  const where = path === undefined ? '' : ` at ${JSON.stringify(path)}`;
  return new UnsafeArchiveError(`The archive is damaged${where}: ${err.message.replace(/^TAR_\w+: /, '')}.`);
}

/**
 * Parses the tar written to `stream`, checks every entry's header before its body, and hands the accepted
 * ones to `sink` one at a time. The first problem aborts the sink's work, destroys `stream`, and rejects
 * `result` once nothing touches the disk any more.
 */
function readTar<T>(limits: Omit<ExtractOptions, 'dir' | 'only'>, sink: Sink<T>) {
  const parser = new Parser({ strict: true });
  const paths = new PathRegistry(
    limits.caseInsensitive ?? (process.platform === 'darwin' || process.platform === 'win32'),
  );
  const abort = new AbortController();
  let work = Promise.resolve();
  let entries = 0;
  let bytes = 0;
  let sawEndMarker = false;
  let done = false;
  let settle!: { resolve: (value: T) => void; reject: (err: Error) => void };
  const result = new Promise<T>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // The stream fails too, so a caller may await either first; the other must not become unhandled.
  result.catch(() => {});

  const fail = (err: Error) => {
    if (done || abort.signal.aborted) return;
    abort.abort(err);
    stream.destroy(err);
    void work.then(() => settle.reject(err));
  };
  const enqueue = (step: () => Promise<unknown> | unknown) => {
    work = work
      .then(async () => {
        if (!abort.signal.aborted) await step();
      })
      .catch(fail);
  };

  /** The entry's checked details, or why it must not be restored (in plain words). */
  const inspect = (entry: ReadEntry): Item | string => {
    // entry.path, not entry.header.path: node-tar's Header prepends a ustar prefix even to a pax path.
    const raw = entry.path;
    const dir = entry.type === 'Directory';
    const path = dir && raw.endsWith('/') ? raw.slice(0, -1) : raw;
    if (!dir && !fileTypes.has(entry.type)) {
      return refusals[entry.type] ?? `it has the unsupported type ${entry.type}`;
    }
    const problem = pathProblem(path) ?? paths.add(path, dir);
    if (problem) return problem;
    const { mode, mtime } = entry;
    const size = dir ? 0 : entry.size; // a pax `size` record can give a folder one; node-tar ignores it
    if (mode === undefined || mtime === undefined || Number.isNaN(mtime.getTime())) {
      return 'its header has no valid mode or modification time';
    }
    entries += 1;
    bytes += size;
    if (limits.maxEntries !== undefined && entries > limits.maxEntries) {
      return `the archive has more than the ${limits.maxEntries} entries its backup lists`;
    }
    if (limits.maxBytes !== undefined && bytes > limits.maxBytes) {
      return `the files add up to more than the ${limits.maxBytes} bytes its backup lists`;
    }
    return { path, type: dir ? 'dir' : 'file', size, mode: mode & 0o777, mtime };
  };

  parser.on('entry', (entry: ReadEntry) => {
    if (abort.signal.aborted) return;
    const item = inspect(entry);
    if (typeof item === 'string') return fail(unsafe(entry.path, item));
    enqueue(() => sink.entry(entry, item, abort.signal));
  });
  // Unsupported entry types, and pax headers over node-tar's 1 MiB limit, are skipped by the parser.
  parser.on('ignoredEntry', (entry: ReadEntry) => {
    const why = entry.meta ? 'its extended header is too large' : `it has the unsupported type ${entry.type}`;
    fail(unsafe(entry.path, why));
  });
  parser.on('eof', () => {
    sawEndMarker = true;
  });
  parser.on('error', (err: Error) => fail(damaged(err)));

  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (parser.write(chunk)) callback();
      else parser.once('drain', () => callback());
    },
    final(callback) {
      parser.once('end', () =>
        enqueue(async () => {
          if (!sawEndMarker) {
            throw new UnsafeArchiveError('The archive is truncated: its end marker is missing.');
          }
          const value = await sink.end();
          done = true;
          settle.resolve(value);
          callback();
        }),
      );
      parser.end();
    },
    destroy(err, callback) {
      if (!done) fail(err ?? new Error('The restore was stopped before the archive ended.'));
      callback(err);
    },
  });
  return { stream, result };
}

/** Says "the disk is full" in plain words; other file system errors pass through unchanged. */
function writeError(err: NodeJS.ErrnoException, path: string): Error {
  if (err.code !== 'ENOSPC') return err;
  return Object.assign(new Error(`The disk is full while writing ${path}`, { cause: err }), {
    code: 'ENOSPC',
  });
}

/** Writes one file entry to `target` (never replacing anything), then sets its mode and times. */
async function writeFile(entry: ReadEntry, item: Item, target: string, signal: AbortSignal): Promise<void> {
  await mkdir(dirname(target), { recursive: true, mode: 0o755 });
  signal.throwIfAborted();
  const out = createWriteStream(target, { flags: 'wx', mode: 0o600, signal });
  entry.pipe(out);
  await once(out, 'close');
  await chmod(target, item.mode);
  await utimes(target, item.mtime, item.mtime);
}

/** A Writable that parses the tar stream written to it and extracts into opts.dir; `result` resolves after the tar ended and every file is flushed and closed, rejects on the first problem. */
export function createTarExtractor(opts: ExtractOptions): {
  stream: Writable;
  result: Promise<ExtractResult>;
} {
  const root = resolve(opts.dir);
  const only = new Set((opts.only ?? []).map((path) => (path.endsWith('/') ? path.slice(0, -1) : path)));
  const unmatched = new Set(only);
  const dirs: Item[] = [];
  const written: ExtractResult = { files: 0, dirs: 0, bytes: 0, entries: [] };
  const target = (path: string) => join(root, ...path.split('/'));

  return readTar(opts, {
    async entry(entry, item, signal) {
      const roots = chosenRoots(item.path, only);
      for (const path of roots) unmatched.delete(path);
      if (only.size > 0 && roots.length === 0) {
        entry.resume();
        return;
      }
      try {
        if (item.type === 'dir') {
          entry.resume();
          await mkdir(target(item.path), { recursive: true, mode: 0o755 });
          dirs.push(item);
          written.dirs += 1;
        } else {
          await writeFile(entry, item, target(item.path), signal);
          written.files += 1;
          written.bytes += item.size;
        }
      } catch (err) {
        throw writeError(err as NodeJS.ErrnoException, item.path);
      }
      written.entries.push(item.path);
    },
    async end() {
      if (unmatched.size > 0) {
        const names = [...unmatched].map((path) => JSON.stringify(path)).join(', ');
        throw new Error(`Nothing in the backup matches ${names}.`);
      }
      // Deepest first: a folder made read-only or unsearchable must not block setting what is inside it.
      dirs.sort((a, b) => b.path.split('/').length - a.path.split('/').length);
      for (const dir of dirs) {
        await chmod(target(dir.path), dir.mode);
        await utimes(target(dir.path), dir.mtime, dir.mtime);
      }
      return written;
    },
  });
}

/** All archive paths of a tar stream, without writing anything (for the "pick what to restore" listing). */
export async function listTar(
  input: Readable,
): Promise<{ path: string; type: 'file' | 'dir'; size: number; mtime: Date }[]> {
  const items: Item[] = [];
  const { stream, result } = readTar(
    {},
    {
      entry(entry, item) {
        entry.resume();
        items.push(item);
      },
      end: () => items.map(({ path, type, size, mtime }) => ({ path, type, size, mtime })),
    },
  );
  await pipeline(input, stream);
  return result;
}
