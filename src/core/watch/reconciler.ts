// The reconciler: desired state = every settled export in the watch folder has a committed backup of
// its current content. It runs on start, on file-system events, on a timer and when the cloud folder
// returns; it computes what is missing and backs it up, one export at a time. There is no queue to
// corrupt: after a crash, the next run finds the same work, and gc clears what the crash left.
import { readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActivityState, EngineStatus, ReclaimStatus, RefusedTrustChange } from '../../shared/status.js';
import { backupExport, quickFingerprint } from '../backup/backup.js';
import { isExportName } from '../backup/export-names.js';
import { walkExport } from '../backup/walk.js';
import { applyChatEdits, type ChatEdit } from '../chats/chat-edits.js';
import { identifyOldBackups } from '../chats/identify-old.js';
import { chatLabel } from '../chats/labels.js';
import { reclaim } from '../dedup/reclaim.js';
import { backupContextOf, cachesOf, deviceIdentities, type Profile, recordRecipients } from '../device.js';
import { folderRefusal, overlaps } from '../folder-choice.js';
import { syncTrustedList } from '../trust.js';
import { cloudFullReason } from '../vault/cloud-full.js';
import { vaultRoot } from '../vault/layout.js';
import type { BackupMetadata } from '../vault/metadata.js';
import {
  DEFAULT_RETENTION,
  planRetention,
  type RetentionPolicy,
  retentionCandidate,
} from '../vault/retention.js';
import { DEFAULT_GC_GRACE_MS, type ListProblem, Vault } from '../vault/vault.js';
import { CoveredExports } from './covered.js';
import { ExportWatcher } from './export-watcher.js';
import { latestChange, zipLooksComplete } from './readiness.js';

export interface ReconcilerOptions {
  profile: Profile;
  /** How long an export must stay unchanged before it is backed up. */
  quietMs?: number;
  retention?: RetentionPolicy;
  /** A full reconcile runs at least this often, events or not. */
  periodicMs?: number;
  /** Retry delays while the cloud folder is unavailable: doubles from `min` up to `max`. */
  backoff?: { min: number; max: number };
  /** How often to look for a missing watch folder. */
  watchFolderPollMs?: number;
  onStatus?: (status: EngineStatus) => void;
  now?: () => number;
}

/** How long a zip that never gets its central directory waits before it is backed up anyway. */
const INCOMPLETE_ZIP_WAIT_MS = 5 * 60_000;

/** Errors that mean the cloud folder (not the export) is the problem. */
const CLOUD_ERRORS = new Set(['ENOENT', 'EACCES', 'EPERM', 'EIO', 'ENOTDIR', 'ESTALE']);

/** How often an idle engine reclaims space (and acknowledges other devices' collections). */
const RECLAIM_EVERY_MS = 6 * 60 * 60 * 1000;

/** Whether a file can be created in the vault right now. */
async function cloudWritable(vault: Vault): Promise<boolean> {
  const probe = join(vault.paths.dataDir, `.tmp-probe-${process.pid}`);
  try {
    await stat(vault.paths.marker);
    await writeFile(probe, '');
    await rm(probe);
    return true;
  } catch {
    return false;
  }
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? '';
}

/** Keeps the vault in step with the watch folder. */
export class Reconciler {
  private readonly quietMs: number;
  private readonly retention: RetentionPolicy;
  private readonly now: () => number;
  private readonly watcher: ExportWatcher;
  private readonly lastEvent = new Map<string, number>();
  private readonly known = new Map<string, BackupMetadata>();
  /** Backups retention removed since the last reclaim (its collection records them). */
  private forgotten: string[] = [];
  private lastReclaim = Number.NEGATIVE_INFINITY;
  /** What the last reclamation did and waits for (shown in the status). */
  private reclaimed: ReclaimStatus | undefined;
  /** The changes to the trusted list the last sync refused (shown in the status). */
  private trustRefused: RefusedTrustChange[] = [];
  /** The vault's chat edits (renames, merges, splits, identified old backups), as of the last look. */
  private edits: ChatEdit[] = [];
  /** Old backups being identified in the background, and how to stop that when there is other work. */
  private identifying: { done: number; total: number } | undefined;
  private identifyStop: AbortController | undefined;
  /** Old backups this device could not open (made elsewhere): not tried again in this run. */
  private readonly unopenable = new Set<string>();
  /** Exports whose last backup attempt failed, with the change time it saw: retried once they change. */
  private readonly failed = new Map<string, { changed: number; message: string }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly covered: CoveredExports;
  private state: ActivityState = { kind: 'idle' };
  private pending: string[] = [];
  private running = false;
  private again = false;
  private forced = false;
  private paused = false;
  private stopped = true;
  private cloudDelay: number;
  private nextWake = Number.POSITIVE_INFINITY;
  private wakeTimer: NodeJS.Timeout | undefined;
  private idleResolvers: (() => void)[] = [];

  constructor(private readonly opts: ReconcilerOptions) {
    this.quietMs = opts.quietMs ?? 10_000;
    this.retention = opts.retention ?? DEFAULT_RETENTION;
    this.now = opts.now ?? Date.now;
    this.cloudDelay = this.backoff.min;
    this.covered = new CoveredExports(opts.profile.home);
    this.watcher = new ExportWatcher(
      opts.profile.settings.watchDir,
      (name, at) => {
        if (name) this.lastEvent.set(name, at);
        this.trigger();
      },
      () => this.trigger(),
    );
  }

  private get backoff() {
    return this.opts.backoff ?? { min: 1000, max: 5 * 60_000 };
  }

  /** The current status. */
  get status(): EngineStatus {
    const lastBackupBySource: Record<string, string> = {};
    for (const m of this.current().sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
      lastBackupBySource[chatLabel(m)] = m.createdAt;
    }
    return {
      state: this.state,
      lastBackupBySource,
      pending: [...this.pending],
      ...(this.identifying ? { identifying: { ...this.identifying } } : {}),
      ...(this.reclaimed ? { reclaim: this.reclaimed } : {}),
      ...(this.trustRefused.length > 0 ? { trustRefused: [...this.trustRefused] } : {}),
    };
  }

  /**
   * Takes what a sync of the trusted list refused (here or in the engine service): the status carries it
   * until a sync no longer finds it; a change is announced once.
   */
  trustSynced(problems: readonly ListProblem[]): void {
    const refused = problems.map(({ id, problem }) => ({ id, problem }));
    if (JSON.stringify(refused) === JSON.stringify(this.trustRefused)) return;
    this.trustRefused = refused;
    this.opts.onStatus?.(this.status);
  }

  /** Starts watching and reconciles at once. */
  async start(): Promise<void> {
    this.stopped = false;
    const periodic = setInterval(() => this.trigger(), this.opts.periodicMs ?? 10 * 60_000);
    this.timers.add(periodic);
    this.trigger();
  }

  /** Stops watching; a backup in progress is finished first. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.identifyStop?.abort();
    for (const t of this.timers) clearInterval(t);
    this.timers.clear();
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    await this.watcher.stop();
    await this.idle();
  }

  pause(): void {
    this.paused = true;
    if (!this.running) this.setState({ kind: 'paused' });
  }

  resume(): void {
    this.paused = false;
    this.trigger();
  }

  /** Reconciles now, without waiting for the quiet period of exports that look complete. */
  backupNow(): void {
    this.forced = true;
    this.cloudDelay = this.backoff.min;
    this.trigger();
  }

  /** Resolves when no reconcile is running or queued. */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleResolvers.push(resolve));
  }

  private trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      this.identifyStop?.abort(); // new work first; identifying goes on afterwards
      return;
    }
    this.running = true;
    void this.loop();
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        const forced = this.forced;
        this.forced = false;
        await this.reconcile(forced).catch((err: unknown) => {
          this.setState({
            kind: 'error',
            message: (err as Error).message,
            action: 'Puddleproof will retry.',
          });
          this.wakeIn(this.backoff.max);
        });
      } while (this.again && !this.stopped);
    } finally {
      this.running = false;
      for (const resolve of this.idleResolvers.splice(0)) resolve();
    }
  }

  private setState(state: ActivityState): void {
    this.state = state;
    this.opts.onStatus?.(this.status);
  }

  /** Schedules one wake-up `ms` from now (the earliest requested wins). */
  private wakeIn(ms: number): void {
    if (this.stopped) return;
    const at = this.now() + ms;
    if (at >= this.nextWake && this.wakeTimer) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.nextWake = at;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.nextWake = Number.POSITIVE_INFINITY;
      this.trigger();
    }, ms);
  }

  /**
   * What the watch folder needs: exports settled and not yet backed up (`ready`), the one settling
   * soonest, and every export without a backup of its current content (`pending`).
   */
  private async survey(names: string[], forced: boolean) {
    const { settings, secrets } = this.opts.profile;
    const quick = new Set([...this.known.values()].map((m) => m.quickFingerprint));
    const ready: string[] = [];
    const pending: string[] = [];
    const changedAt = new Map<string, number>();
    let soonest: { name: string; readyAt: number } | undefined;
    for (const name of names) {
      const path = join(settings.watchDir, name);
      const walked = await walkExport(path).catch(() => null);
      if (walked && !walked.entries.some((e) => e.type === 'file')) continue; // an empty folder is no export
      const modified = walked
        ? walked.entries.reduce((latest, e) => Math.max(latest, e.mtime.getTime()), 0)
        : await latestChange(path).catch(() => 0);
      const changed = Math.max(this.lastEvent.get(name) ?? 0, modified);
      changedAt.set(name, changed);
      const fingerprint = walked && quickFingerprint(secrets.authKey, name, walked.entries);
      if (fingerprint && (quick.has(fingerprint) || (await this.covered.has(fingerprint)))) continue;
      pending.push(name);
      const failure = this.failed.get(name);
      if (failure && failure.changed >= changed && !forced) continue;
      const complete =
        !name.toLowerCase().endsWith('.zip') || (await zipLooksComplete(path).catch(() => false));
      // A zip without its central directory is still being written; if it stays so, it is kept as it is.
      const readyAt = changed + (complete ? this.quietMs : Math.max(this.quietMs, INCOMPLETE_ZIP_WAIT_MS));
      if ((complete && forced) || readyAt <= this.now()) ready.push(name);
      else if (!soonest || readyAt < soonest.readyAt)
        soonest = { name, readyAt: Math.max(readyAt, this.now()) };
    }
    return { ready, pending, soonest, changedAt };
  }

  /** Whether the folders are refused (the export and cloud folders overlap): then nothing is backed up. */
  private async foldersRefused(live: boolean): Promise<boolean> {
    const { watchDir, cloudDir } = this.opts.profile.settings;
    const message = await folderRefusal({ watchDir, cloudDir });
    if (message === null) return false;
    if (live) this.setState({ kind: 'foldersRefused', message });
    else this.state = { kind: 'foldersRefused', message };
    return true;
  }

  /** A status computed once, without backing anything up (for `puddleproof status`). */
  async check(): Promise<EngineStatus> {
    if (await this.foldersRefused(false)) return this.status;
    const names = await this.exportNames(false);
    const vault = names && (await this.openVault(false));
    if (names && vault) {
      await this.refreshKnown(vault);
      const { pending, soonest } = await this.survey(names, false);
      this.pending = pending;
      if (soonest) this.state = { kind: 'settling', exportName: soonest.name, readyAt: soonest.readyAt };
    }
    return this.status;
  }

  private async reconcile(forced: boolean): Promise<void> {
    if (this.paused) return this.setState({ kind: 'paused' });
    if (await this.foldersRefused(true)) return;
    const names = await this.exportNames(true);
    if (names === null) return;
    const vault = await this.openVault(true);
    if (!vault) return;
    // Every device of the vault's trusted list is a recipient of the backups made here.
    const sync = await syncTrustedList({ ...this.opts.profile, vault }).catch(() => undefined);
    if (sync) this.trustSynced(sync.problems);
    await this.refreshKnown(vault);
    const existing = this.current();
    const { ready, pending, soonest, changedAt } = await this.survey(names, forced);
    for (const name of this.failed.keys()) if (!changedAt.has(name)) this.failed.delete(name);
    this.pending = pending;
    for (const name of ready) {
      if (this.stopped || this.paused) break;
      const result = await this.backUp(vault, name, existing);
      if (result === 'cloud') return;
      if (result instanceof Error)
        this.failed.set(name, { changed: changedAt.get(name) ?? 0, message: result.message });
      else {
        this.failed.delete(name);
        this.pending = this.pending.filter((p) => p !== name);
      }
    }
    if (this.paused) return this.setState({ kind: 'paused' });
    const [failedName, failure] = [...this.failed][0] ?? [];
    if (soonest) {
      this.setState({ kind: 'settling', exportName: soonest.name, readyAt: soonest.readyAt });
      this.wakeIn(Math.max(50, soonest.readyAt - this.now()));
    } else if (failedName && failure) {
      this.setState({
        kind: 'error',
        exportName: failedName,
        message: failure.message,
        action: 'It is retried when the export changes, or with "Back up now".',
      });
    } else {
      this.setState({ kind: 'idle' });
      await this.reclaimWhenDue(vault);
      // Paused while it ran: say so now (pause() leaves the state to a running reconcile).
      if (this.paused) return this.setState({ kind: 'paused' });
      await this.identifyOld(vault);
    }
  }

  /**
   * Reclaims the space of packs no backup uses (two steps, see dedup/reclaim.ts) when retention removed
   * backups, and otherwise every few hours, so that this device also acknowledges the others' collections.
   * A failure is retried at the next chance; it never stops backups.
   */
  private async reclaimWhenDue(vault: Vault): Promise<void> {
    if (this.forgotten.length === 0 && this.now() - this.lastReclaim < RECLAIM_EVERY_MS) return;
    const forgotten = this.forgotten;
    this.forgotten = [];
    this.lastReclaim = this.now();
    const { profile } = this.opts;
    try {
      const report = await reclaim({
        vault,
        device: { id: profile.settings.deviceId, name: profile.settings.deviceName },
        journal: profile.journal,
        identities: deviceIdentities(profile),
        authKey: profile.secrets.authKey,
        recipients: await recordRecipients(profile),
        packRecipients: profile.secrets.recipients.map((r) => r.recipient),
        watchDir: profile.settings.watchDir,
        forgotten,
        now: new Date(this.now()),
        ...cachesOf(profile),
      });
      this.reclaimed = {
        at: new Date(this.now()).toISOString(),
        freedBytes: report.freedBytes,
        pendingBytes: report.pendingBytes,
        waitingFor: report.waitingFor,
        silent: report.silent,
        lost: report.lost.map(({ exportName, backUpAgain }) => ({ exportName, backUpAgain })),
      };
      this.opts.onStatus?.(this.status);
      // A backup made while this device was away lost chunks the others reclaimed: store its export again.
      if (report.lost.some((l) => l.backUpAgain)) this.wakeIn(0);
    } catch {
      this.forgotten.push(...forgotten);
    }
  }

  /** Identifies old backups (made before chats were recognised) one at a time, until other work comes. */
  private async identifyOld(vault: Vault): Promise<void> {
    const todo = this.current().filter((m) => !m.chat && !this.unopenable.has(m.id));
    if (todo.length === 0 || this.again || this.paused || this.stopped) return;
    const stop = new AbortController();
    this.identifyStop = stop;
    try {
      await identifyOldBackups(vault, this.opts.profile, {
        signal: stop.signal,
        skip: this.unopenable,
        onUnreadable: (id) => this.unopenable.add(id),
        onProgress: (p) => {
          this.identifying = p.done + p.unreadable < p.total ? { done: p.done, total: p.total } : undefined;
          this.opts.onStatus?.(this.status);
        },
      });
    } finally {
      this.identifyStop = undefined;
      this.identifying = undefined;
      await this.refreshKnown(vault).catch(() => undefined);
      this.opts.onStatus?.(this.status);
    }
  }

  /** The exports in the watch folder, or null (and a status) when the folder is missing. */
  private async exportNames(live: boolean): Promise<string[] | null> {
    const dir = this.opts.profile.settings.watchDir;
    try {
      await stat(dir);
      // Watch first, then list: an export created in between is seen by one or the other.
      if (live && !this.watcher.running && !this.stopped) await this.watcher.start();
      const names = (await readdir(dir)).filter(isExportName).sort();
      // Never the vault, nor anything that holds it or is in it (a link to the cloud folder, say).
      const vault = vaultRoot(this.opts.profile.settings.cloudDir);
      const exports: string[] = [];
      for (const name of names) if (!(await overlaps(join(dir, name), vault))) exports.push(name);
      return exports;
    } catch {
      await this.watcher.stop();
      this.setState({ kind: 'watchFolderMissing', path: dir });
      if (live) this.wakeIn(this.opts.watchFolderPollMs ?? 5000);
      return null;
    }
  }

  /** The vault, with this device's abandoned objects cleared; null (and a retry) while it is unavailable. */
  private async openVault(live: boolean): Promise<Vault | null> {
    try {
      const vault = await Vault.open(this.opts.profile.settings.cloudDir);
      const abandoned = live ? await this.opts.profile.journal.abandoned() : new Set<string>();
      if (abandoned.size > 0) {
        await vault.gc(abandoned, DEFAULT_GC_GRACE_MS);
        for (const id of abandoned) await this.opts.profile.journal.end(id);
      }
      return vault;
    } catch (err) {
      if (live) this.waitForCloud((err as Error).message);
      else this.state = { kind: 'waitingForCloud', reason: (err as Error).message, retryAt: this.now() };
      return null;
    }
  }

  private waitForCloud(reason: string): void {
    const delay = this.cloudDelay;
    this.cloudDelay = Math.min(this.backoff.max, delay * 2);
    this.setState({ kind: 'waitingForCloud', reason, retryAt: this.now() + delay });
    this.wakeIn(delay);
  }

  /** Reads the metadata of backups committed since the last look (by any device); forgets removed ones. */
  private async refreshKnown(vault: Vault): Promise<void> {
    const ids = new Set(await vault.committedIds());
    for (const id of this.known.keys()) if (!ids.has(id)) this.known.delete(id);
    const { secrets } = this.opts.profile;
    for (const id of ids) {
      if (this.known.has(id)) continue;
      const meta = await vault
        .readMetadata(id, deviceIdentities(this.opts.profile), secrets.authKey)
        .catch(() => null);
      if (meta) this.known.set(id, meta);
    }
    this.edits = (await vault.readChatEdits(deviceIdentities(this.opts.profile), secrets.authKey)).edits;
  }

  /** The known backups as their chats are now (chat edits applied). */
  private current(): BackupMetadata[] {
    return applyChatEdits([...this.known.values()], this.edits);
  }

  /** Backs up one export: 'ok', 'cloud' when the cloud folder failed (the run stops and retries later), or the export's error. */
  private async backUp(
    vault: Vault,
    name: string,
    existing: BackupMetadata[],
  ): Promise<'ok' | 'cloud' | Error> {
    const { profile } = this.opts;
    const started = this.now();
    let read = { doneBytes: 0, totalBytes: 0 };
    // What this backup has written to the cloud folder so far (format 2 only: it writes what is new).
    let uploadedBytes = 0;
    const context = backupContextOf(
      profile,
      vault,
      (doneBytes, totalBytes) => {
        read = { doneBytes, totalBytes };
        progress();
      },
      (bytes) => {
        uploadedBytes += bytes;
        progress();
      },
    );
    const progress = () => {
      const seconds = Math.max(0.001, (this.now() - started) / 1000);
      this.setState({
        kind: 'backingUp',
        exportName: name,
        ...read,
        bytesPerSecond: read.doneBytes / seconds,
        ...(context.format === 1 ? {} : { uploadedBytes }),
      });
    };
    progress();
    try {
      const outcome = await backupExport(context, join(profile.settings.watchDir, name), existing);
      this.cloudDelay = this.backoff.min;
      if (outcome.status === 'stored') {
        existing.push(outcome.meta);
        this.known.set(outcome.meta.id, outcome.meta);
        if (outcome.meta.chat) await this.applyRetention(vault, outcome.meta.chat.key);
      } else {
        await this.covered.add([outcome.quickFingerprint]);
      }
      return 'ok';
    } catch (err) {
      const full = cloudFullReason(err);
      if (full || (CLOUD_ERRORS.has(errorCode(err)) && !(await cloudWritable(vault)))) {
        this.waitForCloud(full ?? (err as Error).message);
        return 'cloud';
      }
      return err as Error;
    }
  }

  /** Applies the retention policy to one chat (removal is crash-safe: commit records go first). */
  private async applyRetention(vault: Vault, chat: string): Promise<void> {
    const backups = this.current().filter((m) => m.chat?.key === chat);
    const { remove } = planRetention(backups.map(retentionCandidate), this.retention);
    if (remove.length === 0) return;
    // Their exports may still be in the watch folder: they are covered, not to be backed up again.
    await this.covered.add(remove.flatMap((r) => this.known.get(r.id)?.quickFingerprint ?? []));
    await vault.forget(remove.map((r) => r.id));
    for (const r of remove) this.known.delete(r.id);
    this.forgotten.push(...remove.map((r) => r.id));
  }
}
