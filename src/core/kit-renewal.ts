// "I lost my kit": a new recovery key for the vault, shown once as a new kit. Nothing is re-encrypted:
// the data keys this device holds (which open every backup made since they existed) are granted to the new
// recovery key, so the new kit opens those backups too; then the data key is rotated and the old recovery
// key taken off the vault's list, so the lost kit opens no backup made from now on. The lost kit still opens
// the backups made before, and still holds the vault's index and authentication keys.

import type { Device } from './device.js';
import { RECOVERY_LABEL } from './keys/recipients.js';
import { formatRecoveryKit } from './keys/recovery-kit.js';
import { generateIdentity, recipientOf, saveRecipients } from './keys/vault-secrets.js';
import { forgetKitCheck } from './kit-drill.js';
import { distrustRecipient, rotateDataKey, trustRecipient } from './trust.js';
import { writeDataKeyGrant } from './vault/data-keys.js';

/** The `deviceId` of the recovery key's entries in the trust log. */
export const RECOVERY_KEY_DEVICE = 'recovery-kit';

/** A new recovery identity of the kind the current one is (post-quantum if it is). */
export async function newRecoveryIdentity(device: Pick<Device, 'secrets'>): Promise<string> {
  const old = device.secrets.recipients.find((r) => r.label === RECOVERY_LABEL);
  return generateIdentity(old?.recipient.startsWith('age1pq1') === true);
}

/**
 * Makes a new recovery key for the vault (or puts `recoveryIdentity`, made by newRecoveryIdentity and shown
 * to the user first, in use); returns the new kit's text (the only copy: show it once).
 */
export async function renewRecoveryKit(
  device: Device,
  now = new Date(),
  newIdentity?: string,
): Promise<string> {
  const old = device.secrets.recipients.find((r) => r.label === RECOVERY_LABEL);
  const recoveryIdentity = newIdentity ?? (await newRecoveryIdentity(device));
  const recipient = await recipientOf(recoveryIdentity);
  const { authKey } = device.secrets;
  for (const identity of device.secrets.dataIdentities ?? [])
    await writeDataKeyGrant(device.vault, identity, authKey, [recipient], now);
  const entry = { label: RECOVERY_LABEL, deviceId: RECOVERY_KEY_DEVICE };
  await trustRecipient(device, { recipient, ...entry }, now);
  if (old) {
    // Written a second later, so that every device applies it after the new key is on its list.
    await distrustRecipient(device, { recipient: old.recipient, ...entry }, new Date(now.getTime() + 1000));
  }
  device.secrets.recipients = [
    ...device.secrets.recipients.filter((r) => r.label !== RECOVERY_LABEL),
    { recipient, label: RECOVERY_LABEL },
  ];
  await saveRecipients(device.store, device.secrets.recipients);
  // A data key the lost kit cannot open (it is granted to the devices and the new recovery key only).
  await rotateDataKey(device, new Date(now.getTime() + 2000));
  // The drill passed with the lost kit says nothing of the new one.
  await forgetKitCheck(device.home);
  return formatRecoveryKit({ recoveryIdentity, indexIdentity: device.secrets.indexIdentity, authKey }, now);
}
