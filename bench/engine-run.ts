// Runs one backup or restore through the built engine in a child process (bench/engine-child.mjs).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

/** What the child measured: its own time, CPU time and peak RSS, and for a backup its id and uploaded bytes. */
export interface EngineRun {
  seconds: number;
  /** User and system CPU time of the whole child process. */
  cpuSeconds: number;
  maxRssKB: number;
  id?: string;
  uploadedBytes?: number;
}

/** `engine-child.mjs backup HOME EXPORT` or `restore HOME ID DESTINATION`. */
export async function engineChild(args: string[], env?: NodeJS.ProcessEnv): Promise<EngineRun> {
  const { stdout } = await run(process.execPath, [join(root, 'bench', 'engine-child.mjs'), ...args], {
    maxBuffer: 1024 * 1024,
    ...(env ? { env: { ...process.env, ...env } } : {}),
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
}
