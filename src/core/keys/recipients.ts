// Changes to the trusted recipient list (in the keychain), shared by the CLI and the app.
import { assertRecipient } from '../age/index.js';
import type { SecretStore } from './keychain.js';
import { saveRecipients, type TrustedRecipient } from './vault-secrets.js';

/** The label of the recovery kit's recipient, which is never removed. */
export const RECOVERY_LABEL = 'Recovery kit';
/** The label of the vault data keys' recipients (see trust.ts); reserved too. */
export const DATA_KEY_LABEL = 'Vault data key';

/** A change to the recipient list was refused; the message says why. */
export class RecipientError extends Error {}

/** Adds a recipient with a label; returns the new list. */
export async function addRecipient(
  store: SecretStore,
  list: readonly TrustedRecipient[],
  recipient: string,
  label: string,
): Promise<TrustedRecipient[]> {
  try {
    assertRecipient(recipient);
  } catch (err) {
    throw new RecipientError((err as Error).message);
  }
  if (list.some((r) => r.recipient === recipient))
    throw new RecipientError('That recipient is already trusted.');
  const clean = label.trim();
  if (!clean) throw new RecipientError('Give the recipient a label (whose key is it?).');
  if (clean === RECOVERY_LABEL || clean === DATA_KEY_LABEL)
    throw new RecipientError(`"${clean}" is reserved; choose another label.`);
  const next = [...list, { recipient, label: clean }];
  await saveRecipients(store, next);
  return next;
}

/** Removes a recipient (never the recovery kit's); returns the new list. */
export async function removeRecipient(
  store: SecretStore,
  list: readonly TrustedRecipient[],
  recipient: string,
): Promise<TrustedRecipient[]> {
  const found = list.find((r) => r.recipient === recipient);
  if (!found) throw new RecipientError('That recipient is not on the trusted list.');
  if (found.label === DATA_KEY_LABEL)
    throw new RecipientError(
      'The vault data key is changed only when a device is removed (puddleproof devices remove).',
    );
  if (found.label === RECOVERY_LABEL) {
    throw new RecipientError(
      'Refusing to remove the recovery kit: new backups could not be recovered with it.',
    );
  }
  const next = list.filter((r) => r !== found);
  await saveRecipients(store, next);
  return next;
}
