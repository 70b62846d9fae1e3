// Restore: decrypt → check the proof → extract into a staging folder next to the destination; move it
// into place only after the last chunk authenticated and the tar matches its metadata. Any failure
// leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { access, chmod, mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { RestoreProblem } from '../../shared/api.js';
import { createDecryptStream } from '../age/index.js';
import type { Format1Metadata } from '../vault/metadata.js';
import { CheckTarStream } from '../vault/tar-trailer.js';
import { createTarExtractor } from './extract-tar.js';
import { restoreProblemOf } from './restore-problem.js';

/** What to restore, from where, with which keys. */
export interface RestoreRequest {
  /** The data object. */
  dataPath: string;
  identities: readonly string[];
  authKey: Buffer;
  /** The backup's authenticated metadata, when restoring by id: the tar must match it. */
  expected?: Format1Metadata;
  /** A new or empty folder. */
  to: string;
  only?: readonly string[];
  allowUnauthenticated?: boolean;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  /** Aborting cancels the restore; nothing stays behind. */
  signal?: AbortSignal;
}

export interface RestoreResult {
  files: number;
  dirs: number;
  bytes: number;
  /** The backup id its proof names (null without a proof). */
  id: string | null;
  authentic: boolean;
  /** Set when an unauthenticated backup was restored because the caller allowed it. */
  warning?: string;
}

/** A restore failed; nothing was written. The message says what happened and what to do. */
export class RestoreError extends Error {
  constructor(
    message: string,
    /** What kind of failure it is (see RestoreProblem). */
    readonly problem: RestoreProblem,
  ) {
    super(message);
  }
}

/** Checks the destination and returns the folders that must be created for it (outermost first). */
async function prepareDestination(to: string): Promise<string[]> {
  const info = await stat(to).catch(() => null);
  if (info) {
    if (!info.isDirectory())
      throw new RestoreError(`The destination ${to} is a file; choose a new folder.`, 'destination');
    if ((await readdir(to)).length > 0) {
      throw new RestoreError(
        `The destination ${to} is not empty; restore into a new or empty folder.`,
        'destination',
      );
    }
    return [];
  }
  const missing: string[] = [];
  for (let dir = dirname(to); !(await stat(dir).catch(() => null)); dir = dirname(dir)) missing.unshift(dir);
  return missing;
}

function explain(err: unknown, hasExpected: boolean): RestoreError {
  const problem = restoreProblemOf(err);
  if (problem === 'cancelled')
    return new RestoreError('The restore was cancelled. Nothing was restored.', problem);
  if (problem === 'needsKit') {
    return new RestoreError(
      hasExpected
        ? 'None of this device’s keys opens this backup (it was made on another device); ' +
            'it restores with your recovery kit.'
        : 'The recovery kit does not open this file: it belongs to another vault, or is not a Puddleproof backup.',
      problem,
    );
  }
  if (problem === 'diskFull')
    return new RestoreError('The disk is full. Nothing was restored; free some space and retry.', problem);
  return new RestoreError(`${(err as Error).message} Nothing was restored.`, problem);
}

/** A backup without valid proof, refused because `allowUnauthenticated` was not set. */
export class NotAuthenticError extends RestoreError {
  constructor(message: string) {
    super(message, 'damaged');
  }
}

/**
 * The size of a backup's data file; a RestoreError when it is missing ('notSynced': the sync client may not
 * have brought it yet) or unreadable ('damaged').
 */
export async function readableSize(dataPath: string): Promise<number> {
  try {
    await access(dataPath, constants.R_OK);
    return (await stat(dataPath)).size;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new RestoreError(
      `The backup file ${dataPath} is missing or unreadable${missing ? '; it may not be synced yet' : ''}.`,
      missing ? 'notSynced' : 'damaged',
    );
  }
}

/**
 * Runs `work` on a new staging folder beside `to`, then moves the staging folder into place as `to`. If
 * `work` fails, nothing stays behind (no staging folder, no folders made for `to`), and the error is
 * explained as a RestoreError (`fromVault`: the backup was named by id, so a missing key means the kit).
 */
export async function restoreThroughStaging<T>(
  toPath: string,
  fromVault: boolean,
  work: (staging: string) => Promise<T>,
): Promise<T> {
  const to = resolve(toPath);
  const created = await prepareDestination(to);
  const staging = join(dirname(to), `.${basename(to)}.puddleproof-restore-${randomBytes(6).toString('hex')}`);
  try {
    // One level at a time: a recursive mkdir reports a read-only file system as ENOENT (nodejs/node#47098).
    for (const dir of created) await mkdir(dir);
    await mkdir(staging);
    const result = await work(staging);
    if (created.length === 0 && (await stat(to).catch(() => null))) await rmdir(to);
    await rename(staging, to);
    return result;
  } catch (err) {
    await removeStaging(staging);
    for (const dir of created.reverse()) await rmdir(dir).catch(() => undefined);
    throw err instanceof RestoreError ? err : explain(err, fromVault);
  }
}

/**
 * Removes a failed restore's staging folder, also when folders restored in it were already given a mode
 * without write permission (which would stop `rm` for anyone but root); never throws, so the restore's own
 * error is the one reported.
 */
async function removeStaging(staging: string): Promise<void> {
  try {
    await rm(staging, { recursive: true, force: true });
    return;
  } catch {
    // A folder it may not change: made writable again below.
  }
  const writable = async (dir: string): Promise<void> => {
    await chmod(dir, 0o700).catch(() => undefined);
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => []))
      if (e.isDirectory()) await writable(join(dir, e.name));
  };
  await writable(staging);
  await rm(staging, { recursive: true, force: true }).catch(() => undefined);
}

/** Restores one format-1 backup (its data object) into `to` (all of it, or the `only` paths). */
export function restoreBackup(req: RestoreRequest): Promise<RestoreResult> {
  return restoreThroughStaging(req.to, req.expected !== undefined, async (staging) => {
    const total = await readableSize(req.dataPath);
    const source = createReadStream(req.dataPath, { highWaterMark: 1024 * 1024 });
    let done = 0;
    source.on('data', (chunk) => {
      done += chunk.length;
      req.onProgress?.(done, total);
    });
    const check = new CheckTarStream(req.authKey);
    const extractor = createTarExtractor({
      dir: staging,
      only: req.only ?? [],
      ...(req.expected
        ? { maxBytes: req.expected.bytes, maxEntries: req.expected.files + req.expected.dirs }
        : {}),
    });
    await Promise.all([
      pipeline(
        source,
        createDecryptStream({ identities: req.identities }),
        check,
        extractor.stream,
        req.signal ? { signal: req.signal } : {},
      ),
      extractor.result,
    ]);
    const extracted = await extractor.result;
    const proof = check.check;
    if (!proof) throw new RestoreError('The backup ended before it could be checked.', 'damaged');
    let warning: string | undefined;
    if (!proof.authentic) {
      const why = `This backup is not authentic: ${proof.problem}.`;
      if (!req.allowUnauthenticated) {
        throw new NotAuthenticError(
          `${why} It may have been forged by someone who can write to your cloud folder. Nothing was restored.`,
        );
      }
      warning = `${why} It was restored anyway because you passed --allow-unauthenticated.`;
    }
    const expected = req.expected;
    if (
      expected &&
      (proof.tarSha256 !== expected.tarSha256 || (proof.authentic && proof.id !== expected.id))
    ) {
      throw new RestoreError(
        `The data of backup ${expected.id} does not match its metadata (it was replaced or damaged). Nothing was restored.`,
        'damaged',
      );
    }
    return { ...extracted, id: proof.id, authentic: proof.authentic, ...(warning ? { warning } : {}) };
  });
}
