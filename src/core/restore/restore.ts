// Restore: decrypt → check the proof → extract into a staging folder next to the destination; move it
// into place only after the last chunk authenticated and the tar matches its metadata. Any failure
// leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AgeError, createDecryptStream, NoIdentityMatchedError } from '../age/index.js';
import type { BackupMetadata } from '../vault/metadata.js';
import { CheckTarStream } from '../vault/tar-trailer.js';
import { createTarExtractor } from './extract-tar.js';

/** What to restore, from where, with which keys. */
export interface RestoreRequest {
  /** The data object. */
  dataPath: string;
  identities: readonly string[];
  authKey: Buffer;
  /** The backup's authenticated metadata, when restoring by id: the tar must match it. */
  expected?: BackupMetadata;
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
export class RestoreError extends Error {}

/** The restore was cancelled through its signal; nothing was written. */
export class RestoreCancelledError extends RestoreError {}

/** Checks the destination and returns the folders that must be created for it (outermost first). */
async function prepareDestination(to: string): Promise<string[]> {
  const info = await stat(to).catch(() => null);
  if (info) {
    if (!info.isDirectory()) throw new RestoreError(`The destination ${to} is a file; choose a new folder.`);
    if ((await readdir(to)).length > 0) {
      throw new RestoreError(`The destination ${to} is not empty; restore into a new or empty folder.`);
    }
    return [];
  }
  const missing: string[] = [];
  for (let dir = dirname(to); !(await stat(dir).catch(() => null)); dir = dirname(dir)) missing.unshift(dir);
  return missing;
}

function explain(err: unknown, hasExpected: boolean): Error {
  if ((err as Error).name === 'AbortError')
    return new RestoreCancelledError('The restore was cancelled. Nothing was restored.');
  if (err instanceof NoIdentityMatchedError) {
    return new RestoreError(
      hasExpected
        ? 'None of this device’s keys opens this backup (it was made on another device). ' +
            'Pass --recovery-kit FILE to restore it with your recovery kit.'
        : 'The recovery kit does not open this file: it belongs to another vault, or is not a Puddleproof backup.',
    );
  }
  if (err instanceof AgeError) return new RestoreError(`${err.message} Nothing was restored.`);
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC')
    return new RestoreError('The disk is full. Nothing was restored; free some space and retry.');
  return new RestoreError(`${(err as Error).message} Nothing was restored.`);
}

/** Restores one backup into `to` (all of it, or the `only` paths). */
export async function restoreBackup(req: RestoreRequest): Promise<RestoreResult> {
  const to = resolve(req.to);
  const created = await prepareDestination(to);
  const staging = join(dirname(to), `.${basename(to)}.puddleproof-restore-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(staging, { recursive: true });
    const total = (await stat(req.dataPath).catch(() => null))?.size;
    if (total === undefined)
      throw new RestoreError(`The backup file ${req.dataPath} is missing or unreadable.`);
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
    if (!proof) throw new RestoreError('The backup ended before it could be checked.');
    let warning: string | undefined;
    if (!proof.authentic) {
      const why = `This backup is not authentic: ${proof.problem}.`;
      if (!req.allowUnauthenticated) {
        throw new RestoreError(
          `${why} It may have been forged by someone who can write to your cloud folder. Nothing was restored. ` +
            'Only if you are sure where this file came from, pass --allow-unauthenticated.',
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
      );
    }
    if (created.length === 0 && (await stat(to).catch(() => null))) await rmdir(to);
    await rename(staging, to);
    return { ...extracted, id: proof.id, authentic: proof.authentic, ...(warning ? { warning } : {}) };
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    for (const dir of created.reverse()) await rmdir(dir).catch(() => undefined);
    throw err instanceof RestoreError ? err : explain(err, req.expected !== undefined);
  }
}
