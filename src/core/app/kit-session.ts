// A recovery kit the user loaded or pasted to open backups made on other devices. It lives in memory
// only, until forgotten or the engine stops; it is never written anywhere.
import type { KitStatus } from '../../shared/api.js';
import { parseRecoveryKit, type RecoveryKit, RecoveryKitError } from '../keys/recovery-kit.js';
import { recipientOf, type VaultSecrets } from '../keys/vault-secrets.js';

export class KitSession {
  private current: RecoveryKit | undefined;

  get kit(): RecoveryKit | undefined {
    return this.current;
  }

  status(): KitStatus {
    return this.current
      ? { loaded: true, description: 'Your recovery kit is loaded: backups from every device can be opened.' }
      : { loaded: false, description: 'No recovery kit loaded: only this device’s backups can be opened.' };
  }

  /** Accepts the kit only if it belongs to this vault (its keys match the keychain's). */
  async load(text: string, secrets: VaultSecrets): Promise<KitStatus> {
    let kit: RecoveryKit;
    try {
      kit = parseRecoveryKit(text);
    } catch (err) {
      throw new RecoveryKitError(`${(err as Error).message} Check that you chose the right file.`);
    }
    const recipient = await recipientOf(kit.recoveryIdentity);
    const ours =
      kit.authKey.equals(secrets.authKey) && secrets.recipients.some((r) => r.recipient === recipient);
    if (!ours)
      throw new RecoveryKitError('This recovery kit belongs to another vault; it cannot open these backups.');
    this.current = kit;
    return this.status();
  }

  forget(): KitStatus {
    this.current = undefined;
    return this.status();
  }
}
