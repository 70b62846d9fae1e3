// Which packs the backups this device can read still use, and what the others take: the space that
// deleting unused packs would free. Nothing here deletes anything (deleting packs safely across devices
// that sync late is a step of its own).
import { stat } from 'node:fs/promises';
import { readSnapshot } from '../restore/snapshot-restore.js';
import type { BackupMetadata } from '../vault/metadata.js';
import type { Vault } from '../vault/vault.js';
import { ChunkStore, chunkIdOf } from './chunk-store.js';

/** Packs no readable snapshot uses, and stored bytes in used packs that no snapshot needs. */
export interface PackUsage {
  packs: number;
  /** Packs (with their indexes) that no snapshot among `backups` refers to, and their bytes. */
  unusedPacks: number;
  unusedBytes: number;
  /** Stored bytes of unneeded chunks inside packs that are still used (freed only by repacking). */
  unneededInUsedPacks: number;
}

async function sizeOf(path: string): Promise<number> {
  return (await stat(path).catch(() => null))?.size ?? 0;
}

/** How the vault's packs are used by the format-2 backups among `backups`. */
export async function packUsage(
  vault: Vault,
  backups: readonly BackupMetadata[],
  identities: readonly string[],
  authKey: Buffer,
): Promise<PackUsage> {
  const store = await ChunkStore.load(vault, identities, authKey);
  const needed = new Set<string>();
  for (const meta of backups) {
    if (meta.format !== 2) continue;
    for (const e of await readSnapshot(vault, meta, identities))
      if (e.type === 'file') for (const c of e.chunks) needed.add(chunkIdOf(c.name));
  }
  const byPack = new Map<string, { used: boolean; unneeded: number }>();
  for (const [id, where] of store.locations) {
    const pack = byPack.get(where.pack) ?? { used: false, unneeded: 0 };
    if (needed.has(id)) pack.used = true;
    else pack.unneeded += where.storedBytes;
    byPack.set(where.pack, pack);
  }
  const usage: PackUsage = { packs: byPack.size, unusedPacks: 0, unusedBytes: 0, unneededInUsedPacks: 0 };
  for (const [pack, { used, unneeded }] of byPack) {
    if (used) {
      usage.unneededInUsedPacks += unneeded;
      continue;
    }
    usage.unusedPacks++;
    usage.unusedBytes += (await sizeOf(vault.paths.pack(pack))) + (await sizeOf(vault.paths.index(pack)));
  }
  return usage;
}
