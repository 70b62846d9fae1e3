// The tray app's behaviour, from parts main.ts builds and passes in: start the engine, open the window
// on first run (else stay in the tray), keep the tray and notifications in step with the engine's
// events, show why when the engine crashes, answer the tray's menu, and stop the engine on quit. Whether
// the recovery drill is due is read from the engine now and then (and after a check or a change of its
// interval): a quiet tray badge, and one notification per due period, remembered in the profile; the
// badge's menu line and the notification open the window at Settings → Recovery kit.
// No electron import: each part is an interface Electron's objects (or a test's) fill.
import type { AppSettings } from '../shared/api.js';
import type { EngineApi, EventName } from '../shared/ipc-contract.js';
import type { EngineStatus } from '../shared/status.js';
import type { NotificationKind, Notifier } from './notifier.js';
import type { TrayAction, TrayInput } from './tray/tray-model.js';
import type { WindowNavigation } from './window-navigation.js';

export interface DesktopAppParts {
  engine: EngineApi & { start(): Promise<void>; stop(): Promise<void> };
  window: { show(): void };
  /** Shows the window at a view (Settings → Recovery kit). */
  navigation: Pick<WindowNavigation, 'open'>;
  tray: { update(change: Partial<Omit<TrayInput, 'now'>>): void; render(): void };
  notifier: Pick<Notifier, 'statusChanged' | 'tick' | 'engineStopped' | 'setNotifyOnSuccess' | 'kitCheckDue'>;
  /** Sends an engine event on to the window, if open. */
  forwardToWindow: (event: EventName, payload: unknown) => void;
  /** Makes the OS start the app at login, or not (kept in step with the saved setting). */
  setStartAtLogin?: (enabled: boolean) => void;
  /** Ends the process once the engine has stopped. */
  exit: () => void;
  log?: (line: string) => void;
  /** How often the tray's "5 min ago" and the cloud-outage check are refreshed. */
  refreshMs?: number;
  /** How often whether the recovery drill is due is read again (it changes by the day). */
  drillRefreshMs?: number;
}

export const DRILL_REFRESH_MS = 60 * 60_000;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The main process's behaviour around the engine, the tray and the window. */
export class DesktopApp {
  private setupDone = false;
  private paused = false;
  private lastState: EngineStatus['state']['kind'] | null = null;
  private checkingSetup = false;
  private timer: NodeJS.Timeout | undefined;
  private drillTimer: NodeJS.Timeout | undefined;
  /** Drill reads run one after another (a second read sees the reminder the first recorded). */
  private drillTurn: Promise<void> = Promise.resolve();
  private kitCheckMonths: number | undefined;
  private quitting: Promise<void> | undefined;
  private stopped = false;
  private readonly log: (line: string) => void;

  constructor(private readonly parts: DesktopAppParts) {
    this.log = parts.log ?? ((line) => process.stderr.write(`puddleproof: ${line}\n`));
  }

  /** True once quit() has stopped the engine (the app may then really quit). */
  get hasStopped(): boolean {
    return this.stopped;
  }

  /** Starts the engine; opens the window if setup is not done, else stays in the tray. */
  async start(): Promise<void> {
    const { engine, tray, window } = this.parts;
    tray.render();
    this.timer = setInterval(() => this.refresh(), this.parts.refreshMs ?? 30_000);
    this.drillTimer = setInterval(
      () => void this.kitDrillChanged(),
      this.parts.drillRefreshMs ?? DRILL_REFRESH_MS,
    );
    try {
      await engine.start();
      const setup = await engine.call('setup:state', undefined);
      this.setupDone = setup.stage === 'ready';
    } catch (err) {
      // The tray keeps saying why; the window shows what the engine answers.
      this.log(`the engine did not start: ${message(err)}`);
      tray.update({ problem: message(err) });
      window.show();
      return;
    }
    tray.update({ setupDone: this.setupDone });
    if (this.setupDone) await this.loadState();
    else window.show();
  }

  /** An event from the engine: to the window, and status changes to the tray and notifier. */
  engineEvent(event: EventName, payload: unknown): void {
    this.parts.forwardToWindow(event, payload);
    if (event === 'status:changed') this.statusChanged(payload as EngineStatus);
  }

  /** The user's settings changed (or were read): the notifier and the login item follow them. */
  settingsChanged(settings: AppSettings): void {
    this.parts.notifier.setNotifyOnSuccess(settings.notifyOnSuccess);
    this.parts.setStartAtLogin?.(settings.startAtLogin);
    this.setPaused(settings.paused);
    // A new drill interval may make the drill due, or no longer due.
    const changed = this.kitCheckMonths !== undefined && this.kitCheckMonths !== settings.kitCheckMonths;
    this.kitCheckMonths = settings.kitCheckMonths;
    if (changed) void this.kitDrillChanged();
  }

  /**
   * Reads whether the recovery drill is due: the tray's badge follows; once per due period a notification
   * says so, and the engine remembers it in the profile (so a restart does not notify again).
   */
  kitDrillChanged(): Promise<void> {
    this.drillTurn = this.drillTurn.then(async () => {
      if (!this.setupDone || this.quitting) return;
      const { engine, tray, notifier } = this.parts;
      try {
        const reminder = await engine.call('engine:kitReminder', undefined);
        tray.update({ kitCheckDue: reminder.due });
        if (notifier.kitCheckDue(reminder)) {
          await engine.call('engine:kitReminderShown', { period: reminder.period });
        }
      } catch (err) {
        this.log(`could not read whether the recovery drill is due: ${message(err)}`);
      }
    });
    return this.drillTurn;
  }

  /** The engine process died: the tray and a notification say why; state is re-read once it is back. */
  engineCrashed(reason: string): void {
    this.parts.tray.update({ problem: reason });
    this.parts.notifier.engineStopped(reason);
    void this.resync();
  }

  /** A click in the tray's menu. */
  trayAction(action: TrayAction): void {
    const { engine } = this.parts;
    if (action === 'open') this.parts.window.show();
    else if (action === 'checkKit') this.parts.navigation.open('recoveryKit');
    else if (action === 'quit') void this.quit();
    else if (action === 'backupNow')
      void this.request('Back up now', () => engine.call('backup:now', undefined));
    else {
      const pause = !this.paused;
      void this.request(pause ? 'Pause' : 'Resume', async () => {
        await engine.call(pause ? 'watching:pause' : 'watching:resume', undefined);
        this.setPaused(pause);
      });
    }
  }

  /** A click on a notification: the drill's opens Settings → Recovery kit, the others the window. */
  notificationClicked(kind: NotificationKind): void {
    if (kind === 'kitCheckDue') this.parts.navigation.open('recoveryKit');
    else this.parts.window.show();
  }

  /** Stops the engine, then exits; repeated calls share one shutdown. */
  quit(): Promise<void> {
    this.quitting ??= (async () => {
      clearInterval(this.timer);
      clearInterval(this.drillTimer);
      try {
        await this.parts.engine.stop();
      } catch (err) {
        this.log(`stopping the engine failed: ${message(err)}`);
      }
      this.stopped = true;
      this.parts.exit();
    })();
    return this.quitting;
  }

  private statusChanged(status: EngineStatus): void {
    const kind = status.state.kind;
    // Pausing takes effect once a running backup ends; leaving the paused state means resumed.
    if (kind === 'paused') this.paused = true;
    else if (this.lastState === 'paused') this.paused = false;
    this.lastState = kind;
    this.parts.tray.update({ status, paused: this.paused, problem: null });
    this.parts.notifier.statusChanged(status);
    if (!this.setupDone) void this.checkSetup();
  }

  private setPaused(paused: boolean): void {
    this.paused = paused;
    this.parts.tray.update({ paused });
  }

  /** Reads status and settings (setup done). */
  private async loadState(): Promise<void> {
    const { engine } = this.parts;
    try {
      const [status, settings] = await Promise.all([
        engine.call('status:get', undefined),
        engine.call('settings:get', undefined),
      ]);
      this.settingsChanged(settings);
      this.statusChanged(status);
    } catch (err) {
      this.log(`could not read the engine's state: ${message(err)}`);
    }
    await this.kitDrillChanged();
  }

  /** Setup may have finished in the window: once it has, the tray offers backups. */
  private async checkSetup(): Promise<void> {
    if (this.checkingSetup) return;
    this.checkingSetup = true;
    try {
      if ((await this.parts.engine.call('setup:state', undefined)).stage !== 'ready') return;
      this.setupDone = true;
      this.parts.tray.update({ setupDone: true });
      await this.loadState();
    } catch (err) {
      this.log(`could not read the setup state: ${message(err)}`);
    } finally {
      this.checkingSetup = false;
    }
  }

  /** After a crash: waits for the restarted engine, then clears the problem and re-reads state. */
  private async resync(): Promise<void> {
    try {
      await this.parts.engine.start();
    } catch (err) {
      if (!this.quitting) this.parts.tray.update({ problem: message(err) });
      return;
    }
    this.parts.tray.update({ problem: null });
    if (this.setupDone) await this.loadState();
  }

  private async request(what: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (err) {
      this.log(`${what} failed: ${message(err)}`);
    }
  }

  private refresh(): void {
    this.parts.tray.render();
    this.parts.notifier.tick();
  }
}
