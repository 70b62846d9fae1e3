// A device of a vault: its profile settings, its keychain secrets and the vault they point to.
// `initVault` makes a new vault; `recoverVault` adds a new device to an existing one with the kit.
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { MachinePlaces } from './app/cloud-folders.js';
import type { BackupContext } from './backup/backup.js';
import { IndexCache, OwnPacks } from './dedup/chunk-store.js';
import { assertFolderChoice, type FolderChoice } from './folder-choice.js';
import { createFileAtomic } from './fs-atomic.js';
import { osKeychain, type SecretStore } from './keys/keychain.js';
import { RECOVERY_LABEL } from './keys/recipients.js';
import { recordIdentitiesOf, recordRecipientsOf } from './keys/record-keys.js';
import { formatRecoveryKit, type RecoveryKit, readRecoveryKit } from './keys/recovery-kit.js';
import {
  deleteVaultSecrets,
  generateAuthKey,
  generateIdentity,
  loadVaultSecrets,
  recipientOf,
  saveVaultSecrets,
  type VaultSecrets,
} from './keys/vault-secrets.js';
import {
  keychainService,
  loadSettings,
  newIds,
  ProfileError,
  type Settings,
  saveSettings,
} from './profile.js';
import { acknowledge } from './vault/acknowledge.js';
import { CollectionCache, readCollections } from './vault/collections.js';
import { grantedDataKeys } from './vault/data-keys.js';
import { Journal } from './vault/journal.js';
import { Vault } from './vault/vault.js';

/** A set-up profile: settings and keychain secrets (its cloud folder may be unavailable right now). */
export interface Profile {
  home: string;
  settings: Settings;
  secrets: VaultSecrets;
  journal: Journal;
  store: SecretStore;
}

/** A profile with its vault opened. */
export interface Device extends Profile {
  vault: Vault;
}

/** How a profile's keychain is reached; tests may scope it, the app uses the OS keychain. */
export type StoreFor = (settings: Settings) => SecretStore;
const defaultStore: StoreFor = (settings) => osKeychain(keychainService(settings));

/** Identities this device can decrypt with: its own, the index key, the vault data keys, and a kit's if loaded. */
export function deviceIdentities(device: Pick<Profile, 'secrets'>, kit?: RecoveryKit): string[] {
  return [...recordIdentitiesOf(device.secrets), ...(kit ? [kit.recoveryIdentity] : [])];
}

/**
 * The format new backups are written in: 2, unless PUDDLEPROOF_WRITE_FORMAT=1 asks for format 1 (for a
 * vault shared with a device whose Puddleproof cannot read format 2 yet).
 */
export function writeFormat(): 1 | 2 {
  return process.env.PUDDLEPROOF_WRITE_FORMAT === '1' ? 1 : 2;
}

/**
 * What `backupExport` needs from this device, writing into `vault`; `onUpload` is told the bytes of each
 * object a format-2 backup writes to the cloud folder.
 */
export function backupContextOf(
  profile: Profile,
  vault: Vault,
  onProgress?: (doneBytes: number, totalBytes: number) => void,
  onUpload?: (bytes: number) => void,
): BackupContext {
  const { secrets, journal, settings } = profile;
  const device = { id: settings.deviceId, name: settings.deviceName };
  const format = writeFormat();
  return {
    vault,
    secrets,
    journal,
    device,
    ...cachesOf(profile),
    format,
    ...(onProgress ? { onProgress } : {}),
    ...(onUpload ? { onUpload } : {}),
  };
}

/** Recipients of the records a device leaves for the others (see record-keys.ts). */
export function recordRecipients(profile: Pick<Profile, 'secrets'>): Promise<string[]> {
  return recordRecipientsOf(profile.secrets);
}
/** This device's copies of the vault's pack indexes and collections (they never change), in its profile. */
export function cachesOf(profile: Pick<Profile, 'home'>) {
  return {
    indexCache: new IndexCache(join(profile.home, 'index-cache.json')),
    collectionCache: new CollectionCache(join(profile.home, 'collection-cache.json')),
    ownPacks: new OwnPacks(join(profile.home, 'own-packs.json')),
    memberCacheDir: join(profile.home, 'member-cache'),
  };
}

/** Opens a set-up profile; a clear error when it was never set up. */
export async function openProfile(home: string, storeFor: StoreFor = defaultStore): Promise<Profile> {
  const settings = await loadSettings(home);
  if (!settings) {
    throw new ProfileError(
      `No Puddleproof profile in ${home}. Run \`puddleproof init\` (new vault) or \`puddleproof recover\`.`,
    );
  }
  const store = storeFor(settings);
  const secrets = await loadVaultSecrets(store);
  return { home, settings, secrets, journal: new Journal(join(home, 'in-progress')), store };
}

/** Opens a set-up profile and its vault. */
export async function openDevice(home: string, storeFor: StoreFor = defaultStore): Promise<Device> {
  const profile = await openProfile(home, storeFor);
  return { ...profile, vault: await Vault.open(profile.settings.cloudDir) };
}

async function assertNewProfile(home: string): Promise<void> {
  if (await loadSettings(home)) {
    throw new ProfileError(`${home} is already set up for a vault; use another PUDDLEPROOF_HOME.`);
  }
}

/** Refuses a folder choice that leaks chats or keys (FolderChoiceError); passes on its warnings. */
async function checkFolders(
  opts: FolderChoice & { onWarning?: (message: string) => void; places?: MachinePlaces },
): Promise<void> {
  for (const warning of await assertFolderChoice(opts, opts.places)) opts.onWarning?.(warning);
}

/** Creates the kit file, refusing to overwrite anything. */
async function writeKitFile(path: string, text: string): Promise<void> {
  try {
    await createFileAtomic(path, text, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ProfileError(`${path} already exists; choose a new file for the recovery kit.`);
    }
    throw err;
  }
}

/** Settings of a new device with fresh ids. */
function newDeviceSettings(opts: { watchDir: string; cloudDir: string; deviceName?: string }): Settings {
  return {
    version: 1,
    ...newIds(),
    deviceName: opts.deviceName ?? hostname(),
    watchDir: resolve(opts.watchDir),
    cloudDir: resolve(opts.cloudDir),
  };
}

export interface InitOptions {
  home: string;
  watchDir: string;
  cloudDir: string;
  kitPath: string;
  pq?: boolean;
  deviceName?: string;
  storeFor?: StoreFor;
  now?: Date;
  /** Told of folder choices that are allowed but unwise (a kit or exports in a synced folder). */
  onWarning?: (message: string) => void;
  /** Where to look for synced folders (tests point it at a temporary home). */
  places?: MachinePlaces;
}

/** A new vault's keys, made but not saved yet: the app shows the kit and commits once the user kept it. */
export interface PendingVault {
  home: string;
  settings: Settings;
  secrets: VaultSecrets;
  /** The recovery kit file's text (the only copy of the recovery secret). */
  kitText: string;
  /** The recovery identity's secret key line. */
  recoveryIdentity: string;
  storeFor: StoreFor | undefined;
}

/**
 * Makes a new vault's keys in memory: device, index and recovery identities and an authentication key.
 * Nothing is written; the keychain is reached once so that a missing Secret Service fails here.
 */
export async function prepareVault(opts: Omit<InitOptions, 'kitPath'>): Promise<PendingVault> {
  const home = resolve(opts.home);
  await assertNewProfile(home);
  await checkFolders(opts);
  const settings = newDeviceSettings(opts);
  const pq = opts.pq ?? false;
  const recoveryIdentity = await generateIdentity(pq);
  const deviceIdentity = await generateIdentity(pq);
  const secrets: VaultSecrets = {
    deviceIdentity,
    indexIdentity: await generateIdentity(false),
    authKey: generateAuthKey(),
    recipients: await trustedList(deviceIdentity, await recipientOf(recoveryIdentity), settings.deviceName),
  };
  await (opts.storeFor ?? defaultStore)(settings).get('probe');
  const kitText = formatRecoveryKit({ recoveryIdentity, ...secrets }, opts.now ?? new Date());
  return { home, settings, secrets, kitText, recoveryIdentity, storeFor: opts.storeFor };
}

/**
 * Creates the vault and saves the pending keys: the recovery secret only into the kit file (when
 * `kitPath` is given, created there), everything else only into the keychain. On failure nothing stays.
 */
export async function commitVault(pending: PendingVault, kitPath?: string): Promise<Device> {
  const { home, settings, secrets } = pending;
  await assertNewProfile(home);
  const store = (pending.storeFor ?? defaultStore)(settings);
  await Vault.create(settings.cloudDir);
  const undoVault = () => rm(join(settings.cloudDir, 'Puddleproof'), { recursive: true, force: true });
  const kitFile = kitPath && resolve(kitPath);
  if (kitFile) {
    try {
      await writeKitFile(kitFile, pending.kitText);
    } catch (err) {
      await undoVault();
      throw err;
    }
  }
  try {
    await saveVaultSecrets(store, secrets);
    await saveSettings(home, settings);
  } catch (err) {
    await deleteVaultSecrets(store).catch(() => undefined);
    if (kitFile) await rm(kitFile, { force: true });
    await undoVault();
    throw err;
  }
  return openDevice(home, pending.storeFor);
}

/** Sets up a new vault and writes its recovery kit to `kitPath` (see prepareVault and commitVault). */
export async function initVault(opts: InitOptions): Promise<Device> {
  // Checked with the kit first, so that a refused kit path stops everything before any key is made.
  await checkFolders(opts);
  return commitVault(await prepareVault({ ...opts, onWarning: () => undefined }), opts.kitPath);
}

export interface RecoverOptions {
  home: string;
  watchDir: string;
  cloudDir: string;
  /** The kit file, or the kit itself (pasted into the app). */
  kitPath?: string;
  kit?: RecoveryKit;
  deviceName?: string;
  storeFor?: StoreFor;
  onWarning?: (message: string) => void;
  places?: MachinePlaces;
}

/**
 * A brand-new machine joins an existing vault with the recovery kit: a new device identity, the
 * kit's index and authentication keys, and a trusted list of this device plus the recovery key.
 */
export async function recoverVault(opts: RecoverOptions): Promise<Device> {
  const home = resolve(opts.home);
  await assertNewProfile(home);
  await checkFolders({ ...opts, ...(opts.kitPath !== undefined ? { kitPath: opts.kitPath } : {}) });
  const kit = opts.kit ?? (await readRecoveryKit(resolve(opts.kitPath ?? '')));
  await Vault.open(resolve(opts.cloudDir));
  const settings = newDeviceSettings(opts);
  const deviceIdentity = await generateIdentity(kit.recoveryIdentity.startsWith('AGE-SECRET-KEY-PQ-'));
  return adoptVault(
    home,
    settings,
    {
      deviceIdentity,
      indexIdentity: kit.indexIdentity,
      authKey: kit.authKey,
      recipients: await trustedList(
        deviceIdentity,
        await recipientOf(kit.recoveryIdentity),
        settings.deviceName,
      ),
      // The vault's data keys, granted to the recovery key too: this device opens every backup made since.
      dataIdentities: await grantedDataKeys(
        await Vault.open(resolve(opts.cloudDir)),
        [kit.recoveryIdentity],
        kit.authKey,
      ),
    },
    opts.storeFor,
  );
}

/** A new device's settings for the vault in `cloudDir` (for pairing, which saves them once approved). */
export async function newDeviceFor(opts: {
  home: string;
  watchDir: string;
  cloudDir: string;
  deviceName?: string;
  onWarning?: (message: string) => void;
  places?: MachinePlaces;
}): Promise<Settings> {
  await assertNewProfile(resolve(opts.home));
  await checkFolders(opts);
  await Vault.open(resolve(opts.cloudDir));
  return newDeviceSettings(opts);
}

/**
 * Saves a joining device's secrets and settings (nothing stays if that fails), opens it, and checks in: known
 * to the other devices from now on, none deletes a pack before this one has acknowledged it.
 */
export async function adoptVault(
  home: string,
  settings: Settings,
  secrets: VaultSecrets,
  storeFor?: StoreFor,
): Promise<Device> {
  const store = (storeFor ?? defaultStore)(settings);
  try {
    await saveVaultSecrets(store, secrets);
    await saveSettings(resolve(home), settings);
  } catch (err) {
    await deleteVaultSecrets(store).catch(() => undefined);
    throw err;
  }
  const device = await openDevice(resolve(home), storeFor);
  await checkIn(device);
  return device;
}

/** A new device's trusted recipients: itself and the recovery key. */
export async function trustedList(deviceIdentity: string, recoveryRecipient: string, deviceName: string) {
  return [
    { recipient: await recipientOf(deviceIdentity), label: `This device (${deviceName})` },
    { recipient: recoveryRecipient, label: RECOVERY_LABEL },
  ];
}

/**
 * Writes this device's checkpoint (see vault/acknowledge.ts) acknowledging every collection in the vault:
 * for a device that runs no backup right now, all of them.
 */
export async function checkIn(device: Device): Promise<void> {
  const identities = deviceIdentities(device);
  const { authKey } = device.secrets;
  const { collectionCache } = cachesOf(device);
  const { collections } = await readCollections(device.vault, identities, authKey, collectionCache);
  await acknowledge({
    vault: device.vault,
    device: { id: device.settings.deviceId, name: device.settings.deviceName },
    journal: device.journal,
    identities,
    authKey,
    recipients: await recordRecipients(device),
    seen: new Set(collections.keys()),
    known: [],
  });
}
