// One trusted list for the vault: this device applies the changes in the vault's trust log (see
// vault/trust-log.ts) to its own list in the keychain, and adds itself to the log, so that every device
// encrypts every backup to every device of the vault and to the recovery key.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { handOverDataKeys, noteHandedOver } from './data-key-handover.js';
import { type Device, deviceIdentities, recordRecipients } from './device.js';
import { writeFileAtomic } from './fs-atomic.js';
import { DATA_KEY_LABEL, RECOVERY_LABEL } from './keys/recipients.js';
import {
  generateIdentity,
  recipientOf,
  saveDataIdentities,
  saveRecipients,
  type TrustedRecipient,
} from './keys/vault-secrets.js';
import { grantedDataKeys, writeDataKeyGrant } from './vault/data-keys.js';
import {
  readTrustChanges,
  type TrustChange,
  type TrustedEntry,
  trustedByLog,
  writeTrustChange,
} from './vault/trust-log.js';
import type { ListProblem } from './vault/vault.js';

/** What syncing the trusted list did: the changes applied here for the first time, and refused ones. */
export interface TrustSync {
  applied: TrustChange[];
  problems: ListProblem[];
  /** The vault's list as the log has it now. */
  trusted: Map<string, TrustedEntry>;
  /** Whether another device removed this one from the vault's list. */
  removed: boolean;
  /** Every authentic change of the log, oldest first (with those this sync wrote). */
  log: TrustChange[];
}

/** The ids of the changes this device has applied (a file in its profile; ids are not secret). */
async function appliedIds(home: string): Promise<Set<string>> {
  try {
    const value = JSON.parse(await readFile(join(home, 'trust-applied.json'), 'utf8')) as unknown;
    return new Set(Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}

/**
 * Applies the vault's trust log to this device's list (new changes only, in order), and adds this device to
 * the log if it is not there (unless another device removed it). Changes that do not prove are reported,
 * never applied. This device's own key and the recovery key are never removed from its own list.
 */
export async function syncTrustedList(device: Device, now = new Date()): Promise<TrustSync> {
  const { authKey } = device.secrets;
  const own = await recipientOf(device.secrets.deviceIdentity);
  const { changes, problems } = await readTrustChanges(device.vault, deviceIdentities(device), authKey);
  const done = await appliedIds(device.home);
  let list: TrustedRecipient[] = [...device.secrets.recipients];
  const applied: TrustChange[] = [];
  for (const c of changes) {
    if (done.has(c.id)) continue;
    const has = list.some((r) => r.recipient === c.recipient);
    if (c.change === 'add' && !has) list.push({ recipient: c.recipient, label: c.label });
    // Never this device's own key, nor the last recovery key (a kit renewal adds the new one first).
    const recoveryKeys = list.filter((r) => r.label === RECOVERY_LABEL).length;
    if (c.change === 'remove' && c.recipient !== own)
      list = list.filter(
        (r) => r.recipient !== c.recipient || (r.label === RECOVERY_LABEL && recoveryKeys === 1),
      );
    done.add(c.id);
    applied.push(c);
  }
  if (applied.length > 0) {
    if (
      list.length !== device.secrets.recipients.length ||
      list.some((r, i) => r !== device.secrets.recipients[i])
    ) {
      await saveRecipients(device.store, list);
      device.secrets.recipients = list;
    }
    await writeFileAtomic(join(device.home, 'trust-applied.json'), JSON.stringify([...done]), 0o600);
  }
  let log = changes;
  let trusted = trustedByLog(log);
  const lastOfOwn = changes.filter((c) => c.recipient === own).at(-1);
  const removed = lastOfOwn?.change === 'remove';
  if (!trusted.has(own) && !removed) {
    const { deviceId, deviceName } = device.settings;
    const mine = await trustRecipient(device, { recipient: own, label: deviceName, deviceId }, now);
    await writeFileAtomic(join(device.home, 'trust-applied.json'), JSON.stringify([...done, mine.id]), 0o600);
    log = [...log, mine];
    trusted = trustedByLog(log);
  }
  if (!removed) {
    await adoptDataKeys(device, [device.secrets.deviceIdentity]);
    if (![...trusted.values()].some((e) => e.deviceId === DATA_KEY_DEVICE)) {
      log = [...log, await newDataKey(device, now)];
      trusted = trustedByLog(log);
    }
    // The other devices on the vault's list as it is now (never a removed one) get the keys this one holds.
    const others = [...trusted.values()].filter(
      (e) =>
        e.recipient !== own &&
        e.deviceId !== '' &&
        e.deviceId !== DATA_KEY_DEVICE &&
        e.label !== RECOVERY_LABEL,
    );
    await handOverDataKeys(
      device,
      others.map((e) => e.recipient),
      now,
    );
  }
  return { applied, problems, trusted, removed, log };
}

/** The `deviceId` of a vault data key's entry in the trust log. */
export const DATA_KEY_DEVICE = 'vault-data-key';

/**
 * Makes a new vault data key: kept in this device's keychain, granted (`keys/<id>.age`, encrypted to the
 * recovery key and to every device on this device's list, never to a data key or the index key) and put on
 * the vault's trusted list, so every device encrypts its new backups to it. A device that joins later is
 * handed the data keys, and so opens the backups made before it joined.
 */
export async function newDataKey(device: Device, now = new Date()): Promise<TrustChange> {
  const identity = await generateIdentity(device.secrets.deviceIdentity.startsWith('AGE-SECRET-KEY-PQ-'));
  const recipient = await recipientOf(identity);
  const held = [...(device.secrets.dataIdentities ?? []), identity];
  await saveDataIdentities(device.store, held);
  device.secrets.dataIdentities = held;
  const grantees = device.secrets.recipients
    .filter((r) => r.label !== DATA_KEY_LABEL)
    .map((r) => r.recipient);
  await writeDataKeyGrant(device.vault, identity, device.secrets.authKey, grantees, now);
  await noteHandedOver(device, identity, grantees);
  const change = await trustRecipient(
    device,
    { recipient, label: DATA_KEY_LABEL, deviceId: DATA_KEY_DEVICE },
    now,
  );
  if (!device.secrets.recipients.some((r) => r.recipient === recipient)) {
    device.secrets.recipients = [...device.secrets.recipients, { recipient, label: DATA_KEY_LABEL }];
    await saveRecipients(device.store, device.secrets.recipients);
  }
  return change;
}

/** Keeps the data keys granted to any of `identities` (this device's key, or the kit's recovery key). */
export async function adoptDataKeys(device: Device, identities: readonly string[]): Promise<number> {
  const held = new Set(device.secrets.dataIdentities ?? []);
  const before = held.size;
  for (const key of await grantedDataKeys(device.vault, identities, device.secrets.authKey)) held.add(key);
  if (held.size > before) {
    device.secrets.dataIdentities = [...held];
    await saveDataIdentities(device.store, device.secrets.dataIdentities);
  }
  return held.size - before;
}

/**
 * After a device was removed: a new data key for the devices that remain (the removed one keeps the old
 * keys, so it still opens the backups made before), and the old keys off the vault's list.
 */
export async function rotateDataKey(device: Device, now = new Date()): Promise<void> {
  const { changes } = await readTrustChanges(device.vault, deviceIdentities(device), device.secrets.authKey);
  const old = [...trustedByLog(changes).values()].filter((e) => e.deviceId === DATA_KEY_DEVICE);
  await newDataKey(device, now);
  for (const e of old) await distrustRecipient(device, e, now);
  await syncTrustedList(device, now);
}

/** A recipient as a trust change names it: its key, whose it is, and the device it is (if one). */
type TrustEntry = { recipient: string; label: string; deviceId?: string };

/** Writes a change to the vault's list, made by this device. */
function changeTrust(device: Device, change: 'add' | 'remove', entry: TrustEntry, now: Date) {
  return recordRecipients(device).then((recipients) =>
    writeTrustChange(
      device.vault,
      {
        change,
        recipient: entry.recipient,
        label: entry.label,
        deviceId: entry.deviceId ?? '',
        byDeviceId: device.settings.deviceId,
        by: device.settings.deviceName,
      },
      device.secrets.authKey,
      recipients,
      now,
    ),
  );
}

/** Adds a recipient (a device's, or one added by hand) to the vault's list, for every device. */
export function trustRecipient(device: Device, entry: TrustEntry, now = new Date()): Promise<TrustChange> {
  return changeTrust(device, 'add', entry, now);
}

/** Removes a recipient from the vault's list, for every device: new backups are no longer encrypted to it. */
export function distrustRecipient(device: Device, entry: TrustEntry, now = new Date()): Promise<TrustChange> {
  return changeTrust(device, 'remove', entry, now);
}

/**
 * Removes a device from the vault's list, for every device, and rotates the data key: new backups are no
 * longer readable by it; those made before stay readable by it (it keeps the keys it had).
 */
export async function removeDevice(device: Device, entry: TrustEntry, now = new Date()): Promise<void> {
  await distrustRecipient(device, entry, now);
  await syncTrustedList(device, now);
  await rotateDataKey(device, now);
}
