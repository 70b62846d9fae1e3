// Small helpers of the kill -9 tests: a child's end, and a big file's SHA-256.
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, watch } from 'node:fs';

/** How `child` ended (at once if it already has). */
export const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
    } else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

/** SHA-256 of a file, read in 4 MiB pieces. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * SIGKILLs `child` the moment `shouldKill()` is true, watching `dirs` (inotify, for the narrow windows) and
 * polling every 2 ms. Resolves after the process died; `hit` says whether the kill happened (false: the
 * process ended first).
 */
export async function killedWhen(
  child: ChildProcess,
  dirs: readonly string[],
  shouldKill: () => boolean,
): Promise<{ hit: boolean; signal: NodeJS.Signals | null; code: number | null }> {
  let hit = false;
  const check = () => {
    if (hit || child.exitCode !== null || child.signalCode !== null) return;
    if (shouldKill()) hit = child.kill('SIGKILL');
  };
  const watchers = dirs.map((dir) => watch(dir, () => check()));
  const poll = setInterval(check, 2);
  try {
    const end = await exited(child);
    return { hit: hit && end.signal === 'SIGKILL', ...end };
  } finally {
    clearInterval(poll);
    for (const w of watchers) w.close();
  }
}
