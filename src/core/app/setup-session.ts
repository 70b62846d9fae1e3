// First-run setup in the app: the keys are made and the recovery kit shown, but nothing is saved until
// the user proves they kept the kit by typing part of it back. Quitting before that leaves nothing.
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RecoveryKitView } from '../../shared/api.js';
import { commitVault, type Device, type PendingVault, prepareVault, type StoreFor } from '../device.js';
import { assertFolderChoice } from '../folder-choice.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { keyLinesOf } from '../keys/recovery-kit.js';
import { ProfileError } from '../profile.js';
import { assertFolder, Vault } from '../vault/vault.js';
import type { MachinePlaces } from './cloud-folders.js';

/** How many characters of the recovery key the user types back. */
export const CHALLENGE_LENGTH = 6;

/** A kit as the window shows it once: its text, the key lines for the QR code, what to type back. */
export function kitView(kitText: string): RecoveryKitView {
  return {
    text: kitText,
    keyLines: keyLinesOf(kitText),
    challenge: {
      description: `the last ${CHALLENGE_LENGTH} characters of your recovery key (the last line of the kit)`,
      length: CHALLENGE_LENGTH,
    },
  };
}

/** Whether `typed` is the last characters of `recoveryIdentity` (case and spaces around ignored). */
export function typedBackMatches(typed: string, recoveryIdentity: string): boolean {
  return typed.trim().toUpperCase() === recoveryIdentity.slice(-CHALLENGE_LENGTH).toUpperCase();
}

export const TYPED_BACK_MISMATCH = `That does not match. Look at the last line of your kit and type its last ${CHALLENGE_LENGTH} characters.`;

/** Holds a new vault's keys in memory between "create keys" and "I kept my kit". */
export class SetupSession {
  private pending: PendingVault | undefined;

  constructor(
    private readonly home: string,
    private readonly storeFor?: StoreFor,
    private readonly places?: MachinePlaces,
  ) {}

  get hasPendingKit(): boolean {
    return this.pending !== undefined;
  }

  /** Makes the keys (replacing any pending ones) and returns the kit for the window to show. */
  async createKeys(request: {
    watchDir: string;
    cloudDir: string;
    deviceName?: string;
  }): Promise<RecoveryKitView> {
    const cloudDir = resolve(request.cloudDir);
    await assertFolder(cloudDir, 'cloud folder');
    if (
      await Vault.open(cloudDir).then(
        () => true,
        () => false,
      )
    ) {
      throw new ProfileError(
        `${cloudDir} already holds a Puddleproof vault. Choose "I already have a vault" to add this device with your recovery kit.`,
      );
    }
    this.pending = await prepareVault({
      home: this.home,
      watchDir: request.watchDir,
      cloudDir,
      ...(request.deviceName ? { deviceName: request.deviceName } : {}),
      ...(this.storeFor ? { storeFor: this.storeFor } : {}),
      ...(this.places ? { places: this.places } : {}),
    });
    return kitView(this.pending.kitText);
  }

  /**
   * Writes the pending kit to a file the user chose (replacing it: the save dialog asked). Refused inside
   * the export or cloud folder; warnings when the place is another folder a sync client uploads.
   */
  async writeKit(path: string): Promise<{ warnings: string[] }> {
    if (!this.pending) throw new ProfileError('There is no recovery kit to save; create the keys first.');
    const { watchDir, cloudDir } = this.pending.settings;
    const warnings = await assertFolderChoice({ watchDir, cloudDir, kitPath: path }, this.places);
    await writeFileAtomic(resolve(path), this.pending.kitText, 0o600);
    return { warnings };
  }

  /** Checks the typed characters; on success creates the vault and the watch folder and saves the keys. */
  async confirm(typed: string): Promise<{ ok: true; device: Device } | { ok: false; message: string }> {
    const pending = this.pending;
    if (!pending) return { ok: false, message: 'There are no keys waiting; create them first.' };
    if (!typedBackMatches(typed, pending.recoveryIdentity))
      return { ok: false, message: TYPED_BACK_MISMATCH };
    await mkdir(pending.settings.watchDir, { recursive: true });
    const device = await commitVault(pending);
    this.pending = undefined;
    return { ok: true, device };
  }
}
