// Reclaiming the space of packs no backup uses, in two steps that stay safe when devices work at the same
// time through a sync folder that delivers late and in any order:
//   1. collect: a collection record condemns the packs that no backup this device can see uses;
//   2. delete: a later run (on any device) deletes a condemned pack once every device has acknowledged the
//      collection (so none of its later backups uses the pack), every backup those devices listed is here
//      to be checked, and still no backup needs a chunk that only that pack holds.
// A device silent for longer than `silentMs` is not waited for (see README, "Reclaiming space").

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decryptBuffer } from '../age/buffer.js';
import { NoIdentityMatchedError } from '../age/index.js';
import { quickFingerprint } from '../backup/backup.js';
import { walkExport } from '../backup/walk.js';
import { fsyncDir } from '../fs-atomic.js';
import { openPack, readSnapshot } from '../restore/snapshot-restore.js';
import { acknowledge } from '../vault/acknowledge.js';
import { type Checkpoint, checkpointName, readCheckpoints } from '../vault/checkpoints.js';
import {
  type Collection,
  type CollectionCache,
  readCollections,
  writeCollection,
} from '../vault/collections.js';
import type { Journal } from '../vault/journal.js';
import { isBackupId, newBackupId, timeOfId } from '../vault/layout.js';
import type { BackupMetadata } from '../vault/metadata.js';
import { objectBytesIn, objectPath, presentIds, removeObject } from '../vault/synced-files.js';
import type { Vault } from '../vault/vault.js';
import { chunkKeys } from './chunk-keys.js';
import { ChunkStore, chunkIdOf, type IndexCache, type OwnPacks, PackWriter } from './chunk-store.js';
import { chunkId } from './chunker.js';
import { plainOf } from './pack.js';
import { decodeIndex, type IndexEntry } from './pack-index.js';
import type { PackSlot } from './pack-open.js';

/** Default margin: packs younger than this are not condemned, collections younger are not acted on. */
export const DEFAULT_RECLAIM_GRACE_MS = 7 * 24 * 60 * 60 * 1000;
/** Default time after which a device that has said nothing is no longer waited for. */
export const DEFAULT_SILENT_AFTER_MS = 90 * 24 * 60 * 60 * 1000;

/** What reclaiming needs. */
export interface ReclaimRequest {
  vault: Vault;
  device: { id: string; name: string };
  journal: Journal;
  /** This device's identities (the index identity opens snapshots, indexes and records). */
  identities: readonly string[];
  authKey: Buffer;
  /** Recipients of records: the trusted recipients and the vault index recipient. */
  recipients: readonly string[];
  /** Backups this run removed (recorded in the collection, so nobody waits for them). */
  forgotten?: readonly string[];
  graceMs?: number;
  silentMs?: number;
  /** Say what would happen; write and delete nothing. */
  dryRun?: boolean;
  now?: Date;
  indexCache?: IndexCache;
  collectionCache?: CollectionCache;
  /** The packs this device wrote: the only ones it repacks. */
  ownPacks?: OwnPacks;
  /** Recipients of packs this run writes when it repacks (the trusted recipients). */
  packRecipients: readonly string[];
  /** This device's watch folder (to tell whether a lost backup's export can be backed up again). */
  watchDir?: string;
}

/** What a reclaim run did, and what it waits for. */
export interface ReclaimReport {
  /** The packs deleted (or, in a dry run, that would be). */
  deleted: string[];
  deletedPacks: number;
  freedBytes: number;
  /** Packs in the folder (with a readable index) before this run. */
  packs: number;
  /** Packs no backup left here uses (condemned or not yet), and their bytes. */
  unusedPacks: number;
  unusedBytes: number;
  /** Of those, packs younger than the margin, not condemned yet. */
  youngPacks: number;
  /** Condemned packs this run deleted after copying chunks a kept backup still needed into new packs. */
  rescuedPacks: number;
  /** Packs this run repacked (their needed chunks copied into new packs; condemned). */
  repackedPacks: number;
  /** Packs this run condemned. */
  condemnedPacks: number;
  condemnedBytes: number;
  /** Condemned packs still in the folder after this run (waiting to be deleted), and their bytes. */
  pendingPacks: number;
  pendingBytes: number;
  /** Why condemned packs were not deleted yet (one line each, no duplicates). */
  waiting: string[];
  /** The devices among those reasons: they have not acknowledged (or said anything) yet. */
  waitingFor: string[];
  /**
   * Backups of this device that need chunks of packs collected while it was away (silent for too long): a
   * backup it made then reused a pack it had not yet seen condemned. Where the export is still in the watch
   * folder, the backup is removed so that the next backup stores the export again.
   */
  lost: { id: string; exportName: string; backUpAgain: boolean }[];
  /** Devices not waited for, because they have been silent too long. */
  silent: { device: string; lastSeen: string }[];
}

async function sizeOf(path: string): Promise<number> {
  return (await stat(path).catch(() => null))?.size ?? 0;
}

/** When the newest file (or placeholder) of checkpoint `name` last changed; null if none is left. */
async function checkpointTime(vault: Vault, name: string): Promise<number | null> {
  let newest: number | null = null;
  const dir = vault.paths.devicesDir;
  for (const file of await readdir(dir).catch(() => [] as string[])) {
    if (!file.includes(name)) continue;
    const changed = (await stat(join(dir, file)).catch(() => null))?.mtimeMs;
    if (changed !== undefined && (newest === null || changed > newest)) newest = changed;
  }
  return newest;
}

/** Bytes a pack and its index take (with their copies), each looked up once per run. */
function packSizes(vault: Vault) {
  const known = new Map<string, number>();
  // Every copy a sync client made goes with it.
  const packBytes = objectBytesIn(vault.paths.packsDir, isBackupId);
  const indexBytes = objectBytesIn(vault.paths.indexDir, isBackupId);
  return {
    async of(pack: string): Promise<number> {
      let bytes = known.get(pack);
      if (bytes === undefined) {
        bytes = (await packBytes(pack)) + (await indexBytes(pack));
        known.set(pack, bytes);
      }
      return bytes;
    },
  };
}

/** Runs both steps: deletes what is safe to delete, then condemns what no backup uses now. */
export async function reclaim(req: ReclaimRequest): Promise<ReclaimReport> {
  const { vault, authKey, identities } = req;
  const now = req.now ?? new Date();
  const graceMs = req.graceMs ?? DEFAULT_RECLAIM_GRACE_MS;
  const silentMs = req.silentMs ?? DEFAULT_SILENT_AFTER_MS;
  const report: ReclaimReport = {
    deleted: [],
    packs: 0,
    unusedPacks: 0,
    unusedBytes: 0,
    youngPacks: 0,
    repackedPacks: 0,
    rescuedPacks: 0,
    deletedPacks: 0,
    freedBytes: 0,
    condemnedPacks: 0,
    condemnedBytes: 0,
    pendingPacks: 0,
    pendingBytes: 0,
    waiting: [],
    waitingFor: [],
    silent: [],
    lost: [],
  };
  const waitingDevices = new Set<string>();
  const waiting = new Set<string>();
  const sizes = packSizes(vault);

  const { collections } = await readCollections(vault, identities, authKey, req.collectionCache);
  // In a dry run the backups prune would remove are still here: they count as removed.
  const gone = new Set(req.forgotten ?? []);
  const listed = await vault.listUnedited(identities, authKey);
  const backups = listed.backups.filter((b) => !gone.has(b.id));
  const { problems } = listed;
  const ackRequest = {
    vault,
    device: req.device,
    journal: req.journal,
    identities,
    authKey,
    recipients: req.recipients,
    known: listed.backups,
    now,
  };
  const own = await acknowledge({
    ...ackRequest,
    seen: new Set(collections.keys()),
    dryRun: req.dryRun === true,
  });
  const { checkpoints, problems: unread } = await readCheckpoints(vault, identities, authKey);
  if (own) checkpoints.set(own.deviceId, own);
  // A device whose checkpoint is here but cannot be read (not downloaded yet, cut short, damaged) is waited
  // for like one that has said nothing: which collections it saw and which backups it made are unknown. As
  // any device, it is not waited for once its file is older than the silence limit.
  for (const p of unread) {
    if (p.id === checkpointName(authKey, req.device.id)) continue;
    const changed = await checkpointTime(vault, p.id);
    if (changed !== null && now.getTime() - changed > silentMs)
      report.silent.push({
        device: `the device of checkpoint ${p.id}`,
        lastSeen: new Date(changed).toISOString(),
      });
    else waiting.add(`the checkpoint ${p.id} of a device cannot be read here (${p.problem})`);
  }

  // Every chunk a visible backup needs. A backup whose metadata or file list cannot be read here holds
  // everything back: what it needs is unknown.
  const needed = new Set<string>();
  const ownChunks = new Map<BackupMetadata, string[]>();
  for (const p of problems) waiting.add(`backup ${p.id} cannot be read here (${p.problem})`);
  // A backup whose metadata is only a sync client's placeholder here (not downloaded) needs what it needs.
  const listedIds = new Set([...listed.backups.map((b) => b.id), ...problems.map((p) => p.id)]);
  for (const id of presentIds(await readdir(vault.paths.metaDir), isBackupId))
    if (!listedIds.has(id) && !gone.has(id)) waiting.add(`backup ${id} is not downloaded here yet`);
  for (const meta of backups) {
    if (meta.format !== 2) continue;
    try {
      const chunks: string[] = [];
      for (const e of await readSnapshot(vault, meta, identities))
        if (e.type === 'file') for (const c of e.chunks) chunks.push(chunkIdOf(c.name));
      for (const c of chunks) needed.add(c);
      if (meta.deviceId === req.device.id) ownChunks.set(meta, chunks);
    } catch {
      waiting.add(`the file list of backup ${meta.id} is not here yet`);
    }
  }
  const blocked = waiting.size > 0;

  const condemnedBy = new Map<string, string>();
  for (const c of collections.values()) for (const p of c.condemned) condemnedBy.set(p, c.id);
  const store = await ChunkStore.load(
    vault,
    identities,
    authKey,
    req.indexCache,
    new Set(),
    new Set(condemnedBy.keys()),
  );
  const packs = store.allIndexes();
  report.packs = packs.size;
  const forgottenNow = [...(req.forgotten ?? [])];
  report.lost = await lostWhileAway(req, ownChunks, store);
  const repair = report.lost.filter((l) => l.backUpAgain).map((l) => l.id);
  if (!req.dryRun && repair.length > 0) {
    await vault.forget(repair);
    forgottenNow.push(...repair);
  }
  const liveChunks = new Set<string>();
  for (const [pack, entries] of packs)
    if (!condemnedBy.has(pack)) for (const e of entries) liveChunks.add(chunkIdOf(e.name));
  const forgotten = new Set([...collections.values()].flatMap((c) => c.forgotten));
  for (const id of req.forgotten ?? []) forgotten.add(id);
  const visible = new Set(backups.map((b) => b.id));

  // Step 2: delete.
  const devices = knownDevices(checkpoints, backups);
  const active: Checkpoint[] = [];
  const waitingFor: string[] = [];
  for (const [deviceId, d] of devices) {
    if (now.getTime() - Date.parse(d.lastSeen) > silentMs) {
      report.silent.push({ device: d.name, lastSeen: d.lastSeen });
      continue;
    }
    const checkpoint = checkpoints.get(deviceId);
    if (!checkpoint) {
      waitingFor.push(deviceId);
      continue;
    }
    active.push(checkpoint);
    for (const id of checkpoint.backups)
      if (!visible.has(id) && !forgotten.has(id))
        waiting.add(`backup ${id} of ${checkpoint.device} has not synced here yet`);
    for (const id of checkpoint.acked)
      if (!collections.has(id))
        waiting.add(`collection ${id} that ${checkpoint.device} saw has not synced here yet`);
  }
  for (const deviceId of waitingFor) {
    const name = devices.get(deviceId)?.name ?? deviceId;
    waiting.add(`${name} has not said which collections it has seen yet`);
    waitingDevices.add(name);
  }
  const unblocked = waiting.size === 0 && waitingFor.length === 0;
  const ownPacks = (await req.ownPacks?.read(vault.root)) ?? new Set<string>();
  const deletions: string[] = [];
  // A condemned pack may hold a chunk that a kept backup needs and no live pack holds (the backup was made
  // before its device saw the collection): the device that wrote the pack copies such chunks into new
  // packs (rescues them), and then the pack goes.
  const stranded = (e: IndexEntry) => needed.has(chunkIdOf(e.name)) && !liveChunks.has(chunkIdOf(e.name));
  /** The entries of condemned packs that are not here, read from their indexes (see indexNeeded). */
  const indexOnly = new Map<string, readonly IndexEntry[]>();
  /**
   * Whether the index of `pack` (not in the folder: its cached entries, else the index file) names a stranded
   * chunk; one that cannot be read is kept too.
   */
  const indexNeeded = async (pack: string) => {
    try {
      let entries = store.collected.get(pack);
      if (!entries) {
        const sealed = await readFile(await objectPath(vault.paths.indexDir, pack, isBackupId));
        entries = decodeIndex(authKey, pack, await decryptBuffer(sealed, identities));
      }
      // (Its keepers are checked below like those of a pack here: the pack may be on its way.)
      indexOnly.set(pack, entries);
      return entries.some(stranded);
    } catch {
      return true;
    }
  };
  const rescue: string[] = [];
  for (const c of [...collections.values()].sort((a, b) => a.id.localeCompare(b.id))) {
    if (c.condemned.length === 0) continue;
    const pending = c.condemned.filter((p) => packs.has(p));
    let ready = unblocked;
    // (A time that does not parse counts as young.)
    if (!(now.getTime() - Date.parse(c.createdAt) >= graceMs)) {
      if (pending.length > 0) waiting.add(`collection ${c.id} is younger than the margin`);
      ready = false;
    }
    for (const checkpoint of active) {
      if (checkpoint.acked.includes(c.id)) continue;
      if (pending.length > 0) {
        waiting.add(
          `${checkpoint.device} has not acknowledged collection ${c.id} yet (last seen ${checkpoint.writtenAt})`,
        );
        waitingDevices.add(checkpoint.device);
      }
      ready = false;
    }
    if (!ready) continue;
    for (const pack of pending) {
      // Two devices may have condemned one pack at once: it is handled once.
      if (deletions.includes(pack) || rescue.includes(pack)) continue;
      if (!(packs.get(pack) ?? []).some(stranded)) deletions.push(pack);
      else if (ownPacks.has(pack)) rescue.push(pack);
      else
        waiting.add(
          `pack ${pack} holds chunks a kept backup needs (made before its device saw collection ${c.id}); ` +
            'the device that wrote the pack copies them out at its next prune',
        );
    }
    // An index whose pack is not here: the rest of an interrupted deletion, or a pack this device has not
    // received yet. Deleted only when no kept backup needs a chunk of it that no other pack holds: one that
    // is still on its way then keeps nothing anyone needs.
    for (const pack of c.condemned)
      if (
        !packs.has(pack) &&
        !deletions.includes(pack) &&
        !(await sizeOf(vault.paths.pack(pack))) &&
        (await sizeOf(vault.paths.index(pack))) &&
        !(await indexNeeded(pack))
      )
        deletions.push(pack);
  }
  if (rescue.length > 0 && !req.dryRun) {
    try {
      const seen = new Set(collections.keys());
      const { written, failed } = await repackNeeded(req, rescue, packs, (_pack, e) => stranded(e), seen);
      for (const [pack, entries] of written) {
        packs.set(pack, entries);
        for (const e of entries) liveChunks.add(chunkIdOf(e.name));
      }
      for (const [pack, why] of failed) {
        waiting.add(`condemned pack ${pack} could not be copied out: ${why}`);
        rescue.splice(rescue.indexOf(pack), 1);
      }
    } catch (err) {
      // The packs stay (condemned: no new backup uses them); the rest of the run goes on.
      waiting.add(`condemned packs ${rescue.join(', ')} could not be copied out: ${(err as Error).message}`);
      rescue.length = 0;
    }
  }
  deletions.push(...rescue);
  report.rescuedPacks = rescue.length;
  // The packs that keep what a condemned pack holds copies of were checked when it was condemned; they are
  // checked again now, before its copies go (they may have been damaged since).
  if (!req.dryRun && deletions.length > 0) {
    const leaving = new Map([...packs, ...indexOnly]);
    for (const [pack, why] of await heldBack(
      req,
      deletions,
      leaving,
      keepersOf(packs, condemnedBy),
      needed,
    )) {
      deletions.splice(deletions.indexOf(pack), 1);
      if (rescue.includes(pack)) report.rescuedPacks--;
      waiting.add(`condemned pack ${pack} is not deleted: ${why}`);
    }
  }
  for (const pack of deletions) {
    const bytes = await sizes.of(pack);
    if (!req.dryRun) {
      // The pack first: an index without its pack is ignored by every reader, the reverse is not.
      await removeObject(vault.paths.packsDir, pack, isBackupId);
      await removeObject(vault.paths.indexDir, pack, isBackupId);
    }
    packs.delete(pack);
    report.deleted.push(pack);
    report.deletedPacks++;
    report.freedBytes += bytes;
  }
  if (deletions.length > 0 && !req.dryRun) {
    await fsyncDir(vault.paths.packsDir);
    await fsyncDir(vault.paths.indexDir);
  }

  // Step 1: collect (not when some backup could not be read). Each needed chunk is kept by the oldest live
  // pack that holds it (pack ids begin with their time, so devices that decide at once pick the same one).
  // Condemned: packs that keep no chunk a backup needs (they hold none, or only copies of chunks an older
  // pack keeps: two devices stored the same new chunks at once); and packs this device wrote of which at
  // least half is unneeded or such copies, once the chunks they keep are copied into new packs (repacked).
  const keeper = keepersOf(packs, condemnedBy);
  const keeps = (pack: string, e: IndexEntry) =>
    needed.has(chunkIdOf(e.name)) && keeper.get(chunkIdOf(e.name)) === pack;
  const condemned: string[] = [];
  const repack: string[] = [];
  const condemn = (pack: string, bytes: number) => {
    condemned.push(pack);
    report.condemnedPacks++;
    report.condemnedBytes += bytes;
  };
  for (const [pack, entries] of packs) {
    const bytes = await sizes.of(pack);
    const unused = !entries.some((e) => needed.has(chunkIdOf(e.name)));
    if (unused) {
      report.unusedPacks++;
      report.unusedBytes += bytes;
    }
    if (blocked || condemnedBy.has(pack)) continue;
    const kept = entries.filter((e) => keeps(pack, e));
    if (now.getTime() - timeOfId(pack) < graceMs) {
      if (unused) report.youngPacks++;
      continue;
    }
    if (kept.length === 0) condemn(pack, bytes);
    else if (ownPacks.has(pack)) {
      const total = entries.reduce((sum, e) => sum + e.storedBytes, 0);
      const spare = total - kept.reduce((sum, e) => sum + e.storedBytes, 0);
      if (spare * 2 >= total) repack.push(pack);
    }
  }
  // A pack condemned or repacked loses its copies of chunks an older pack keeps: that pack is read and its
  // copies checked first (a dry run reads nothing). One that is damaged, not here, or that no key of this
  // device opens vouches for nothing, and no pack holding copies of what it keeps goes in this run.
  if (!req.dryRun)
    for (const [pack, why] of await heldBack(req, [...condemned, ...repack], packs, keeper, needed)) {
      if (condemned.includes(pack)) {
        condemned.splice(condemned.indexOf(pack), 1);
        report.condemnedPacks--;
        report.condemnedBytes -= await sizes.of(pack);
      } else repack.splice(repack.indexOf(pack), 1);
      waiting.add(`pack ${pack} is kept: ${why}`);
    }
  if (repack.length > 0 && !req.dryRun) {
    const unrepacked: string[] = [];
    try {
      const { written, failed } = await repackNeeded(req, repack, packs, keeps, new Set(collections.keys()));
      for (const [pack, entries] of written) packs.set(pack, entries);
      // A pack that cannot be read here (not downloaded, damaged) stays as it is; the others go on.
      for (const [pack, why] of failed) {
        waiting.add(`pack ${pack} could not be repacked: ${why}`);
        unrepacked.push(pack);
      }
    } catch (err) {
      waiting.add(`packs ${repack.join(', ')} could not be repacked: ${(err as Error).message}`);
      unrepacked.push(...repack);
    }
    for (const pack of unrepacked) repack.splice(repack.indexOf(pack), 1);
    // What such a pack keeps may be whole only in the copies other packs hold: none of those goes now.
    const keptThere = new Set(
      unrepacked.flatMap((p) =>
        (packs.get(p) ?? []).filter((e) => keeps(p, e)).map((e) => chunkIdOf(e.name)),
      ),
    );
    for (const pack of [...condemned])
      if ((packs.get(pack) ?? []).some((e) => keptThere.has(chunkIdOf(e.name)))) {
        condemned.splice(condemned.indexOf(pack), 1);
        report.condemnedPacks--;
        report.condemnedBytes -= await sizes.of(pack);
      }
  }
  // (A dry run says what a run would repack, without reading or writing anything.)
  for (const pack of repack) {
    condemn(pack, await sizes.of(pack));
    report.repackedPacks++;
  }
  if (!req.dryRun && (condemned.length > 0 || forgottenNow.length > 0)) {
    const collection = await writeCollection(
      vault,
      req.device,
      now,
      condemned,
      forgottenNow,
      authKey,
      req.recipients,
    );
    collections.set(collection.id, collection);
    await acknowledge({ ...ackRequest, seen: new Set(collections.keys()) });
  }
  for (const pack of packs.keys()) {
    if (!condemnedBy.has(pack) && !condemned.includes(pack)) continue;
    report.pendingPacks++;
    report.pendingBytes += await sizes.of(pack);
  }
  report.waiting = [...waiting];
  report.waitingFor = [...waitingDevices].sort();
  return report;
}

/** Each chunk's keeper: of the packs that hold it and that no collection condemned, the one whose id sorts first. */
function keepersOf(
  packs: ReadonlyMap<string, readonly IndexEntry[]>,
  condemnedBy: ReadonlyMap<string, string>,
): Map<string, string> {
  const keeper = new Map<string, string>();
  for (const pack of [...packs.keys()].sort())
    if (!condemnedBy.has(pack))
      for (const e of packs.get(pack) ?? [])
        if (!keeper.has(chunkIdOf(e.name))) keeper.set(chunkIdOf(e.name), pack);
  return keeper;
}

/**
 * The packs of `leaving` that must stay for now, each with why (the end of a sentence): they hold copies of
 * needed chunks whose keeper (read once, and those chunks checked) is damaged, not here, or opens with no key
 * of this device.
 */
async function heldBack(
  req: ReclaimRequest,
  leaving: readonly string[],
  packs: ReadonlyMap<string, readonly IndexEntry[]>,
  keeper: ReadonlyMap<string, string>,
  needed: ReadonlySet<string>,
): Promise<Map<string, string>> {
  /** The chunks each keeper is relied on for, and the keepers each leaving pack relies on, in entry order. */
  const relied = new Map<string, Set<string>>();
  const reliesOn = new Map<string, Set<string>>();
  for (const pack of leaving)
    for (const e of packs.get(pack) ?? []) {
      const chunk = chunkIdOf(e.name);
      const k = keeper.get(chunk);
      if (k === undefined || k === pack || !needed.has(chunk)) continue;
      relied.set(k, (relied.get(k) ?? new Set()).add(chunk));
      reliesOn.set(pack, (reliesOn.get(pack) ?? new Set()).add(k));
    }
  const unsound = new Map<string, string>();
  const { idKey } = chunkKeys(req.authKey);
  const slot: PackSlot = { sealed: Buffer.alloc(0), plain: Buffer.alloc(0) };
  for (const [pack, chunks] of relied) {
    try {
      await checkedChunks(
        req,
        pack,
        packs.get(pack) ?? [],
        (e) => chunks.has(chunkIdOf(e.name)),
        idKey,
        slot,
      );
    } catch (err) {
      // No key matching is also what a damaged header looks like (one flipped bit in this device's stanza):
      // such a keeper vouches for nothing here. A device that opens it checks it and condemns the copies.
      unsound.set(
        pack,
        err instanceof NoIdentityMatchedError
          ? 'no key of this device opens that pack (it is for other keys, or its header is damaged)'
          : `that pack cannot be read or checked here (${(err as Error).message})`,
      );
    }
  }
  const held = new Map<string, string>();
  for (const [pack, keepers] of reliesOn) {
    const k = [...keepers].find((x) => unsound.has(x));
    if (k !== undefined)
      held.set(pack, `it holds copies of chunks that pack ${k} keeps, and ${unsound.get(k)}`);
  }
  return held;
}

/**
 * The chunks of `pack` that `pick` selects, as [id, plain bytes], after the pack is decrypted and each of them
 * checked against its id; throws if the pack cannot be read or one is missing or does not match.
 */
async function checkedChunks(
  req: ReclaimRequest,
  pack: string,
  entries: readonly IndexEntry[],
  pick: (e: IndexEntry) => boolean,
  idKey: Uint8Array,
  slot: PackSlot,
): Promise<[string, Buffer][]> {
  const stored = await openPack(req.vault, pack, req.identities, slot);
  const chunks: [string, Buffer][] = [];
  for (const e of entries) {
    if (!pick(e)) continue;
    const chunk = chunkIdOf(e.name);
    const data = stored.get(e.name);
    const plain = data && plainOf({ name: e.name, data }, e.plainBytes);
    if (!plain || chunkId(idKey, plain) !== chunk)
      throw new Error(`Pack ${pack} is damaged: chunk ${e.name} does not match its id.`);
    chunks.push([chunk, plain]);
  }
  return chunks;
}

/**
 * Copies the chunks of the packs of `repack` that `moves` picks (those they keep, or the stranded ones of
 * condemned packs; see reclaim) into new packs (age to the trusted recipients, like a backup's); returns
 * the new packs' entries, and the packs that could not be read or checked here (nothing of them is copied),
 * with why. The run is journaled like a backup, so that `gc` removes what a crash leaves.
 */
async function repackNeeded(
  req: ReclaimRequest,
  repack: readonly string[],
  packs: ReadonlyMap<string, readonly IndexEntry[]>,
  moves: (pack: string, e: IndexEntry) => boolean,
  seen: ReadonlySet<string>,
): Promise<{ written: Map<string, readonly IndexEntry[]>; failed: Map<string, string> }> {
  const { vault, authKey } = req;
  // The new packs hold every chunk kept, even one that newer packs hold too: their owners may be
  // condemning those now, relying on this pack.
  const store = new ChunkStore();
  const failed = new Map<string, string>();
  const id = newBackupId(req.now ?? new Date());
  await req.journal.begin(id);
  await req.journal.saw(id, seen);
  try {
    const writer = new PackWriter(vault, store, {
      recipients: req.packRecipients,
      indexRecipients: req.recipients,
      authKey,
      backupId: id,
    });
    const { idKey } = chunkKeys(authKey);
    const slot: PackSlot = { sealed: Buffer.alloc(0), plain: Buffer.alloc(0) };
    for (const pack of repack) {
      // Every chunk of a pack is read and checked before any is copied.
      let chunks: [string, Buffer][];
      try {
        chunks = await checkedChunks(req, pack, packs.get(pack) ?? [], (e) => moves(pack, e), idKey, slot);
      } catch (err) {
        failed.set(pack, (err as Error).message);
        continue;
      }
      for (const [chunk, plain] of chunks) await writer.add(chunk, plain);
    }
    await writer.finish();
    await req.ownPacks?.add(vault.root, writer.packs);
    return { written: new Map(writer.packs.map((p) => [p, store.byPack.get(p) ?? []])), failed };
  } finally {
    await req.journal.end(id);
  }
}

/** This device's backups that need a chunk only a collected (condemned and deleted) pack held. */
async function lostWhileAway(
  req: ReclaimRequest,
  ownChunks: ReadonlyMap<BackupMetadata, readonly string[]>,
  store: ChunkStore,
): Promise<ReclaimReport['lost']> {
  const lost: ReclaimReport['lost'] = [];
  // Which collected pack held a chunk that is gone: only this device's copy of the indexes it read knows.
  const collectedIn = new Map<string, string>();
  for (const [pack, entries] of store.collected)
    for (const e of entries) collectedIn.set(chunkIdOf(e.name), pack);
  for (const [meta, chunks] of ownChunks) {
    const collected = chunks.some((c) => !store.locations.has(c) && collectedIn.has(c));
    if (!collected) continue;
    // Removed and stored again only when the export here is the one it holds (the same names, sizes and
    // times): a newer export under its name would not bring back what only this backup has, and the backup
    // may yet be whole (the pack a chunk was copied into can still be on its way).
    const exportPath = req.watchDir && join(req.watchDir, meta.exportName);
    const walked = exportPath ? await walkExport(exportPath).catch(() => null) : null;
    const backUpAgain = Boolean(
      walked && quickFingerprint(req.authKey, meta.exportName, walked.entries) === meta.quickFingerprint,
    );
    lost.push({ id: meta.id, exportName: meta.exportName, backUpAgain });
  }
  return lost;
}

/** Every device the vault shows: those with a checkpoint and those that made a backup, and when each was last seen. */
function knownDevices(
  checkpoints: ReadonlyMap<string, Checkpoint>,
  backups: readonly BackupMetadata[],
): Map<string, { name: string; lastSeen: string }> {
  const devices = new Map<string, { name: string; lastSeen: string }>();
  const see = (id: string, name: string, at: string) => {
    const d = devices.get(id);
    if (!d || at > d.lastSeen) devices.set(id, { name, lastSeen: at });
  };
  for (const c of checkpoints.values()) see(c.deviceId, c.device, c.writtenAt);
  for (const b of backups) see(b.deviceId, b.device, b.createdAt);
  return devices;
}

export type { Collection };
