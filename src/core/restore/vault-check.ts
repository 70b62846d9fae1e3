// The vault as a whole, for `verify`: what no backup uses, what backups need but is not here (not synced
// yet, or missing so long that it is damaged), what sync clients duplicated, and with `readData`, every
// pack read and every chunk in it checked against its keyed id.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { NoIdentityMatchedError } from '../age/index.js';
import { chunkKeys } from '../dedup/chunk-keys.js';
import { ChunkStore, chunkIdOf } from '../dedup/chunk-store.js';
import { chunkId } from '../dedup/chunker.js';
import { plainOf } from '../dedup/pack.js';
import type { PackSlot } from '../dedup/pack-open.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { readCollections } from '../vault/collections.js';
import { isBackupId } from '../vault/layout.js';
import type { BackupMetadata } from '../vault/metadata.js';
import { classifyName } from '../vault/sync-names.js';
import { objectBytesIn } from '../vault/synced-files.js';
import type { Vault } from '../vault/vault.js';
import { openPack, readSnapshot } from './snapshot-restore.js';

/** Something a backup needs that is not in the cloud folder here, and since when this device has seen it so. */
export interface MissingPart {
  backup: string;
  /** "its file list" or "N chunks". */
  what: string;
  since: string;
  /** Missing for longer than the sync margin: no longer "not synced yet". */
  damaged: boolean;
}

/** What `checkVault` found. */
export interface VaultReport {
  packs: number;
  packBytes: number;
  /** Packs no backup here uses (they are reclaimed by prune), of which condemned already. */
  unusedPacks: number;
  unusedBytes: number;
  condemnedPacks: number;
  missing: MissingPart[];
  packsWithoutIndex: string[];
  indexesWithoutPack: string[];
  /** Files a sync client made as second copies of an object (`folder/name`), and their bytes. */
  copies: string[];
  copyBytes: number;
  /** Objects that are placeholders not downloaded yet (`folder/name`). */
  placeholders: string[];
  /** Stored bytes of chunks held by more than one pack (beyond the first). */
  duplicatedChunkBytes: number;
  /** With readData: packs read and found sound, packs this device's keys cannot open, and damaged ones. */
  readPacks?: { ok: number; noKey: number; damaged: { pack: string; problem: string }[] };
}

/** After this long, a part that stays missing is reported as damaged rather than not synced yet. */
export const MISSING_DAMAGED_AFTER_MS = 7 * 24 * 60 * 60 * 1000;

/** When this device first saw each part missing (a JSON file in its profile). */
class MissingLog {
  constructor(private readonly path: string) {}

  async since(now: Date, keys: readonly string[]): Promise<Map<string, string>> {
    let old: Record<string, string> = {};
    try {
      old = JSON.parse(await readFile(this.path, 'utf8')) as Record<string, string>;
    } catch {
      old = {};
    }
    const next = new Map(keys.map((k) => [k, typeof old[k] === 'string' ? old[k] : now.toISOString()]));
    await writeFileAtomic(this.path, JSON.stringify(Object.fromEntries(next)), 0o600);
    return next;
  }
}

async function sizeOf(path: string): Promise<number> {
  return (await stat(path).catch(() => null))?.size ?? 0;
}

/** Checks the vault as a whole (see VaultReport). */
export async function checkVault(req: {
  vault: Vault;
  backups: readonly BackupMetadata[];
  identities: readonly string[];
  authKey: Buffer;
  /** The profile's file for when parts were first seen missing. */
  missingLog: string;
  readData?: boolean;
  now?: Date;
}): Promise<VaultReport> {
  const { vault, identities, authKey } = req;
  const now = req.now ?? new Date();
  const store = await ChunkStore.load(vault, identities, authKey);
  const packs = store.allIndexes();
  const { collections } = await readCollections(vault, identities, authKey);
  const condemned = new Set([...collections.values()].flatMap((c) => c.condemned));
  const report: VaultReport = {
    packs: 0,
    packBytes: 0,
    unusedPacks: 0,
    unusedBytes: 0,
    condemnedPacks: 0,
    missing: [],
    packsWithoutIndex: [],
    indexesWithoutPack: [],
    copies: [],
    copyBytes: 0,
    placeholders: [],
    duplicatedChunkBytes: 0,
  };

  // Files of each folder: objects, sync clients' copies and placeholders.
  const isObject = (base: string) =>
    base.endsWith('.age') && (isBackupId(base.slice(0, -4)) || /^[0-9a-f]{32}$/.test(base.slice(0, -4)));
  const present = new Map<string, Set<string>>();
  for (const dir of ['meta', 'data', 'snapshots', 'packs', 'index', 'chats', 'collections', 'devices']) {
    const ids = new Set<string>();
    for (const name of await readdir(join(vault.root, dir)).catch(() => [] as string[])) {
      const c = classifyName(name, isObject);
      if (c.kind === 'other') continue;
      ids.add(c.base.slice(0, -4));
      if (c.kind === 'copy') {
        report.copies.push(`${dir}/${name}`);
        report.copyBytes += await sizeOf(join(vault.root, dir, name));
      } else if (c.kind === 'placeholder') report.placeholders.push(`${dir}/${name}`);
    }
    present.set(dir, ids);
  }
  const packIds = present.get('packs') ?? new Set<string>();
  const indexIds = present.get('index') ?? new Set<string>();
  report.packsWithoutIndex = [...packIds].filter((p) => !indexIds.has(p)).sort();
  report.indexesWithoutPack = [...indexIds].filter((p) => !packIds.has(p)).sort();

  // What the backups need, and what is not here.
  const needed = new Set<string>();
  const missing: { backup: string; what: string }[] = [];
  for (const meta of req.backups) {
    if (meta.format !== 2) continue;
    try {
      let absent = 0;
      for (const e of await readSnapshot(vault, meta, identities)) {
        if (e.type !== 'file') continue;
        for (const c of e.chunks) {
          const id = chunkIdOf(c.name);
          needed.add(id);
          if (!store.locations.has(id)) absent++;
        }
      }
      if (absent > 0) missing.push({ backup: meta.id, what: `${absent} chunks` });
    } catch {
      missing.push({ backup: meta.id, what: 'its file list' });
    }
  }
  const since = await new MissingLog(req.missingLog).since(
    now,
    missing.map((m) => m.backup),
  );
  report.missing = missing.map((m) => {
    const first = since.get(m.backup) ?? now.toISOString();
    return { ...m, since: first, damaged: now.getTime() - Date.parse(first) > MISSING_DAMAGED_AFTER_MS };
  });

  const seen = new Set<string>();
  const packBytes = objectBytesIn(vault.paths.packsDir, isBackupId);
  const indexBytes = objectBytesIn(vault.paths.indexDir, isBackupId);
  for (const [pack, entries] of packs) {
    const bytes = (await packBytes(pack)) + (await indexBytes(pack));
    report.packs++;
    report.packBytes += bytes;
    if (!entries.some((e) => needed.has(chunkIdOf(e.name)))) {
      report.unusedPacks++;
      report.unusedBytes += bytes;
      if (condemned.has(pack)) report.condemnedPacks++;
    }
    for (const e of entries) {
      const id = chunkIdOf(e.name);
      if (seen.has(id)) report.duplicatedChunkBytes += e.storedBytes;
      seen.add(id);
    }
  }

  if (req.readData) {
    const read = { ok: 0, noKey: 0, damaged: [] as { pack: string; problem: string }[] };
    const { idKey } = chunkKeys(authKey);
    const slot: PackSlot = { sealed: Buffer.alloc(0), plain: Buffer.alloc(0) };
    for (const [pack, entries] of packs) {
      try {
        const stored = await openPack(vault, pack, identities, slot);
        for (const e of entries) {
          const data = stored.get(e.name);
          const plain = data && plainOf({ name: e.name, data }, e.plainBytes);
          if (!plain || chunkId(idKey, plain) !== chunkIdOf(e.name))
            throw new Error(`chunk ${e.name} is missing or does not match its id`);
        }
        read.ok++;
      } catch (err) {
        if (err instanceof NoIdentityMatchedError) read.noKey++;
        else read.damaged.push({ pack, problem: (err as Error).message });
      }
    }
    report.readPacks = read;
  }
  return report;
}
