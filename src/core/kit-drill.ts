// The recovery drill: the user proves, now and then, that they still hold the recovery kit and that it still
// opens today's backups. The kit's recovery key must be the one on the trusted list and its vault keys this
// vault's; then the newest backup is opened end to end, in memory, with the kit's keys alone. Nothing of
// the kit is stored: only when the check passed.

import { timingSafeEqual } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { chatLabel } from './chats/labels.js';
import type { Device } from './device.js';
import { writeFileAtomic } from './fs-atomic.js';
import { RECOVERY_LABEL } from './keys/recipients.js';
import type { RecoveryKit } from './keys/recovery-kit.js';
import { recipientOf } from './keys/vault-secrets.js';
import { listBackup } from './restore/list-backup.js';
import { readSnapshotFiles } from './restore/snapshot-restore.js';
import { grantedDataKeys } from './vault/data-keys.js';

/** How often the app asks for the drill, in months (0: never). */
export const DRILL_INTERVALS = [0, 1, 3, 6, 12] as const;
export const DEFAULT_DRILL_MONTHS = 3;

/** When the kit was last proven (a file in the profile; nothing of the kit itself). */
export interface KitCheck {
  checkedAt: string;
  /** The backup the kit opened, and its chat. */
  backupId: string;
  chat: string;
}

const checkFile = (home: string) => join(home, 'kit-checked.json');

/** The last passed drill, or null. */
export async function lastKitCheck(home: string): Promise<KitCheck | null> {
  try {
    const v = JSON.parse(await readFile(checkFile(home), 'utf8')) as Partial<KitCheck>;
    if (typeof v.checkedAt !== 'string' || typeof v.backupId !== 'string' || typeof v.chat !== 'string')
      return null;
    return { checkedAt: v.checkedAt, backupId: v.backupId, chat: v.chat };
  } catch {
    return null;
  }
}

/** Whether the drill is due (`months` 0: never), given the last check (or, never checked, the setup time). */
export function drillDue(last: KitCheck | null, months: number, since: Date, now = new Date()): boolean {
  if (months === 0) return false;
  const due = last ? new Date(last.checkedAt) : new Date(since);
  due.setUTCMonth(due.getUTCMonth() + months);
  return now.getTime() >= due.getTime();
}

/** Forgets the last passed drill (a renewed kit has not been checked yet). */
export async function forgetKitCheck(home: string): Promise<void> {
  await rm(checkFile(home), { force: true });
}

/** The drill failed: the kit is another vault's or an old one, or today's newest backup does not open with it. */
export class KitCheckError extends Error {}

/** Runs the drill with `kit`; on success records when (and which backup it opened), and returns it. */
export async function checkKit(device: Device, kit: RecoveryKit, now = new Date()): Promise<KitCheck> {
  const recovery = device.secrets.recipients.find((r) => r.label === RECOVERY_LABEL)?.recipient;
  const sameAuth =
    kit.authKey.length === device.secrets.authKey.length &&
    timingSafeEqual(kit.authKey, device.secrets.authKey);
  if (!sameAuth || kit.indexIdentity !== device.secrets.indexIdentity)
    throw new KitCheckError('This recovery kit belongs to another vault. Nothing was changed.');
  if ((await recipientOf(kit.recoveryIdentity)) !== recovery)
    throw new KitCheckError(
      'This is not the current recovery kit of this vault (its recovery key is not on the trusted list). Nothing was changed.',
    );
  // The kit's keys alone: the recovery key opens the data and records (also through the data keys granted
  // to it), the index key the records made before the vault had data keys.
  const identities = [
    kit.recoveryIdentity,
    kit.indexIdentity,
    ...(await grantedDataKeys(device.vault, [kit.recoveryIdentity], kit.authKey)),
  ];
  const { backups } = await device.vault.list(identities, kit.authKey);
  const newest = backups.at(-1);
  if (!newest)
    throw new KitCheckError('There is no backup yet to open with the kit; try again after the first.');
  try {
    if (newest.format === 2) {
      await readSnapshotFiles({ vault: device.vault, meta: newest, identities, authKey: kit.authKey }, null);
    } else {
      // Format 1: the whole archive decrypted and checked (tar, SHA-256 and proof), nothing written.
      await listBackup(device.vault, newest.id, identities, kit.authKey);
    }
  } catch (err) {
    throw new KitCheckError(
      `The kit did not open the newest backup (${chatLabel(newest)}, ${newest.createdAt}): ${(err as Error).message}`,
    );
  }
  const check: KitCheck = { checkedAt: now.toISOString(), backupId: newest.id, chat: chatLabel(newest) };
  await writeFileAtomic(checkFile(device.home), JSON.stringify(check), 0o600);
  return check;
}

/**
 * The due period a drill belongs to: from the last passed check (its time), or "never" before the first.
 * A reminder is shown once per period; the next check starts a new one.
 */
export function drillPeriod(last: KitCheck | null): string {
  return last ? last.checkedAt : 'never';
}

const reminderFile = (home: string) => join(home, 'kit-reminded.json');

/** The period the last reminder of the drill was shown for, or null. */
export async function lastDrillReminder(home: string): Promise<string | null> {
  try {
    const v = JSON.parse(await readFile(reminderFile(home), 'utf8')) as { period?: unknown };
    return typeof v.period === 'string' ? v.period : null;
  } catch {
    return null;
  }
}

/** Remembers that the drill's reminder was shown for `period` (so that it is not shown again for it). */
export async function recordDrillReminder(home: string, period: string, now = new Date()): Promise<void> {
  await writeFileAtomic(reminderFile(home), JSON.stringify({ period, shownAt: now.toISOString() }), 0o600);
}
