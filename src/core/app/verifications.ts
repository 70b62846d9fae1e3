// What "verify" found for each backup on this device, kept in the profile as verifications.json so the
// history can show verified / failed / unverified. Only ids, times and problems: nothing secret.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VerificationState } from '../../shared/api.js';
import { writeFileAtomic } from '../fs-atomic.js';

type Recorded = Exclude<VerificationState, { kind: 'unverified' }>;

/** A persistent map from backup id to its last verification result. */
export class Verifications {
  private entries: Record<string, Recorded> | undefined;

  constructor(private readonly home: string) {}

  private get path(): string {
    return join(this.home, 'verifications.json');
  }

  private async load(): Promise<Record<string, Recorded>> {
    if (!this.entries) {
      try {
        const parsed: unknown = JSON.parse(await readFile(this.path, 'utf8'));
        this.entries = {};
        for (const [id, value] of Object.entries(parsed as Record<string, unknown>)) {
          const v = value as Partial<Recorded>;
          if (v?.kind === 'verified' && typeof v.at === 'string')
            this.entries[id] = { kind: 'verified', at: v.at };
          if (v?.kind === 'failed' && typeof v.at === 'string' && typeof v.problem === 'string')
            this.entries[id] = { kind: 'failed', at: v.at, problem: v.problem };
        }
      } catch {
        // Missing or damaged: backups show as unverified until verified again.
        this.entries = {};
      }
    }
    return this.entries;
  }

  async get(id: string): Promise<VerificationState> {
    return (await this.load())[id] ?? { kind: 'unverified' };
  }

  /** Records results and forgets ids no longer in the vault. */
  async record(results: Record<string, Recorded>, existing: readonly string[]): Promise<void> {
    const entries = { ...(await this.load()), ...results };
    const keep = new Set(existing);
    for (const id of Object.keys(entries)) if (!keep.has(id)) delete entries[id];
    this.entries = entries;
    await writeFileAtomic(this.path, `${JSON.stringify(entries, null, 2)}\n`, 0o600);
  }
}
