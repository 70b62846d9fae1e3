// The secrets a device holds for its vault, all kept in the OS keychain (never in a file or the cloud).
import { randomBytes } from 'node:crypto';
import {
  assertRecipient,
  generateHybridIdentity,
  generateX25519Identity,
  identityToRecipient,
} from '../age/index.js';
import type { SecretStore } from './keychain.js';

/** A recipient every backup is encrypted to, with a label for people. */
export interface TrustedRecipient {
  recipient: string;
  label: string;
}

export interface VaultSecrets {
  /** This device's age identity: opens the backups this device can read. */
  deviceIdentity: string;
  /** The vault index identity: opens every backup's metadata, so any device of the vault sees the history. */
  indexIdentity: string;
  /** 32-byte key that authenticates backups (HMAC): proves a holder of the vault's secrets made them. */
  authKey: Buffer;
  /** Every backup's data is encrypted to all of these; kept in the keychain so the cloud cannot add any. */
  recipients: TrustedRecipient[];
  /**
   * The vault's data keys this device holds (see trust.ts): every backup is also encrypted to the current
   * one, so a device that joins later opens the backups made before it joined.
   */
  dataIdentities?: string[];
}

const ACCOUNTS = {
  deviceIdentity: 'device-identity',
  indexIdentity: 'index-identity',
  authKey: 'vault-auth-key',
  recipients: 'trusted-recipients',
  dataIdentities: 'data-identities',
} as const;

/** The profile has no keys in the keychain (not set up, or the keychain entries were removed). */
export class SecretsMissingError extends Error {
  constructor(what: string) {
    super(
      `This profile's ${what} is not in the OS keychain. Run \`puddleproof init\` (new vault) or ` +
        '`puddleproof recover` (existing vault, with your recovery kit).',
    );
  }
}

/** A new age identity: hybrid post-quantum with `pq`, else X25519. */
export function generateIdentity(pq: boolean): Promise<string> {
  return pq ? generateHybridIdentity() : generateX25519Identity();
}

/** A fresh random authentication key. */
export function generateAuthKey(): Buffer {
  return randomBytes(32);
}

/** Reads all secrets; throws SecretsMissingError naming the first one missing. */
export async function loadVaultSecrets(store: SecretStore): Promise<VaultSecrets> {
  // One call where the keychain can; an account it did not return is asked for on its own.
  const all = (await store.getAll?.()) ?? new Map<string, string>();
  const read = async (account: string) => all.get(account) ?? (await store.get(account));
  const get = async (key: keyof typeof ACCOUNTS, what: string) => {
    const value = await read(ACCOUNTS[key]);
    if (!value) throw new SecretsMissingError(what);
    return value;
  };
  const deviceIdentity = await get('deviceIdentity', 'device key');
  const indexIdentity = await get('indexIdentity', 'vault index key');
  const authKey = Buffer.from(await get('authKey', 'vault authentication key'), 'base64');
  const recipients = parseRecipients(await get('recipients', 'trusted recipient list'));
  if (authKey.length !== 32) throw new SecretsMissingError('vault authentication key (it is damaged)');
  // Profiles made before data keys existed have none yet: they get them from the vault (trust.ts).
  const data = await read(ACCOUNTS.dataIdentities);
  const dataIdentities = data
    ? (JSON.parse(data) as unknown[]).filter((x): x is string => typeof x === 'string')
    : [];
  return { deviceIdentity, indexIdentity, authKey, recipients, dataIdentities };
}

function parseRecipients(json: string): TrustedRecipient[] {
  const list: unknown = JSON.parse(json);
  if (!Array.isArray(list)) throw new SecretsMissingError('trusted recipient list (it is damaged)');
  return list.map((item: { recipient?: unknown; label?: unknown }) => {
    if (typeof item?.recipient !== 'string' || typeof item.label !== 'string') {
      throw new SecretsMissingError('trusted recipient list (it is damaged)');
    }
    assertRecipient(item.recipient);
    return { recipient: item.recipient, label: item.label };
  });
}

/** Writes every secret to the keychain. */
export async function saveVaultSecrets(store: SecretStore, secrets: VaultSecrets): Promise<void> {
  await store.set(ACCOUNTS.deviceIdentity, secrets.deviceIdentity);
  await store.set(ACCOUNTS.indexIdentity, secrets.indexIdentity);
  await store.set(ACCOUNTS.authKey, secrets.authKey.toString('base64'));
  await saveRecipients(store, secrets.recipients);
  await saveDataIdentities(store, secrets.dataIdentities ?? []);
}

/** Replaces the vault data keys this device holds. */
export async function saveDataIdentities(store: SecretStore, identities: readonly string[]): Promise<void> {
  await store.set(ACCOUNTS.dataIdentities, JSON.stringify(identities));
}

/** Replaces the trusted recipient list. */
export async function saveRecipients(
  store: SecretStore,
  recipients: readonly TrustedRecipient[],
): Promise<void> {
  for (const r of recipients) assertRecipient(r.recipient);
  await store.set(ACCOUNTS.recipients, JSON.stringify(recipients));
}

/** Removes every secret of this profile from the keychain. */
export async function deleteVaultSecrets(store: SecretStore): Promise<void> {
  for (const account of Object.values(ACCOUNTS)) await store.delete(account);
}

/** The recipient (public key) of an identity. */
export function recipientOf(identity: string): Promise<string> {
  return identityToRecipient(identity);
}
