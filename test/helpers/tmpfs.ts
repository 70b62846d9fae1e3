// Small file systems of their own (tmpfs mounts) for tests of full and read-only disks; mounting needs root
// (CI runs as root), so tests skip where it is not permitted.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Mounts a tmpfs of `mib` MiB at `dir` (or, with `remount`, resizes the one there). */
export function mountTmpfs(dir: string, mib: number, remount = false): void {
  const options = `${remount ? 'remount,' : ''}size=${mib}m`;
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
}

/** Whether this process may mount a file system (root in CI; not in every developer's shell). */
export async function canMount(): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'puddleproof-mount-'));
  try {
    mountTmpfs(dir, 1);
    execFileSync('umount', [dir]);
    return true;
  } catch {
    return false;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
