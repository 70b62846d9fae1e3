// This device's unfinished backups: a marker file per id in the profile, so that after a crash
// `gc` removes their objects at once instead of waiting out the grace period.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isBackupId } from './layout.js';

/** Markers of backups this device started and has not committed or cleaned up. */
export class Journal {
  constructor(private readonly dir: string) {}

  async begin(id: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(join(this.dir, id), '');
  }

  async end(id: string): Promise<void> {
    await rm(join(this.dir, id), { force: true });
  }

  async unfinished(): Promise<Set<string>> {
    try {
      return new Set((await readdir(this.dir)).filter(isBackupId));
    } catch {
      return new Set();
    }
  }
}
