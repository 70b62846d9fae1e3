// Exports known to need no backup although no current backup carries their quick fingerprint: one found
// identical to a committed backup (renamed, or touched), or one whose backup retention removed. Kept in
// the profile so that no process re-reads them, and a lost or damaged file only costs a re-read.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs-atomic.js';

const LIMIT = 10_000;

/** A persistent set of quick fingerprints (keyed hashes: they reveal nothing without the vault's key). */
export class CoveredExports {
  private entries: string[] | undefined;

  constructor(private readonly home: string) {}

  private get path(): string {
    return join(this.home, 'covered-exports.json');
  }

  private async load(): Promise<string[]> {
    if (!this.entries) {
      try {
        const parsed: unknown = JSON.parse(await readFile(this.path, 'utf8'));
        this.entries = Array.isArray(parsed) ? parsed.filter((e): e is string => typeof e === 'string') : [];
      } catch {
        this.entries = [];
      }
    }
    return this.entries;
  }

  async has(quickFingerprint: string): Promise<boolean> {
    return (await this.load()).includes(quickFingerprint);
  }

  /** Adds fingerprints (the oldest are dropped past 10,000). */
  async add(quickFingerprints: readonly string[]): Promise<void> {
    const entries = await this.load();
    const fresh = quickFingerprints.filter((q) => !entries.includes(q));
    if (fresh.length === 0) return;
    this.entries = [...entries, ...fresh].slice(-LIMIT);
    await writeFileAtomic(this.path, JSON.stringify(this.entries));
  }
}
