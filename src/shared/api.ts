// The domain types the window sees, and `PuddleproofApi`: what the preload exposes as
// window.puddleproof (no Node or Electron imports here).
import type { EngineStatus, RefusedTrustChange } from './status.js';

export type { ActivityState, EngineStatus, ReclaimStatus, RefusedTrustChange } from './status.js';

/** How many backups of each chat retention keeps, per rule; 0 turns a rule off (README, "Retention"). */
export interface RetentionSettings {
  /** The n newest backups. */
  last: number;
  /** The newest backup of each of the last n hours that have one. */
  hourly: number;
  /** … of each of the last n days that have one. */
  daily: number;
  /** … of each of the last n ISO weeks (Monday to Sunday) that have one. */
  weekly: number;
  /** … of each of the last n calendar months that have one. */
  monthly: number;
  /** … of each of the last n calendar years that have one. */
  yearly: number;
}

/** A cloud-synced folder found on this machine, offered during setup. */
export interface CloudFolderSuggestion {
  /** "Dropbox", "iCloud Drive", "OneDrive" or "Google Drive". */
  provider: string;
  path: string;
}

/**
 * What the folder check says of an export folder and a cloud folder (and a kit file): why the choice is
 * refused (null when it is not), and warnings that do not refuse it.
 */
export interface FolderCheck {
  refused: string | null;
  warnings: string[];
}

/** Where the recovery kit was saved, and warnings about that place (a folder a sync client uploads). */
export interface SavedKit {
  path: string;
  warnings: string[];
}

/** Where setup stands. `needsSetup` until the user proved they kept the recovery kit. */
export type SetupState =
  | {
      stage: 'needsSetup';
      /** The watch folder offered by default (created when chosen). */
      defaultWatchDir: string;
      cloudFolders: CloudFolderSuggestion[];
      /** Set when keys were made but the kit was not confirmed yet (setup restarts from the kit step). */
      pendingKit: boolean;
    }
  | { stage: 'ready' };

/** The recovery kit, shown once during setup: the only secret that ever reaches the window. */
export interface RecoveryKitView {
  /** The whole kit file: comment lines with instructions, then the key lines. */
  text: string;
  /** The key lines alone, for the QR code. */
  keyLines: string;
  /** What the user must type back to prove they kept it. */
  challenge: { description: string; length: number };
}

/** Non-secret settings the window shows and edits. */
export interface AppSettings {
  watchDir: string;
  cloudDir: string;
  deviceName: string;
  /** How long an export must stay unchanged before it is backed up. */
  quietSeconds: number;
  retention: RetentionSettings;
  startAtLogin: boolean;
  /** Show a notification after each successful backup (off: success is quiet). */
  notifyOnSuccess: boolean;
  paused: boolean;
  /** How often the app asks to check the recovery kit, in months: 0 (never), 1, 3, 6 or 12. */
  kitCheckMonths: number;
}

/** The fields of `AppSettings` the window may change (folders must come from a folder picker). */
export type SettingsUpdate = Partial<Omit<AppSettings, 'paused'>>;

/** Whether a backup was verified end to end on this device. */
export type VerificationState =
  | { kind: 'unverified' }
  | { kind: 'verified'; at: string }
  | { kind: 'failed'; at: string; problem: string };

/** The apps whose exports are recognised; `other` is "Other files". */
export type ChatPlatform = 'whatsapp' | 'telegram' | 'discord' | 'other';

/** What one version of a chat holds, as recognised from its text when it was backed up. */
export interface ChatFacts {
  platform: ChatPlatform;
  /** Messages people wrote (system notices not counted). */
  messages: number;
  /** ISO 8601 times of the first and last message (WhatsApp: local times without a zone). */
  first: string | null;
  last: string | null;
  media: number;
  mediaBytes: number;
  participants: string[];
  /** What could not be read of the export (it was backed up all the same). */
  warnings: string[];
}

/** One message of a version's preview: sender, time (as in ChatFacts), text. */
export interface PreviewMessage {
  sender: string;
  time: string;
  text: string;
}

/** The last messages of a version, decrypted on this device; or why they cannot be shown. */
export type VersionPreview = { ok: true; messages: PreviewMessage[] } | { ok: false; message: string };

/** One version of an export in the history. */
export interface BackupVersion {
  id: string;
  exportName: string;
  createdAt: string;
  device: string;
  /** Made by this device (its data opens with this device's key; others' need the recovery kit). */
  thisDevice: boolean;
  files: number;
  /** Size of the export (the sum of its files' sizes). */
  bytes: number;
  /**
   * 2: deduplicated, only the chunks new to the vault were written; 1: the whole export, as one archive.
   */
  format: 1 | 2;
  /**
   * What this backup added to the cloud folder (for its sync app to upload): format 2, the new packs,
   * their indexes and the snapshot; format 1, the whole encrypted archive.
   */
  storedBytes: number;
  verification: VerificationState;
  /** What the version holds; null for a backup made before chats were recognised (not identified yet). */
  chat: ChatFacts | null;
  /** Messages more (or, negative, fewer: a trimmed export) than the version before; null for the first. */
  messagesSincePrevious: number | null;
}

/** All versions of one chat, newest first. */
export interface SourceHistory {
  /** The chat's stable, opaque id. */
  id: string;
  /** The chat's title (its newest version's, or the one given by hand). */
  source: string;
  /** null: not identified yet (made before chats were recognised; kept by retention until it is). */
  platform: ChatPlatform | null;
  versions: BackupVersion[];
}

/** The backup history, as this device can read it. */
export interface HistoryView {
  sources: SourceHistory[];
  /**
   * Size of the vault after each backup, oldest first (for the chart): the running sum of what each
   * backup added to the cloud folder (its storedBytes), so a deduplicated backup adds only what was new.
   */
  vaultSize: { at: string; bytes: number }[];
  /** Backups that could not be read, in plain words. */
  problems: string[];
}

/** One entry of a backup's archive listing. */
export interface ArchiveEntry {
  /** Path inside the archive, '/'-separated, starting with the export's name. */
  path: string;
  type: 'file' | 'dir';
  size: number;
}

/** The key used for restores of backups made elsewhere. */
export interface KitStatus {
  loaded: boolean;
  /** E.g. "Recovery kit of this vault" or why it was refused. */
  description: string;
}

/** A restore request: `destinationParent` comes from a folder picker; `folderName` is created in it. */
export interface RestoreStart {
  id: string;
  destinationParent: string;
  folderName: string;
  /** Archive paths to restore (folders include their contents); empty or missing: everything. */
  paths?: string[];
}

/** Progress of one restore or verification run. */
export interface Progress {
  runId: string;
  doneBytes: number;
  totalBytes: number;
}

/**
 * Why a restore or a listing failed, so the window can say what to do next: load the recovery kit,
 * choose another destination, free space, pick another version (the backup is damaged), wait for the sync
 * client (part of the backup has not reached this computer yet), or try again.
 */
export type RestoreProblem =
  | 'needsKit'
  | 'destination'
  | 'diskFull'
  | 'notWritable'
  | 'damaged'
  | 'notSynced'
  | 'cancelled'
  | 'other';

/** A restore-related failure: its kind and the engine's message in plain words. */
export interface RestoreFailure {
  ok: false;
  problem: RestoreProblem;
  message: string;
}

/** A backup's archive listing, or why it could not be read. */
export type ArchiveListing = { ok: true; entries: ArchiveEntry[] } | RestoreFailure;

/** A restore that started, or why it could not start (nothing was written). */
export type RestoreStarted = { ok: true; runId: string } | RestoreFailure;

/** How a restore ended. */
export type RestoreOutcome =
  | {
      runId: string;
      ok: true;
      destination: string;
      files: number;
      bytes: number;
      authentic: boolean;
      /** A problem the restore worked around (a damaged pack whose chunks other packs hold), in plain words. */
      warning?: string;
    }
  | ({ runId: string } & RestoreFailure);

/** How "verify all" ended. */
export interface VerifyAllOutcome {
  runId: string;
  verified: number;
  failed: { id: string; problem: string }[];
  /** Backups of other devices skipped because no recovery kit is loaded. */
  skipped: number;
}

/** A trusted recipient (public key) with its label. */
export interface RecipientView {
  recipient: string;
  label: string;
  /** The recovery kit's recipient cannot be removed. */
  removable: boolean;
}

/** A device of the vault's trusted list (every new backup is encrypted to each of them). */
export interface DeviceView {
  /** The device's id (its profile's deviceId). */
  id: string;
  name: string;
  /** This device (it cannot remove itself). */
  thisDevice: boolean;
  /** The name of the device that added it, and when (ISO 8601). */
  addedBy: string;
  addedAt: string;
}

/** An authentic change to the vault's trusted list, as Settings shows it: names and a date, no keys. */
export interface TrustChangeView {
  id: string;
  change: 'add' | 'remove';
  /** Whose key it is: a device's name, or the label of a recipient added by hand ("Recovery kit"). */
  name: string;
  /** The name of the device that made the change, and when (ISO 8601). */
  by: string;
  at: string;
  byThisDevice: boolean;
}

/** The vault's trusted-list changes as this device reads them now. */
export interface TrustHistory {
  /** The authentic changes, newest first (data-key rotations left out). */
  changes: TrustChangeView[];
  /** Changes refused: not proven with the vault's keys, never applied. */
  refused: RefusedTrustChange[];
  /** Another device removed this device from the vault's list. */
  removed: boolean;
}

/** Where main may ask the window to open (the tray's drill reminder opens Settings → Recovery kit). */
export const WINDOW_VIEWS = ['recoveryKit'] as const;
export type WindowView = (typeof WINDOW_VIEWS)[number];

/**
 * What a new device shows while it waits to be approved: the code to enter on a device of the vault (the
 * whole pairing secret, shown on this device only, like the recovery kit during setup) and the check string.
 */
export interface PairingRequestView {
  code: string;
  check: string;
}

/** How a pairing this device asked for ended: joined the vault, or why not. */
export type PairingOutcome = { ok: true } | { ok: false; message: string };

/** A pairing request found by its code, before the user approves it: the new device's name and check. */
export interface PairingView {
  name: string;
  /** The check string the new device shows too ("123 456"). */
  check: string;
}

/** A passed recovery drill: when, and the chat of the newest backup the kit opened. */
export interface KitCheckResult {
  checkedAt: string;
  chat: string;
}

/** When the recovery kit was last checked on this device, and whether the drill is due. */
export interface KitDrill {
  /** ISO 8601, or null: never checked on this device. */
  lastCheckedAt: string | null;
  due: boolean;
  /** How often the drill is asked for, in months (0: never). */
  months: number;
}

/** What main needs for the drill's tray badge and its one notification per due period (nothing secret). */
export interface KitReminder {
  due: boolean;
  /** The due period: when the kit was last checked, or "never". */
  period: string;
  /** The reminder was already shown for this period. */
  shown: boolean;
}

/** What a folder picker is for (main shows a native dialog and remembers the choice). */
export type FolderPurpose = 'watch' | 'cloud' | 'restoreDestination';

/** The renderer's whole view of the app: window.puddleproof. */
export interface PuddleproofApi {
  versions: { electron: string; chrome: string; node: string };
  setup: {
    state(): Promise<SetupState>;
    /** Makes the keys (kept in memory until the kit is confirmed) and returns the kit, once. */
    createKeys(request: {
      watchDir: string;
      cloudDir: string;
      deviceName?: string;
    }): Promise<RecoveryKitView>;
    /** Asks where to save the kit (native dialog) and writes it there; null if the user cancelled. */
    saveKit(): Promise<SavedKit | null>;
    /** Checks the typed characters; on success the vault is created and backups start. */
    confirmKit(typed: string): Promise<{ ok: boolean; message: string }>;
    /** Joins an existing vault on this device with a recovery kit (loaded from a file or pasted). */
    joinVault(request: { watchDir: string; cloudDir: string; kitText?: string }): Promise<void>;
    /**
     * Asks to join an existing vault without the kit: answers the code and check string to show, then waits
     * (in the engine) until a device of the vault approves; `onPaired` tells how it ended.
     */
    requestPairing(request: { watchDir: string; cloudDir: string }): Promise<PairingRequestView>;
    /** Stops waiting for the approval (nothing was saved on this device). */
    cancelPairing(): Promise<void>;
    onPaired(listener: (outcome: PairingOutcome) => void): () => void;
  };
  folders: {
    /** Checks an export folder and a cloud folder before they are used (setup and Settings). */
    check(request: { watchDir: string; cloudDir: string }): Promise<FolderCheck>;
  };
  dialogs: {
    /** Native folder picker; the chosen path is remembered as one the window may use. */
    pickFolder(purpose: FolderPurpose): Promise<string | null>;
  };
  status: {
    get(): Promise<EngineStatus>;
    /** Calls `listener` on every change; returns the unsubscribe. */
    onChange(listener: (status: EngineStatus) => void): () => void;
  };
  backup: { now(): Promise<void> };
  watching: { pause(): Promise<void>; resume(): Promise<void> };
  history: {
    list(): Promise<HistoryView>;
    /** The archive listing of one backup (decrypts it; needs the kit for other devices' backups). */
    files(id: string): Promise<ArchiveListing>;
    /** The last messages of one version (from its encrypted metadata, decrypted on this device). */
    preview(id: string): Promise<VersionPreview>;
  };
  kit: {
    status(): Promise<KitStatus>;
    /** Opens a kit file picked in a native dialog. */
    load(): Promise<KitStatus>;
    paste(text: string): Promise<KitStatus>;
    forget(): Promise<KitStatus>;
    /**
     * The recovery drill with a pasted kit: checks it is this vault's current kit and opens the newest
     * backup with it alone. A wrong kit is an error and stores nothing; nothing of the kit is kept.
     */
    check(text: string): Promise<KitCheckResult>;
    /** The drill with a kit file picked in a native dialog; null if the user cancelled. */
    checkFile(): Promise<KitCheckResult | null>;
    /** When the kit was last checked, and whether a check is due. */
    drill(): Promise<KitDrill>;
    /**
     * "I lost my kit": makes a new kit and answers it, to be shown once (the one secret the window gets,
     * as at setup). Nothing changes in the vault until renewConfirm.
     */
    renew(): Promise<RecoveryKitView>;
    /** Saves the new kit to a file chosen in a native save dialog; null if the user cancelled. */
    renewSave(): Promise<SavedKit | null>;
    /**
     * Checks the typed-back characters of the new kit; if they match, puts the new kit in use: it opens the
     * backups made before too; the lost kit opens no backup made from now on.
     */
    renewConfirm(typed: string): Promise<{ ok: boolean; message: string }>;
    /** Forgets the new kit (nothing was changed). */
    renewCancel(): Promise<void>;
  };
  restore: {
    start(request: RestoreStart): Promise<RestoreStarted>;
    cancel(runId: string): Promise<void>;
    onProgress(listener: (progress: Progress) => void): () => void;
    onFinished(listener: (outcome: RestoreOutcome) => void): () => void;
    /** Shows a finished restore's folder in the file manager. */
    showInFolder(destination: string): Promise<void>;
  };
  verify: {
    all(): Promise<{ runId: string }>;
    onProgress(listener: (progress: Progress) => void): () => void;
    onFinished(listener: (outcome: VerifyAllOutcome) => void): () => void;
  };
  settings: {
    get(): Promise<AppSettings>;
    update(update: SettingsUpdate): Promise<AppSettings>;
  };
  recipients: {
    list(): Promise<RecipientView[]>;
    add(request: { recipient: string; label: string }): Promise<RecipientView[]>;
    remove(recipient: string): Promise<RecipientView[]>;
  };
  devices: {
    /** The vault's trusted devices (synced with the vault's list first). */
    list(): Promise<DeviceView[]>;
    /** Removes another device: new backups are no longer readable by it (older ones stay readable). */
    remove(id: string): Promise<DeviceView[]>;
    /** Who added or removed which device or recipient, and when; and the changes refused. */
    changes(): Promise<TrustHistory>;
  };
  navigation: {
    /** The view main asked for while the window was closed or loading, once (null: none). */
    pending(): Promise<WindowView | null>;
    /** Calls `listener` when main asks the open window to show a view; returns the unsubscribe. */
    onOpen(listener: (view: WindowView) => void): () => void;
  };
  pairing: {
    /** Reads the pairing request behind a code (as the new device shows it); nothing is handed over yet. */
    find(code: string): Promise<PairingView>;
    /**
     * Approves the request found with `code`: hands the vault's keys to the new device, encrypted to its
     * key, and adds it to the vault's devices. Answers the devices as they are now.
     */
    approve(code: string): Promise<DeviceView[]>;
  };
}
