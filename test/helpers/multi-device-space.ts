// Where a vault's pack space goes, chunk by chunk, seen from one device: what the backups it lists need
// (once, and in every copy several devices wrote of it), and what nothing needs. Unlike a count that
// follows each chunk to one pack, this looks at every copy: a pack whose chunks all have copies elsewhere
// counts as holding nothing needed, and the copies themselves are counted.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ChunkStore, chunkIdOf } from '../../src/core/dedup/chunk-store.js';
import { readSnapshot } from '../../src/core/restore/snapshot-restore.js';
import type { BackupMetadata } from '../../src/core/vault/metadata.js';
import type { Vault } from '../../src/core/vault/vault.js';

export interface PackSpace {
  /** Files in packs/ and their bytes (everything there: packs, temporary files, conflict copies). */
  files: number;
  bytes: number;
  /** Files in packs/ that are no pack with a readable index (their bytes hold nothing a backup can use). */
  strays: string[];
  strayBytes: number;
  /** Packs that hold no chunk any of `backups` needs (in any copy), with their file bytes. */
  idle: string[];
  idleBytes: number;
  /** Stored bytes of the chunks `backups` need, each chunk once. */
  neededOnce: number;
  /** Stored bytes of the further copies of needed chunks (in other packs). */
  copies: number;
  /** Stored bytes of chunks no backup of `backups` needs, in packs that also hold needed ones. */
  unneeded: number;
}

/** The pack space of `vault` as `backups` (format 2 ones) use it, read with `identities`. */
export async function packSpace(
  vault: Vault,
  backups: readonly BackupMetadata[],
  identities: readonly string[],
  authKey: Buffer,
): Promise<PackSpace> {
  const needed = new Set<string>();
  for (const meta of backups) {
    if (meta.format !== 2) continue;
    for (const e of await readSnapshot(vault, meta, identities))
      if (e.type === 'file') for (const c of e.chunks) needed.add(chunkIdOf(c.name));
  }
  const store = await ChunkStore.load(vault, identities, authKey);
  const space: PackSpace = {
    files: 0,
    bytes: 0,
    strays: [],
    strayBytes: 0,
    idle: [],
    idleBytes: 0,
    neededOnce: 0,
    copies: 0,
    unneeded: 0,
  };
  const seen = new Set<string>();
  const packFile = (pack: string) => `${pack}.age`;
  const indexed = new Set([...store.byPack.keys()].map(packFile));
  for (const name of (await readdir(vault.paths.packsDir)).sort()) {
    const size = (await stat(join(vault.paths.packsDir, name)).catch(() => null))?.size ?? 0;
    space.files++;
    space.bytes += size;
    if (!indexed.has(name)) {
      space.strays.push(name);
      space.strayBytes += size;
    }
  }
  for (const [pack, entries] of [...store.byPack].sort(([a], [b]) => a.localeCompare(b))) {
    const useful = entries.some((e) => needed.has(chunkIdOf(e.name)));
    if (!useful) {
      space.idle.push(pack);
      space.idleBytes += (await stat(vault.paths.pack(pack)).catch(() => null))?.size ?? 0;
      continue;
    }
    for (const e of entries) {
      const id = chunkIdOf(e.name);
      if (!needed.has(id)) space.unneeded += e.storedBytes;
      else if (seen.has(id)) space.copies += e.storedBytes;
      else {
        seen.add(id);
        space.neededOnce += e.storedBytes;
      }
    }
  }
  return space;
}
