// When to show a desktop notification, decided from the engine's status changes: a failed backup, the
// cloud folder unavailable for over 15 minutes (once per episode), the engine stopping, a finished
// backup only if the user asked for it, an overdue recovery drill once per due period (never on every
// start), and a refused change to the trusted list once per change and run. At most one notification of
// a kind per interval: no storms.
import type { EngineStatus } from '../shared/status.js';

export type NotificationKind =
  | 'backupFailed'
  | 'cloudUnavailable'
  | 'engineStopped'
  | 'backedUp'
  | 'kitCheckDue'
  | 'trustRefused';

export interface DesktopNotification {
  kind: NotificationKind;
  title: string;
  body: string;
}

export interface NotifierOptions {
  /** Shows a notification (Electron's Notification in the app). */
  show: (notification: DesktopNotification) => void;
  now?: () => number;
  /** How long the cloud folder may be unavailable before the user is told. */
  cloudWaitMs?: number;
  /** The least time between two notifications of the same kind. */
  minIntervalMs?: number;
}

export const CLOUD_WAIT_MS = 15 * 60_000;
export const MIN_INTERVAL_MS = 10 * 60_000;

/** Turns status changes into (few) notifications. */
export class Notifier {
  private readonly now: () => number;
  private readonly cloudWaitMs: number;
  private readonly minIntervalMs: number;
  private readonly lastShown = new Map<NotificationKind, number>();
  private previous: EngineStatus | null = null;
  /** When the current cloud-unavailable episode began, and whether it was reported. */
  private cloudEpisode: { since: number; reason: string; told: boolean } | null = null;
  private notifyOnSuccess = false;
  /** The drill periods reminded of in this run (the profile remembers them across runs). */
  private readonly remindedPeriods = new Set<string>();
  /** The refused trust-list changes told of in this run. */
  private readonly toldRefused = new Set<string>();

  constructor(private readonly opts: NotifierOptions) {
    this.now = opts.now ?? Date.now;
    this.cloudWaitMs = opts.cloudWaitMs ?? CLOUD_WAIT_MS;
    this.minIntervalMs = opts.minIntervalMs ?? MIN_INTERVAL_MS;
  }

  /** The user's "notify on success" setting. */
  setNotifyOnSuccess(enabled: boolean): void {
    this.notifyOnSuccess = enabled;
  }

  /** Takes the engine's new status. */
  statusChanged(status: EngineStatus): void {
    const before = this.previous;
    this.previous = status;
    const state = status.state;
    if (state.kind === 'error') {
      const was = before?.state;
      const same =
        was?.kind === 'error' && was.message === state.message && was.exportName === state.exportName;
      if (!same) {
        this.show(
          'backupFailed',
          state.exportName ? `Backup of ${state.exportName} failed` : 'Backup failed',
          `${state.message} ${state.action}`,
        );
      }
    }
    if (state.kind === 'waitingForCloud') {
      if (this.cloudEpisode) this.cloudEpisode.reason = state.reason;
      else this.cloudEpisode = { since: this.now(), reason: state.reason, told: false };
    } else {
      this.cloudEpisode = null;
    }
    this.tick();
    if (before && this.notifyOnSuccess) this.reportBackups(before, status);
    this.reportRefused(status);
  }

  /** A change to the trusted list that the vault's keys do not prove, told once per change in this run. */
  private reportRefused(status: EngineStatus): void {
    const fresh = (status.trustRefused ?? []).filter((r) => !this.toldRefused.has(r.id));
    if (fresh.length === 0) return;
    const shown = this.show(
      'trustRefused',
      'Puddleproof refused a change to your devices',
      'A change to the vault’s list of devices in the cloud folder is not proven by the vault’s keys, so ' +
        'nothing of it was applied. Only someone who can write to your cloud folder could have put it ' +
        'there: see Settings → Devices.',
    );
    if (shown) for (const r of fresh) this.toldRefused.add(r.id);
  }

  /** Checks how long the cloud folder has been unavailable; call it now and then. */
  tick(): void {
    const episode = this.cloudEpisode;
    if (!episode || episode.told || this.now() - episode.since <= this.cloudWaitMs) return;
    episode.told = true;
    const minutes = Math.floor((this.now() - episode.since) / 60_000);
    this.show(
      'cloudUnavailable',
      'Backups are waiting for the cloud folder',
      `For ${minutes} minutes now: ${episode.reason}. Puddleproof keeps trying; your exports stay in the watch folder.`,
    );
  }

  /** The engine process stopped unexpectedly; `reason` says why and whether it is restarted. */
  engineStopped(reason: string): void {
    this.show('engineStopped', 'Puddleproof’s backup engine stopped', reason);
  }

  /**
   * The recovery drill is due: one quiet notification per due period (`period`: when the kit was last
   * checked, or "never"), none if it was already shown for that period (`shown`, remembered in the
   * profile). True if it was shown now (the caller then records it).
   */
  kitCheckDue(reminder: { due: boolean; period: string; shown: boolean }): boolean {
    if (!reminder.due || reminder.shown || this.remindedPeriods.has(reminder.period)) return false;
    const shown = this.show(
      'kitCheckDue',
      'Time to check your recovery kit',
      'Check that you still have it and that it opens your newest backup: Settings → Recovery kit.',
    );
    if (shown) this.remindedPeriods.add(reminder.period);
    return shown;
  }

  /**
   * "Backed up Alice — WhatsApp" for the chats (keyed by their label) whose last backup is newer than
   * before; "Backed up Bob — Telegram and 2 more chats" for several at once.
   */
  private reportBackups(before: EngineStatus, after: EngineStatus): void {
    const done = Object.entries(after.lastBackupBySource)
      .filter(([source, at]) => {
        const was = before.lastBackupBySource[source];
        return was === undefined || Date.parse(at) > Date.parse(was);
      })
      .map(([source]) => source)
      .sort();
    const [first] = done;
    if (first === undefined) return;
    const others = done.length - 1;
    const more = others === 0 ? '' : ` and ${others} more chat${others === 1 ? '' : 's'}`;
    this.show(
      'backedUp',
      `Backed up ${first}${more}`,
      `Encrypted into your cloud folder. Open Puddleproof to see ${others === 0 ? 'its' : 'their'} versions.`,
    );
  }

  private show(kind: NotificationKind, title: string, body: string): boolean {
    const now = this.now();
    const last = this.lastShown.get(kind);
    if (last !== undefined && now - last < this.minIntervalMs) return false;
    this.lastShown.set(kind, now);
    this.opts.show({ kind, title, body });
    return true;
  }
}
