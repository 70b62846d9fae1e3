// Reads a file over and over while it is being rewritten, to show that readers only ever see complete
// versions of it (what an atomic write promises, and a plain writeFile does not: it truncates first).
import { readFile } from 'node:fs/promises';

/**
 * Runs `rewrite(round)` for `rounds` rounds, one after another, while two readers read `path` as fast as
 * they can; returns every distinct content they saw (a missing file is left out).
 */
export async function contentsSeenWhileRewriting(
  path: string,
  rounds: number,
  rewrite: (round: number) => Promise<void>,
): Promise<Set<string>> {
  const seen = new Set<string>();
  let writing = true;
  let reads = 0;
  const reader = async () => {
    while (writing) {
      const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (text !== undefined) seen.add(text);
      reads++;
    }
  };
  const writer = async () => {
    try {
      for (let round = 0; round < rounds; round++) await rewrite(round);
    } finally {
      writing = false;
    }
  };
  await Promise.all([writer(), reader(), reader()]);
  if (reads < rounds)
    throw new Error(`only ${reads} reads during ${rounds} rewrites: the test proved little`);
  return seen;
}
