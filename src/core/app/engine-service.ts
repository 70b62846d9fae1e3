// The engine as the app uses it: one object answering every engine request of the IPC contract
// (setup, history, restore, verify, settings, recipients) and pushing status and progress events.
// It runs in Electron's utility process (see engine-process.ts); tests run it in-process.
import { randomBytes } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type {
  AppSettings,
  DeviceView,
  KitDrill,
  KitReminder,
  PairingView,
  RecipientView,
  RecoveryKitView,
  RestoreFailure,
  RestoreStarted,
  SettingsUpdate,
  TrustHistory,
} from '../../shared/api.js';
import type { EngineApi, EngineRequests, EventName, Events } from '../../shared/ipc-contract.js';
import type { EngineStatus } from '../../shared/status.js';
import { applyChatEdits } from '../chats/chat-edits.js';
import {
  cachesOf,
  type Device,
  deviceIdentities,
  openProfile,
  type Profile,
  recoverVault,
  type StoreFor,
} from '../device.js';
import { assertFolderChoice, checkFolderChoice } from '../folder-choice.js';
import { writeFileAtomic } from '../fs-atomic.js';
import type { SecretStore } from '../keys/keychain.js';
import { addRecipient, DATA_KEY_LABEL, RECOVERY_LABEL, removeRecipient } from '../keys/recipients.js';
import {
  formatRecoveryKit,
  parseRecoveryKit,
  type RecoveryKit,
  RecoveryKitError,
} from '../keys/recovery-kit.js';
import type { TrustedRecipient } from '../keys/vault-secrets.js';
import { recipientOf } from '../keys/vault-secrets.js';
import {
  checkKit,
  drillDue,
  drillPeriod,
  type KitCheck,
  lastDrillReminder,
  lastKitCheck,
  recordDrillReminder,
} from '../kit-drill.js';
import { newRecoveryIdentity, renewRecoveryKit } from '../kit-renewal.js';
import {
  findPairing,
  normalizedCode,
  type PairingCandidate,
  PairingError,
  requestPairing,
} from '../pairing.js';
import { loadSettings, ProfileError, saveSettings } from '../profile.js';
import { listBackup } from '../restore/list-backup.js';
import { RestoreError } from '../restore/restore.js';
import { restoreFromVault } from '../restore/restore-from-vault.js';
import { restoreProblemOf } from '../restore/restore-problem.js';
import { verifyBackup } from '../restore/verify.js';
import {
  DATA_KEY_DEVICE,
  distrustRecipient,
  removeDevice,
  syncTrustedList,
  type TrustSync,
  trustRecipient,
} from '../trust.js';
import { isBackupId } from '../vault/layout.js';
import type { BackupMetadata } from '../vault/metadata.js';
import { objectSize } from '../vault/synced-files.js';
import { readTrustChanges } from '../vault/trust-log.js';
import { Vault } from '../vault/vault.js';
import { Reconciler } from '../watch/reconciler.js';
import { defaultWatchDir, findCloudFolders, type MachinePlaces } from './cloud-folders.js';
import { buildHistoryView } from './history-view.js';
import { KitSession } from './kit-session.js';
import { loadPreferences, type Preferences, savePreferences } from './preferences.js';
import { kitView, SetupSession, TYPED_BACK_MISMATCH, typedBackMatches } from './setup-session.js';
import { throttled } from './throttle.js';
import { trustHistoryView } from './trust-history.js';
import { Verifications } from './verifications.js';

export interface EngineServiceOptions {
  /** The profile folder (PUDDLEPROOF_HOME). */
  home: string;
  storeFor?: StoreFor;
  /** Receives every event for the window and the tray. */
  emit: <E extends EventName>(event: E, payload: Events[E]) => void;
  now?: () => number;
  /** Where setup looks for cloud folders (tests point it at a temporary home). */
  places?: MachinePlaces;
  /** Shortest gap between two progress events of one backup, restore or verification (default 200 ms). */
  progressIntervalMs?: number;
  /** How often a pairing request looks for its approval in the cloud folder (default 1000 ms). */
  pairingPollMs?: number;
  /** Awaited by every restore before it reads a pack (the window's tests hold one there to cancel it). */
  beforeRestorePlacing?: () => Promise<void>;
}

type Handlers = {
  [M in keyof EngineRequests]: (
    request: EngineRequests[M]['request'],
  ) => Promise<EngineRequests[M]['response']>;
};

const IDLE: EngineStatus = { state: { kind: 'idle' }, lastBackupBySource: {}, pending: [] };

const newRunId = () => `run-${randomBytes(8).toString('hex')}`;

/** A restore-related error as the window gets it: its kind and its message. */
function failure(err: unknown): RestoreFailure {
  return {
    ok: false,
    problem: restoreProblemOf(err),
    message: err instanceof Error ? err.message : String(err),
  };
}

/** Answers engine requests; `start` begins watching once the profile is set up. */
export class EngineService implements EngineApi {
  private readonly home: string;
  private readonly now: () => number;
  private readonly progressMs: number;
  private readonly setup: SetupSession;
  /** "I lost my kit": the new kit shown to the user, not in use until it is typed back (memory only). */
  private renewal: { identity: string; text: string } | undefined;
  private readonly kit = new KitSession();
  private readonly verifications: Verifications;
  private profile: Profile | undefined;
  private preferences: Preferences | undefined;
  private reconciler: Reconciler | undefined;
  private lastStatus: EngineStatus = IDLE;
  private settingsTurn: Promise<unknown> = Promise.resolve();
  private lastPublished = Number.NEGATIVE_INFINITY;
  private readonly restores = new Map<string, AbortController>();
  private readonly restored = new Set<string>();
  private verifyRun: string | undefined;
  /** Pairing requests found by their code, waiting for the user's approval (in memory only). */
  private readonly pairings = new Map<string, PairingCandidate>();
  /** This device's own pairing request, while it waits for its approval. */
  private pairingWait: AbortController | undefined;
  private readonly handlers: Handlers;

  constructor(private readonly opts: EngineServiceOptions) {
    this.home = resolve(opts.home);
    this.now = opts.now ?? Date.now;
    this.progressMs = opts.progressIntervalMs ?? 200;
    this.setup = new SetupSession(this.home, opts.storeFor, opts.places);
    this.verifications = new Verifications(this.home);
    this.handlers = this.makeHandlers();
  }

  /** Opens the profile if it is set up and starts watching; problems show in the status. */
  async start(): Promise<void> {
    if (!(await loadSettings(this.home).catch(() => null))) return;
    try {
      await this.open();
    } catch (err) {
      this.publish({
        ...IDLE,
        state: {
          kind: 'error',
          message: (err as Error).message,
          action: 'Fix this, then restart Puddleproof.',
        },
      });
    }
  }

  /** Stops watching (a backup in progress finishes first) and cancels restores. */
  async stop(): Promise<void> {
    this.pairingWait?.abort();
    for (const controller of this.restores.values()) controller.abort();
    await this.reconciler?.stop();
    this.reconciler = undefined;
  }

  async call<M extends keyof EngineRequests>(
    method: M,
    request: EngineRequests[M]['request'],
  ): Promise<EngineRequests[M]['response']> {
    const handler = this.handlers[method] as
      | ((r: typeof request) => Promise<EngineRequests[M]['response']>)
      | undefined;
    if (!handler) throw new Error(`The engine does not know "${String(method)}".`);
    return handler(request);
  }

  /** Emits a status; progress of one backup at most every `progressIntervalMs`. */
  private publish(status: EngineStatus): void {
    const progressOnly = status.state.kind === 'backingUp' && this.lastStatus.state.kind === 'backingUp';
    this.lastStatus = status;
    if (progressOnly && this.now() - this.lastPublished < this.progressMs) return;
    this.lastPublished = this.now();
    this.opts.emit('status:changed', status);
  }

  private async open(): Promise<void> {
    this.profile = await openProfile(this.home, this.opts.storeFor);
    this.preferences = await loadPreferences(this.home);
    await this.startWatching();
  }

  private async startWatching(): Promise<void> {
    const { profile, preferences } = this.ready();
    await this.reconciler?.stop();
    this.reconciler = new Reconciler({
      profile,
      quietMs: preferences.quietSeconds * 1000,
      retention: preferences.retention,
      onStatus: (status) => this.publish(status),
      now: this.now,
    });
    if (preferences.paused) this.reconciler.pause();
    await this.reconciler.start();
  }

  /** The set-up profile; a plain error before setup. */
  private ready(): { profile: Profile; preferences: Preferences } {
    if (!this.profile || !this.preferences) {
      throw new ProfileError('Puddleproof is not set up yet: finish the first-run steps first.');
    }
    return { profile: this.profile, preferences: this.preferences };
  }

  private async vault(): Promise<{ profile: Profile; vault: Vault; identities: string[] }> {
    const { profile } = this.ready();
    const vault = await Vault.open(profile.settings.cloudDir);
    return { profile, vault, identities: deviceIdentities(profile, this.kit.kit) };
  }

  private appSettings(): AppSettings {
    const { profile, preferences } = this.ready();
    const { watchDir, cloudDir, deviceName } = profile.settings;
    return {
      watchDir,
      cloudDir,
      deviceName,
      quietSeconds: preferences.quietSeconds,
      retention: { ...preferences.retention },
      startAtLogin: preferences.startAtLogin,
      notifyOnSuccess: preferences.notifyOnSuccess,
      paused: preferences.paused,
      kitCheckMonths: preferences.kitCheckMonths,
    };
  }

  private recipientViews(): RecipientView[] {
    return this.ready().profile.secrets.recipients.map((r) => ({
      ...r,
      removable: r.label !== RECOVERY_LABEL && r.label !== DATA_KEY_LABEL,
    }));
  }

  /** The devices of the vault's list as it is now (data keys and recipients added by hand are not devices). */
  private deviceViews(trusted: TrustSync['trusted']): DeviceView[] {
    const self = this.ready().profile.settings.deviceId;
    return [...trusted.values()]
      .filter((e) => e.deviceId !== '' && e.deviceId !== DATA_KEY_DEVICE)
      .map((e) => ({
        id: e.deviceId,
        name: e.label,
        thisDevice: e.deviceId === self,
        addedBy: e.addedBy,
        addedAt: e.addedAt,
      }));
  }

  /** Syncs the trusted list; what it refused goes into the status (the reconciler keeps it). */
  private async syncTrust(device: Device): Promise<TrustSync> {
    const sync = await syncTrustedList(device);
    this.reconciler?.trustSynced(sync.problems);
    return sync;
  }

  private async listDevices(): Promise<DeviceView[]> {
    const { profile, vault } = await this.vault();
    return this.deviceViews((await this.syncTrust({ ...profile, vault })).trusted);
  }

  private async trustHistory(): Promise<TrustHistory> {
    const { profile, vault } = await this.vault();
    return trustHistoryView(await this.syncTrust({ ...profile, vault }), profile.settings.deviceId);
  }

  /** Removes another device from the vault's list and rotates the data key; backups go on to the rest. */
  private async removeDeviceById(id: string): Promise<DeviceView[]> {
    const { profile, vault } = await this.vault();
    const device = { ...profile, vault };
    const { trusted } = await this.syncTrust(device);
    const entry = [...trusted.values()].find((e) => e.deviceId === id && e.deviceId !== DATA_KEY_DEVICE);
    if (!entry) throw new ProfileError('That device is not on the vault’s list (any more).');
    if (id === profile.settings.deviceId) throw new ProfileError('This device cannot remove itself.');
    await removeDevice(device, { recipient: entry.recipient, label: entry.label, deviceId: entry.deviceId });
    // removeDevice changed this device's list (and data keys) in place; new backups use it from now on.
    this.profile = { ...profile, secrets: { ...device.secrets } };
    await this.startWatching();
    return this.listDevices();
  }

  /** Asks to join the vault in `cloudDir` without the kit; waits for the approval in the background. */
  private async requestPairingHere(request: { watchDir: string; cloudDir: string }) {
    if (this.profile) throw new ProfileError('Puddleproof is already set up on this device.');
    await assertFolderChoice(request, this.opts.places);
    await mkdir(resolve(request.watchDir), { recursive: true });
    this.pairingWait?.abort();
    const pending = await requestPairing({
      home: this.home,
      watchDir: request.watchDir,
      cloudDir: request.cloudDir,
      ...(this.opts.storeFor ? { storeFor: this.opts.storeFor } : {}),
    });
    const controller = new AbortController();
    this.pairingWait = controller;
    void pending
      .wait({ pollMs: this.opts.pairingPollMs ?? 1000, signal: controller.signal })
      .then(async () => {
        await this.open();
        this.opts.emit('setup:paired', { ok: true });
      })
      .catch((err: Error) => {
        if (!controller.signal.aborted) this.opts.emit('setup:paired', { ok: false, message: err.message });
      })
      .finally(() => {
        if (this.pairingWait === controller) this.pairingWait = undefined;
      });
    return { code: pending.code, check: pending.check };
  }

  /** Reads the pairing request behind `code` and keeps it until it is approved (nothing is handed over). */
  private async findPairingByCode(code: string): Promise<PairingView> {
    const { profile, vault } = await this.vault();
    const candidate = await findPairing({ ...profile, vault }, code, new Date(this.now()));
    this.pairings.clear();
    this.pairings.set(normalizedCode(code), candidate);
    return { name: candidate.name, check: candidate.check };
  }

  /** Approves the request the user saw with `pair:find` (the same one, whose check they compared). */
  private async approvePairing(code: string): Promise<DeviceView[]> {
    const candidate = this.pairings.get(normalizedCode(code));
    if (!candidate) throw new PairingError('Enter the pairing code again and compare the check first.');
    await candidate.approve();
    this.pairings.delete(normalizedCode(code));
    // The new device is on this device's list now (approve synced it): new backups are encrypted to it.
    await this.startWatching();
    return this.listDevices();
  }

  /** The recovery drill with a pasted kit: nothing of the kit is kept, only when it passed. */
  private async checkKitText(text: string) {
    let kit: RecoveryKit;
    try {
      kit = parseRecoveryKit(text);
    } catch (err) {
      throw new RecoveryKitError(`${(err as Error).message} Check that you chose the right file.`);
    }
    const { profile, vault } = await this.vault();
    const check = await checkKit({ ...profile, vault }, kit, new Date(this.now()));
    return { checkedAt: check.checkedAt, chat: check.chat };
  }

  /** When the kit was last checked here; never checked, the drill counts from when this device joined. */
  private async kitDrill(): Promise<KitDrill & { last: KitCheck | null }> {
    const { profile, vault, identities } = await this.vault();
    const last = await lastKitCheck(profile.home);
    const now = new Date(this.now());
    let since = now;
    if (!last) {
      const own = await recipientOf(profile.secrets.deviceIdentity);
      const { changes } = await readTrustChanges(vault, identities, profile.secrets.authKey);
      const joined = changes.find((c) => c.change === 'add' && c.recipient === own)?.at;
      if (joined) since = new Date(joined);
    }
    const months = this.ready().preferences.kitCheckMonths;
    return { lastCheckedAt: last?.checkedAt ?? null, due: drillDue(last, months, since, now), months, last };
  }

  /** "I lost my kit": a new kit, shown once; the vault is unchanged until the user typed part of it back. */
  private async prepareRenewal(): Promise<RecoveryKitView> {
    const { profile } = this.ready();
    const identity = await newRecoveryIdentity(profile);
    const { indexIdentity, authKey } = profile.secrets;
    const text = formatRecoveryKit(
      { recoveryIdentity: identity, indexIdentity, authKey },
      new Date(this.now()),
    );
    this.renewal = { identity, text };
    return kitView(text);
  }

  /** The typed-back check of the new kit; when it matches, the new kit is put in use (renewRecoveryKit). */
  private async confirmRenewal(typed: string): Promise<{ ok: boolean; message: string }> {
    const renewal = this.renewal;
    if (!renewal) return { ok: false, message: 'There is no new recovery kit waiting; make one first.' };
    if (!typedBackMatches(typed, renewal.identity)) return { ok: false, message: TYPED_BACK_MISMATCH };
    const { profile, vault } = await this.vault();
    const device = { ...profile, vault };
    await renewRecoveryKit(device, new Date(this.now()), renewal.identity);
    this.renewal = undefined;
    // renewRecoveryKit changed this device's list and data keys in place; new backups use them from now on.
    this.profile = { ...profile, secrets: { ...device.secrets } };
    await this.startWatching();
    return {
      ok: true,
      message:
        'Your new recovery kit is in use. It opens your backups, those made before too. The lost kit opens no backup made from now on.',
    };
  }

  /** For main's tray badge and notification: due, the period, and whether it was reminded of already. */
  private async kitReminder(): Promise<KitReminder> {
    const { due, last } = await this.kitDrill();
    const period = drillPeriod(last);
    return { due, period, shown: (await lastDrillReminder(this.ready().profile.home)) === period };
  }

  /** Saves a new recipient list and encrypts the backups from now on to it. */
  private async changeRecipients(
    change: (store: SecretStore, current: readonly TrustedRecipient[]) => Promise<TrustedRecipient[]>,
  ): Promise<RecipientView[]> {
    const { profile } = this.ready();
    const recipients = await change(profile.store, profile.secrets.recipients);
    this.profile = { ...profile, secrets: { ...profile.secrets, recipients } };
    await this.startWatching();
    return this.recipientViews();
  }

  private setPaused(paused: boolean): Promise<void> {
    return this.inTurn(async () => {
      const { preferences } = this.ready();
      this.preferences = { ...preferences, paused };
      await savePreferences(this.home, this.preferences);
      if (paused) this.reconciler?.pause();
      else this.reconciler?.resume();
    });
  }

  /**
   * Runs changes of the settings one after another: each reads what the one before it saved (two toggles
   * clicked at once must not each write back the preferences as they were before the other).
   */
  private inTurn<T>(change: () => Promise<T>): Promise<T> {
    const next = this.settingsTurn.then(change);
    this.settingsTurn = next.catch(() => undefined);
    return next;
  }

  private async updateSettings(update: SettingsUpdate): Promise<AppSettings> {
    const { profile, preferences } = this.ready();
    const settings = { ...profile.settings };
    if (update.watchDir !== undefined) settings.watchDir = resolve(update.watchDir);
    if (update.cloudDir !== undefined) settings.cloudDir = resolve(update.cloudDir);
    if (settings.watchDir !== profile.settings.watchDir || settings.cloudDir !== profile.settings.cloudDir) {
      // Checked before anything is written: a refused choice changes nothing.
      await assertFolderChoice(settings, this.opts.places);
    }
    if (update.watchDir !== undefined) await mkdir(settings.watchDir, { recursive: true });
    if (settings.cloudDir !== profile.settings.cloudDir) {
      await Vault.open(settings.cloudDir).catch((err: Error) => {
        throw new ProfileError(
          `${err.message} To move your vault, move its Puddleproof folder into the new cloud folder first.`,
        );
      });
    }
    if (update.deviceName !== undefined) settings.deviceName = update.deviceName.trim();
    const next: Preferences = {
      ...preferences,
      ...(update.quietSeconds !== undefined ? { quietSeconds: update.quietSeconds } : {}),
      ...(update.retention !== undefined ? { retention: { ...update.retention } } : {}),
      ...(update.startAtLogin !== undefined ? { startAtLogin: update.startAtLogin } : {}),
      ...(update.notifyOnSuccess !== undefined ? { notifyOnSuccess: update.notifyOnSuccess } : {}),
      ...(update.kitCheckMonths !== undefined ? { kitCheckMonths: update.kitCheckMonths } : {}),
    };
    await savePreferences(this.home, next);
    await saveSettings(this.home, settings);
    this.preferences = next;
    this.profile = { ...profile, settings };
    const rewatch =
      settings.watchDir !== profile.settings.watchDir ||
      settings.cloudDir !== profile.settings.cloudDir ||
      next.quietSeconds !== preferences.quietSeconds ||
      JSON.stringify(next.retention) !== JSON.stringify(preferences.retention);
    if (rewatch) await this.startWatching();
    return this.appSettings();
  }

  private async startRestore(request: EngineRequests['restore:start']['request']): Promise<RestoreStarted> {
    const { profile, vault, identities } = await this.vault();
    const to = join(resolve(request.destinationParent), request.folderName);
    if (await stat(to).catch(() => null)) {
      return failure(
        new RestoreError(
          `${to} already exists. Restores never overwrite: choose a new folder name.`,
          'destination',
        ),
      );
    }
    let meta: BackupMetadata;
    try {
      meta = await vault.readMetadata(request.id, identities, profile.secrets.authKey);
    } catch (err) {
      if (restoreProblemOf(err) !== 'needsKit') return failure(err);
      return failure(
        new RestoreError(
          'This backup was made on another device, and this device does not hold the vault’s keys for it ' +
            '(yet): load your recovery kit to open it.',
          'needsKit',
        ),
      );
    }
    const runId = newRunId();
    const controller = new AbortController();
    this.restores.set(runId, controller);
    const progress = throttled(this.progressMs, this.now, (p: Events['restore:progress']) =>
      this.opts.emit('restore:progress', p),
    );
    let total = 0;
    void restoreFromVault({
      vault,
      meta,
      identities,
      authKey: profile.secrets.authKey,
      to,
      only: request.paths ?? [],
      signal: controller.signal,
      indexCache: cachesOf(profile).indexCache,
      ...(this.opts.beforeRestorePlacing ? { beforePlacing: this.opts.beforeRestorePlacing } : {}),
      onProgress: (doneBytes, totalBytes) => {
        total = totalBytes;
        progress.push({ runId, doneBytes, totalBytes });
      },
    })
      .then((result) => {
        progress.flush({ runId, doneBytes: total, totalBytes: total });
        this.restored.add(to);
        this.opts.emit('restore:finished', {
          runId,
          ok: true,
          destination: to,
          files: result.files,
          bytes: result.bytes,
          authentic: result.authentic,
          ...(result.warning ? { warning: result.warning } : {}),
        });
      })
      .catch((err: Error) => this.opts.emit('restore:finished', { runId, ...failure(err) }))
      .finally(() => this.restores.delete(runId));
    return { ok: true, runId };
  }

  private async verifyAll(): Promise<{ runId: string }> {
    if (this.verifyRun) throw new ProfileError('A verification is already running.');
    const { vault, identities, profile } = await this.vault();
    const listing = await vault.list(identities, profile.secrets.authKey);
    const runId = newRunId();
    this.verifyRun = runId;
    const device = { ...profile, vault };
    void (async () => {
      const sizes = await Promise.all(
        // Progress counts encrypted bytes read (format 1) or plain bytes checked (format 2).
        listing.backups.map(async (m) =>
          m.format === 2 ? m.bytes : ((await objectSize(vault.paths.dataDir, m.id, isBackupId)) ?? 0),
        ),
      );
      const totalBytes = sizes.reduce((a, b) => a + b, 0);
      const progress = throttled(this.progressMs, this.now, (p: Events['verify:progress']) =>
        this.opts.emit('verify:progress', p),
      );
      const outcome: Events['verify:finished'] = { runId, verified: 0, failed: [], skipped: 0 };
      const results: Parameters<Verifications['record']>[0] = {};
      let before = 0;
      for (const [i, meta] of listing.backups.entries()) {
        const result = await verifyBackup(device, meta.id, this.kit.kit, (done) =>
          progress.push({ runId, doneBytes: before + done, totalBytes }),
        );
        before += sizes[i] ?? 0;
        const at = new Date(this.now()).toISOString();
        if (result.kind === 'ok') {
          outcome.verified++;
          results[meta.id] = { kind: 'verified', at };
        } else if (result.kind === 'noKey') {
          outcome.skipped++;
        } else {
          outcome.failed.push({ id: meta.id, problem: result.problem });
          results[meta.id] = { kind: 'failed', at, problem: result.problem };
        }
      }
      for (const p of listing.problems) outcome.failed.push({ id: p.id, problem: p.problem });
      await this.verifications.record(results, await vault.committedIds());
      progress.flush({ runId, doneBytes: totalBytes, totalBytes });
      this.opts.emit('verify:finished', outcome);
    })()
      .catch((err: Error) => {
        this.opts.emit('verify:finished', {
          runId,
          verified: 0,
          failed: [{ id: '', problem: err.message }],
          skipped: 0,
        });
      })
      .finally(() => {
        this.verifyRun = undefined;
      });
    return { runId };
  }

  private makeHandlers(): Handlers {
    return {
      'setup:state': async () => {
        if (this.profile || (await loadSettings(this.home))) return { stage: 'ready' };
        const places = this.opts.places;
        return {
          stage: 'needsSetup',
          defaultWatchDir: defaultWatchDir(places),
          cloudFolders: await findCloudFolders(places),
          pendingKit: this.setup.hasPendingKit,
        };
      },
      'setup:createKeys': async (request) => {
        if (this.profile) throw new ProfileError('Puddleproof is already set up on this device.');
        return this.setup.createKeys(request);
      },
      'engine:writeKit': ({ path }) => this.setup.writeKit(path),
      'folders:check': (choice) => checkFolderChoice(choice, this.opts.places),
      'setup:confirmKit': async ({ typed }) => {
        const result = await this.setup.confirm(typed);
        if (!result.ok) return result;
        await this.open();
        return { ok: true, message: 'Your vault is ready. Backups start now.' };
      },
      'setup:joinVault': async ({ watchDir, cloudDir, kitText }) => {
        if (this.profile) throw new ProfileError('Puddleproof is already set up on this device.');
        if (!kitText) throw new ProfileError('Load or paste your recovery kit to join the vault.');
        await assertFolderChoice({ watchDir, cloudDir }, this.opts.places);
        await mkdir(resolve(watchDir), { recursive: true });
        const device = await recoverVault({
          home: this.home,
          watchDir,
          cloudDir,
          kit: parseRecoveryKit(kitText),
          ...(this.opts.storeFor ? { storeFor: this.opts.storeFor } : {}),
        });
        // Joins the vault's trusted list at once (as `recover` does): the other devices list it and
        // encrypt their new backups to it.
        await this.syncTrust(device);
        await this.open();
        return undefined;
      },
      'setup:pairRequest': (request) => this.requestPairingHere(request),
      'setup:pairCancel': async () => {
        this.pairingWait?.abort();
        this.pairingWait = undefined;
        return undefined;
      },
      'status:get': async () => this.lastStatus,
      'backup:now': async () => {
        this.ready();
        if (this.preferences?.paused) await this.setPaused(false);
        this.reconciler?.backupNow();
        return undefined;
      },
      'watching:pause': async () => {
        await this.setPaused(true);
        return undefined;
      },
      'watching:resume': async () => {
        await this.setPaused(false);
        return undefined;
      },
      'history:list': async () => {
        const { profile, vault, identities } = await this.vault();
        const listing = await vault.list(identities, profile.secrets.authKey);
        return buildHistoryView(vault, listing, profile.settings.deviceId, this.verifications);
      },
      'history:files': async ({ id }) => {
        const { profile, vault, identities } = await this.vault();
        try {
          return { ok: true, entries: await listBackup(vault, id, identities, profile.secrets.authKey) };
        } catch (err) {
          return failure(err);
        }
      },
      'history:preview': async ({ id }) => {
        const { profile, vault, identities } = await this.vault();
        const [meta] = applyChatEdits(
          [await vault.readMetadata(id, identities, profile.secrets.authKey)],
          (await vault.readChatEdits(identities, profile.secrets.authKey)).edits,
        );
        if (!meta?.chat) {
          return {
            ok: false,
            message:
              'This backup was made before chats were recognised; its messages show once it is identified.',
          };
        }
        return { ok: true, messages: meta.chat.summary.preview };
      },
      'kit:status': async () => this.kit.status(),
      'kit:paste': async ({ text }) => this.kit.load(text, this.ready().profile.secrets),
      'kit:forget': async () => this.kit.forget(),
      'kit:check': ({ text }) => this.checkKitText(text),
      'kit:drill': async () => {
        const { lastCheckedAt, due, months } = await this.kitDrill();
        return { lastCheckedAt, due, months };
      },
      'kit:renew': () => this.prepareRenewal(),
      'engine:writeRenewedKit': async ({ path }) => {
        if (!this.renewal) throw new ProfileError('There is no new recovery kit to save; make one first.');
        const { watchDir, cloudDir } = this.ready().profile.settings;
        const warnings = await assertFolderChoice({ watchDir, cloudDir, kitPath: path }, this.opts.places);
        await writeFileAtomic(resolve(path), this.renewal.text, 0o600);
        return { warnings };
      },
      'kit:renewConfirm': ({ typed }) => this.confirmRenewal(typed),
      'kit:renewCancel': async () => {
        this.renewal = undefined;
        return undefined;
      },
      'restore:start': (request) => this.startRestore(request),
      'restore:cancel': async ({ runId }) => {
        this.restores.get(runId)?.abort();
        return undefined;
      },
      'engine:isRestored': async ({ destination }) => this.restored.has(resolve(destination)),
      'engine:kitReminder': () => this.kitReminder(),
      'engine:kitReminderShown': async ({ period }) => {
        if (typeof period !== 'string' || period.length > 64) throw new Error('Not a drill period.');
        await recordDrillReminder(this.ready().profile.home, period, new Date(this.now()));
        return undefined;
      },
      'verify:all': () => this.verifyAll(),
      'settings:get': async () => this.appSettings(),
      'settings:update': (update) => this.inTurn(() => this.updateSettings(update)),
      'recipients:list': async () => {
        // The vault's list as it is now (this device may not have looked since another changed it).
        const { profile, vault } = await this.vault();
        await this.syncTrust({ ...profile, vault });
        return this.recipientViews();
      },
      'recipients:add': ({ recipient, label }) =>
        this.changeRecipients(async (store, current) => {
          const next = await addRecipient(store, current, recipient, label);
          const { profile, vault } = await this.vault();
          await trustRecipient({ ...profile, vault }, { recipient, label });
          return next;
        }),
      'recipients:remove': ({ recipient }) =>
        this.changeRecipients(async (store, current) => {
          const label = current.find((r) => r.recipient === recipient)?.label ?? '';
          const next = await removeRecipient(store, current, recipient);
          const { profile, vault } = await this.vault();
          await distrustRecipient({ ...profile, vault }, { recipient, label });
          return next;
        }),
      'devices:list': () => this.listDevices(),
      'devices:remove': ({ id }) => this.inTurn(() => this.removeDeviceById(id)),
      'devices:changes': () => this.trustHistory(),
      'pair:find': ({ code }) => this.findPairingByCode(code),
      'pair:approve': ({ code }) => this.inTurn(() => this.approvePairing(code)),
    };
  }
}
