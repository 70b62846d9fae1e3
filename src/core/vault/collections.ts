// Collection records (`collections/<id>.age`): the first step of reclaiming space. A device that prunes
// names the packs no backup it can see uses ("condemned") and the backups it removed ("forgotten"). Packs
// are deleted only in a later step, once every device has acknowledged the collection (see reclaim.ts).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs-atomic.js';
import { isBackupId, newBackupId } from './layout.js';
import { idsField, openRecord, RecordError, sealRecord, stringField } from './records.js';
import { objectFiles } from './synced-files.js';
import type { ListProblem, Vault } from './vault.js';

const KIND = 'collection';

/** One collection: which packs it condemned and which backups its prune removed. */
export interface Collection {
  format: 1;
  id: string;
  /** The device that wrote it (its settings id and name). */
  deviceId: string;
  device: string;
  createdAt: string;
  condemned: string[];
  forgotten: string[];
}

function rebuild(v: Record<string, unknown>): Collection {
  if (v.format !== 1) throw new RecordError(`${KIND}: unsupported format ${String(v.format)}`);
  return {
    format: 1,
    id: stringField(v, 'id', KIND),
    deviceId: stringField(v, 'deviceId', KIND),
    device: stringField(v, 'device', KIND),
    createdAt: stringField(v, 'createdAt', KIND),
    condemned: idsField(v, 'condemned', KIND, isBackupId),
    forgotten: idsField(v, 'forgotten', KIND, isBackupId),
  };
}

/** Writes a new collection record; returns it. */
export async function writeCollection(
  vault: Vault,
  by: { id: string; name: string },
  now: Date,
  condemned: readonly string[],
  forgotten: readonly string[],
  authKey: Buffer,
  recipients: readonly string[],
): Promise<Collection> {
  const record: Collection = {
    format: 1,
    id: newBackupId(now),
    deviceId: by.id,
    device: by.name,
    createdAt: now.toISOString(),
    condemned: [...condemned].sort(),
    forgotten: [...forgotten].sort(),
  };
  const { format, ...rest } = record;
  const sealed = await sealRecord(KIND, { format, ...rest }, authKey, recipients);
  await writeFileAtomic(vault.paths.collection(record.id), sealed, 0o644);
  return record;
}

/**
 * This device's copy of the collections it has read and proven, in its profile: they never change, so each
 * is decrypted once.
 */
export class CollectionCache {
  constructor(private readonly path: string) {}

  /** The cached collections of the vault at `root`. */
  async read(root: string): Promise<Map<string, Collection>> {
    try {
      const value = JSON.parse(await readFile(this.path, 'utf8')) as Record<string, unknown>;
      if (value.format !== 1 || value.root !== root || !Array.isArray(value.collections)) return new Map();
      const list = (value.collections as Record<string, unknown>[]).map(rebuild);
      return new Map(list.map((c) => [c.id, c]));
    } catch {
      return new Map();
    }
  }

  async write(root: string, collections: ReadonlyMap<string, Collection>): Promise<void> {
    const value = { format: 1, root, collections: [...collections.values()] };
    await writeFileAtomic(this.path, JSON.stringify(value), 0o600);
  }
}

/** Every collection this device can read and prove, by id; the others as problems (never acted on). */
export async function readCollections(
  vault: Vault,
  identities: readonly string[],
  authKey: Buffer,
  cache?: CollectionCache,
): Promise<{ collections: Map<string, Collection>; problems: ListProblem[] }> {
  const collections = new Map<string, Collection>();
  const problems: ListProblem[] = [];
  const dir = vault.paths.collectionsDir;
  const names = await readdir(dir).catch(() => [] as string[]);
  const cached = (await cache?.read(vault.root)) ?? new Map<string, Collection>();
  for (const [id, files] of objectFiles(names, isBackupId)) {
    const known = cached.get(id);
    if (known) {
      collections.set(id, known);
      continue;
    }
    let last: Error | null = null;
    // A conflict copy of an immutable record holds the same record: the first that opens will do.
    for (const name of files) {
      try {
        const record = await openRecord(KIND, await readFile(join(dir, name)), identities, authKey, rebuild);
        if (record.id !== id) throw new RecordError(`${KIND} ${id} names another collection (${record.id})`);
        collections.set(id, record);
        last = null;
        break;
      } catch (err) {
        last = err as Error;
      }
    }
    if (last) problems.push({ id, problem: `collection: ${last.message}` });
  }
  if (cache && [...collections.keys()].some((id) => !cached.has(id)))
    await cache.write(vault.root, collections);
  return { collections, problems };
}
