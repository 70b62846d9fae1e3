// The OS keychain (macOS Keychain, Windows Credential Manager, Secret Service on Linux) via keytar.
import keytar from '@github/keytar';

/** Where a profile's secrets are kept: one string per account name. */
export interface SecretStore {
  get(account: string): Promise<string | null>;
  set(account: string, value: string): Promise<void>;
  delete(account: string): Promise<boolean>;
  /** Every account and its value in one call, where the store can (fewer round trips to the keychain). */
  getAll?(): Promise<Map<string, string>>;
}

/** The OS keychain cannot be used; the message says what to install or unlock. Never falls back to a file. */
export class KeychainUnavailableError extends Error {
  constructor(cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`The OS keychain is not available (${detail}). ${KeychainUnavailableError.hint()}`);
  }

  static hint(platform = process.platform): string {
    if (platform === 'darwin') return 'Unlock your login keychain in Keychain Access and try again.';
    if (platform === 'win32') return 'Make sure Windows Credential Manager is running and try again.';
    return (
      'Puddleproof keeps its keys in a Secret Service: install and unlock one ' +
      '(e.g. `sudo apt-get install gnome-keyring libsecret-1-0`, then log in to your desktop ' +
      'or run `gnome-keyring-daemon --unlock --components=secrets`), and try again.'
    );
  }
}

async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new KeychainUnavailableError(err);
  }
}

/** The OS keychain, scoped to one service name (one profile). */
export function osKeychain(service: string): SecretStore {
  return {
    get: (account) => guarded(() => keytar.getPassword(service, account)),
    set: (account, value) => guarded(() => keytar.setPassword(service, account, value)),
    delete: (account) => guarded(() => keytar.deletePassword(service, account)),
    getAll: () =>
      guarded(async () => {
        const found = await keytar.findCredentials(service);
        return new Map(found.map((c) => [c.account, c.password]));
      }),
  };
}
