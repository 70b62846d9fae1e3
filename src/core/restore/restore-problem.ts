// What kind of failure a restore or listing error is, for the window's advice (see RestoreProblem).
import type { RestoreProblem } from '../../shared/api.js';
import { AgeError, NoIdentityMatchedError } from '../age/index.js';
import { MetadataError } from '../vault/metadata.js';
import { VaultError } from '../vault/vault.js';
import { UnsafeArchiveError } from './extract-tar.js';

/** Errors that know their kind (RestoreError sets it where it is thrown). */
interface Classified {
  problem?: RestoreProblem;
}

const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);
const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'EROFS']);

/** The kind of a restore or listing failure, from the error itself (never from its message's words). */
export function restoreProblemOf(err: unknown): RestoreProblem {
  const known = (err as Classified | null)?.problem;
  if (known) return known;
  if ((err as Error | null)?.name === 'AbortError') return 'cancelled';
  if (err instanceof NoIdentityMatchedError) return 'needsKit';
  if (
    err instanceof AgeError ||
    err instanceof UnsafeArchiveError ||
    err instanceof MetadataError ||
    err instanceof VaultError
  ) {
    return 'damaged';
  }
  const code = (err as NodeJS.ErrnoException | null)?.code ?? '';
  if (DISK_FULL.has(code)) return 'diskFull';
  if (NOT_WRITABLE.has(code)) return 'notWritable';
  return 'other';
}
