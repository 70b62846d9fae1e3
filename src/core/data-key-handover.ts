// Every device of the vault hands the data keys it holds to the other devices on the vault's list, once
// per device and key: a device that joined with the kit before a grant reached it, or while a data key was
// being rotated, still gets every key, and so opens every backup and record made since data keys existed.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Device } from './device.js';
import { writeFileAtomic } from './fs-atomic.js';
import { recipientOf } from './keys/vault-secrets.js';
import { writeDataKeyGrant } from './vault/data-keys.js';

/** The profile's file of "device recipient, data key recipient" pairs already granted (public keys only). */
const handedFile = (home: string) => join(home, 'data-keys-handed.json');

async function handed(home: string): Promise<Set<string>> {
  try {
    const value = JSON.parse(await readFile(handedFile(home), 'utf8')) as unknown;
    return new Set(Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}

const pair = (device: string, key: string) => `${device} ${key}`;

/** Remembers that `identity` was granted to `grantees` (so it is not granted to them again). */
export async function noteHandedOver(device: Device, identity: string, grantees: readonly string[]) {
  const done = await handed(device.home);
  const key = await recipientOf(identity);
  for (const g of grantees) done.add(pair(g, key));
  await writeFileAtomic(handedFile(device.home), JSON.stringify([...done]), 0o600);
}

/**
 * Grants each data key this device holds to each of `devices` (recipients of the other devices on the
 * vault's list as it is now, never a removed one) that this device has not granted it to yet; returns how
 * many grants it wrote. Other devices may have granted the same key already: a duplicate grant is harmless.
 */
export async function handOverDataKeys(
  device: Device,
  devices: readonly string[],
  now = new Date(),
): Promise<number> {
  const done = await handed(device.home);
  let written = 0;
  for (const identity of device.secrets.dataIdentities ?? []) {
    const key = await recipientOf(identity);
    for (const recipient of devices) {
      if (done.has(pair(recipient, key))) continue;
      await writeDataKeyGrant(device.vault, identity, device.secrets.authKey, [recipient], now);
      done.add(pair(recipient, key));
      written++;
    }
  }
  if (written > 0) await writeFileAtomic(handedFile(device.home), JSON.stringify([...done]), 0o600);
  return written;
}
