// Which keys a device's records go to, and which keys it reads records with.
import { DATA_KEY_LABEL } from './recipients.js';
import { recipientOf, type VaultSecrets } from './vault-secrets.js';

/**
 * Recipients of the records a device leaves for the others (metadata, snapshots, indexes, chat edits, the
 * vault's lists): its trusted recipients. Once the list holds a vault data key, every device of the vault
 * opens them with its own key or a data key, so they no longer go to the index key: a removed device, or a
 * lost kit, keeps the index key but opens no record made after the data key was rotated.
 */
export async function recordRecipientsOf(secrets: Pick<VaultSecrets, 'recipients' | 'indexIdentity'>) {
  const trusted = secrets.recipients.map((r) => r.recipient);
  if (secrets.recipients.some((r) => r.label === DATA_KEY_LABEL)) return trusted;
  return [...trusted, await recipientOf(secrets.indexIdentity)];
}

/** Identities that open records: this device's own, the index key (older records) and the data keys. */
export function recordIdentitiesOf(secrets: VaultSecrets): string[] {
  return [secrets.deviceIdentity, secrets.indexIdentity, ...(secrets.dataIdentities ?? [])];
}
