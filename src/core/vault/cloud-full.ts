// Plain words for the errors that can only come from writing to the cloud folder (a backup only reads the
// export): its disk is full, over its quota, or read-only.

const REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'The cloud folder is full: its disk has no space left.',
  EDQUOT: 'The cloud folder is full: its disk quota is used up.',
  EROFS: 'The cloud folder is on a read-only disk.',
};

/** The plain reason when `err` says the cloud folder cannot take more, or null for any other error. */
export function cloudFullReason(err: unknown): string | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return (code && REASONS[code]) || null;
}
