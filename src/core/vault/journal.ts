// This device's unfinished backups: a marker file per id in the profile, holding the id of the process
// writing it, so that after a crash `gc` removes their objects at once instead of waiting out the grace
// period, while a backup still running in another process is left alone. A marker also says which
// collections its backup avoids (see checkpoints.ts): "<pid>" while it has not looked yet, then
// "<pid>\nseen <collection ids>".
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs-atomic.js';
import { isBackupId } from './layout.js';

function running(pid: number): boolean {
  if (!(Number.isInteger(pid) && pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Markers of backups this device started and has not committed or cleaned up. */
export class Journal {
  constructor(private readonly dir: string) {}

  async begin(id: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // Atomic: a `gc` in another process must never read an empty marker as a dead writer.
    await writeFileAtomic(join(this.dir, id), String(process.pid));
  }

  /** Records the collections the backup `id` has read: it uses no pack they condemned. */
  async saw(id: string, collections: Iterable<string>): Promise<void> {
    await writeFileAtomic(join(this.dir, id), `${process.pid}\nseen ${[...collections].join(' ')}`.trimEnd());
  }

  /**
   * What the backups running now (in any process) avoid: for each, the collections it has read, or null
   * while it has not read them yet.
   */
  async running(): Promise<(Set<string> | null)[]> {
    const all: (Set<string> | null)[] = [];
    for (const id of await readdir(this.dir).catch(() => [])) {
      if (!isBackupId(id)) continue;
      const text = await readFile(join(this.dir, id), 'utf8').catch((err: NodeJS.ErrnoException) =>
        err.code === 'ENOENT' ? null : '',
      );
      if (text === null) continue; // ended since the listing
      // Unreadable for a moment (Windows, during its rename): running, with nothing known of what it read.
      if (text === '') {
        all.push(null);
        continue;
      }
      const [pid, seen] = text.split('\n');
      if (!running(Number(pid))) continue;
      all.push(seen?.startsWith('seen') ? new Set(seen.split(' ').slice(1)) : null);
    }
    return all;
  }

  async end(id: string): Promise<void> {
    await rm(join(this.dir, id), { force: true });
  }

  /** Ids whose writer is gone (crashed or killed); backups still running elsewhere are not included. */
  async abandoned(): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const id of await readdir(this.dir).catch(() => [])) {
      if (!isBackupId(id)) continue;
      const text = await readFile(join(this.dir, id), 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null; // ended since the listing: nothing left to clean up
        return '';
      });
      if (text === null) continue;
      if (!running(Number(text.split('\n')[0]))) ids.add(id);
    }
    return ids;
  }
}
