// Writes this device's checkpoint: the collections it acknowledges and its format-2 backups. The rule that
// makes deleting a condemned pack safe: a collection is acknowledged only when every backup of this device
// that might use a pack it condemned is committed and listed, and every later one avoids those packs.
import { readdir } from 'node:fs/promises';
import { type Checkpoint, checkpointName, readCheckpoints, writeCheckpoint } from './checkpoints.js';
import type { Journal } from './journal.js';
import { isBackupId } from './layout.js';
import type { BackupMetadata } from './metadata.js';
import { presentIds } from './synced-files.js';
import type { Vault } from './vault.js';

/** A checkpoint is rewritten at least this often, so that the others know this device is alive. */
export const CHECKPOINT_REFRESH_MS = 24 * 60 * 60 * 1000;

/** What writing this device's checkpoint needs. */
export interface AcknowledgeRequest {
  vault: Vault;
  device: { id: string; name: string };
  journal: Journal;
  identities: readonly string[];
  authKey: Buffer;
  /** Recipients of the checkpoint: the trusted recipients and the vault index recipient. */
  recipients: readonly string[];
  /** The collections this process has read (and, if it backs up, avoids). */
  seen: ReadonlySet<string>;
  /** Backups this process has listed (read again only for ids not among them). */
  known: readonly BackupMetadata[];
  now?: Date;
  /** Work out the checkpoint without writing it. */
  dryRun?: boolean;
}

/** This device's current checkpoint, as the others will see it; written unless nothing changed lately. */
export async function acknowledge(req: AcknowledgeRequest): Promise<Checkpoint> {
  const { vault, device, authKey } = req;
  const now = req.now ?? new Date();
  // The order matters: running backups first, then the committed ones. A backup that ends in between is
  // then either still running (its marker says what it avoids) or committed (and listed).
  const running = await req.journal.running();
  const previous = await ownCheckpoint(req);
  const backups = await ownFormat2Backups(req, previous);
  const acked = new Set(previous?.acked ?? []);
  if (running.every((seen) => seen !== null)) {
    for (const id of req.seen) if (running.every((seen) => seen?.has(id))) acked.add(id);
  }
  const next: Checkpoint = {
    format: 1,
    deviceId: device.id,
    device: device.name,
    writtenAt: now.toISOString(),
    acked: [...acked].sort(),
    backups: backups.sort(),
  };
  const same =
    previous &&
    previous.device === next.device &&
    previous.acked.join() === next.acked.join() &&
    previous.backups.join() === next.backups.join() &&
    now.getTime() - Date.parse(previous.writtenAt) < CHECKPOINT_REFRESH_MS;
  if (same) return previous;
  if (!req.dryRun) await writeCheckpoint(vault, next, authKey, req.recipients);
  return next;
}

async function ownCheckpoint(req: AcknowledgeRequest): Promise<Checkpoint | null> {
  const { checkpoints } = await readCheckpoints(req.vault, req.identities, req.authKey, [
    checkpointName(req.authKey, req.device.id),
  ]);
  return checkpoints.get(req.device.id) ?? null;
}

/**
 * Ids of this device's format-2 backups in the vault now: those it reads as its own, and those its last
 * checkpoint listed (all, without one) whose metadata it cannot read just now (only a placeholder here, or a
 * damaged copy).
 */
async function ownFormat2Backups(req: AcknowledgeRequest, previous: Checkpoint | null): Promise<string[]> {
  const known = new Map(req.known.map((m) => [m.id, m]));
  const listedBefore = new Set(previous?.backups ?? []);
  const ids: string[] = [];
  for (const id of presentIds(await readdir(req.vault.paths.metaDir), isBackupId)) {
    const meta =
      known.get(id) ?? (await req.vault.readMetadata(id, req.identities, req.authKey).catch(() => null));
    // A backup this device cannot read is not its own (its own are readable with its keys), unless it said
    // so; without its last checkpoint here, any of them may be (listing one too many only makes the others
    // look for a backup they already see).
    if (meta ? meta.deviceId === req.device.id && meta.format === 2 : !previous || listedBefore.has(id))
      ids.push(id);
  }
  return ids;
}
