// The vault's trusted-device list, as a log of changes in the cloud folder (`trust/<id>.age`): a device (or
// a recipient) added or removed, by which device, when. Each change is proven with the vault
// authentication key, so someone who can only write to the cloud folder can neither add a device nor
// remove one; every device applies the changes it can prove to its own list in the keychain.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs-atomic.js';
import { isBackupId, newBackupId } from './layout.js';
import { openRecord, RecordError, sealRecord, stringField } from './records.js';
import { objectFiles } from './synced-files.js';
import type { ListProblem, Vault } from './vault.js';

const KIND = 'trust-change';

/** One change to the vault's trusted list. */
export interface TrustChange {
  format: 1;
  id: string;
  change: 'add' | 'remove';
  /** The age recipient added or removed. */
  recipient: string;
  /** Whose key it is ("Anna's laptop"). */
  label: string;
  /** The device it is, when it is one (its settings id); empty for a recipient added by hand. */
  deviceId: string;
  /** The device that made the change, and when. */
  byDeviceId: string;
  by: string;
  at: string;
}

function rebuild(v: Record<string, unknown>): TrustChange {
  if (v.format !== 1) throw new RecordError(`${KIND}: unsupported format ${String(v.format)}`);
  if (v.change !== 'add' && v.change !== 'remove') throw new RecordError(`${KIND}: bad "change"`);
  return {
    format: 1,
    id: stringField(v, 'id', KIND),
    change: v.change,
    recipient: stringField(v, 'recipient', KIND),
    label: stringField(v, 'label', KIND),
    deviceId: stringField(v, 'deviceId', KIND),
    byDeviceId: stringField(v, 'byDeviceId', KIND),
    by: stringField(v, 'by', KIND),
    at: stringField(v, 'at', KIND),
  };
}

/** Writes a change to the vault's trusted list; returns it. */
export async function writeTrustChange(
  vault: Vault,
  change: Omit<TrustChange, 'format' | 'id' | 'at'>,
  authKey: Buffer,
  recipients: readonly string[],
  now = new Date(),
): Promise<TrustChange> {
  const record: TrustChange = { format: 1, id: newBackupId(now), ...change, at: now.toISOString() };
  const body = {
    format: record.format,
    id: record.id,
    change: record.change,
    recipient: record.recipient,
    label: record.label,
    deviceId: record.deviceId,
    byDeviceId: record.byDeviceId,
    by: record.by,
    at: record.at,
  };
  await writeFileAtomic(
    join(vault.paths.trustDir, `${record.id}.age`),
    await sealRecord(KIND, body, authKey, recipients),
    0o644,
  );
  return record;
}

/** Every change this device can read and prove, oldest first; the others as problems (never applied). */
export async function readTrustChanges(
  vault: Vault,
  identities: readonly string[],
  authKey: Buffer,
): Promise<{ changes: TrustChange[]; problems: ListProblem[] }> {
  const changes: TrustChange[] = [];
  const problems: ListProblem[] = [];
  const dir = vault.paths.trustDir;
  for (const [id, files] of objectFiles(await readdir(dir).catch(() => []), isBackupId)) {
    try {
      const record = await openRecord(
        KIND,
        await readFile(join(dir, files[0] as string)),
        identities,
        authKey,
        rebuild,
      );
      if (record.id !== id) throw new RecordError(`change ${id} names another change (${record.id})`);
      changes.push(record);
    } catch (err) {
      problems.push({ id, problem: `trusted-list change: ${(err as Error).message}` });
    }
  }
  changes.sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
  return { changes, problems };
}

/** A trusted recipient as the log has it: who it is, and who added it when. */
export interface TrustedEntry {
  recipient: string;
  label: string;
  deviceId: string;
  addedBy: string;
  addedAt: string;
}

/** The trusted list the changes make, in order (a recipient removed and added again is trusted). */
export function trustedByLog(changes: readonly TrustChange[]): Map<string, TrustedEntry> {
  const list = new Map<string, TrustedEntry>();
  for (const c of changes) {
    if (c.change === 'remove') list.delete(c.recipient);
    else
      list.set(c.recipient, {
        recipient: c.recipient,
        label: c.label,
        deviceId: c.deviceId,
        addedBy: c.by,
        addedAt: c.at,
      });
  }
  return list;
}
