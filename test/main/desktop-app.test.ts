// DesktopApp: first run opens the window, later runs stay in the tray; status events reach the tray,
// the notifier and the window; a crash is shown and recovered from; the tray's menu works; quit stops
// the engine first. The tray service and notifier are the real ones; the tray icon, window and engine
// are recording stand-ins (engine crashes on demand; the wiring test runs the real engine process).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DesktopApp } from '../../src/main/desktop-app.js';
import { type DesktopNotification, Notifier } from '../../src/main/notifier.js';
import { TrayService } from '../../src/main/tray/tray-service.js';
import { WindowNavigation } from '../../src/main/window-navigation.js';
import type { SetupState } from '../../src/shared/api.js';
import type { EngineStatus } from '../../src/shared/status.js';
import { RecordingEngine, SETTINGS } from './helpers/recording-engine.js';

const NOW = Date.parse('2026-11-26T18:00:00Z');
const IDLE: EngineStatus = {
  state: { kind: 'idle' },
  lastBackupBySource: { Alice: '2026-11-26T17:55:00Z' },
  pending: [],
};
const NEEDS_SETUP: SetupState = {
  stage: 'needsSetup',
  defaultWatchDir: '/w',
  cloudFolders: [],
  pendingKit: false,
};

/** An engine that can also be started, stopped and made to fail starting. */
class StartableEngine extends RecordingEngine {
  readonly lifecycle: string[] = [];
  startError: Error | null = null;
  async start() {
    this.lifecycle.push('start');
    if (this.startError) throw this.startError;
  }
  async stop() {
    this.lifecycle.push('stop');
  }
}

function setUp(setup: SetupState = { stage: 'ready' }) {
  let setupState = setup;
  /** The drill as the engine answers it (not due by default); the profile's remembered period. */
  const drill = { due: false, period: 'never', reminded: null as string | null };
  const engine = new StartableEngine({
    'engine:kitReminder': () => ({
      due: drill.due,
      period: drill.period,
      shown: drill.reminded === drill.period,
    }),
    'engine:kitReminderShown': ({ period }) => {
      drill.reminded = period;
    },
    'setup:state': () => setupState,
    'status:get': () => IDLE,
    'settings:get': () => SETTINGS,
    'backup:now': () => undefined,
    'watching:pause': () => undefined,
    'watching:resume': () => undefined,
  });
  const trayCalls: string[] = [];
  let menuLabels: string[] = [];
  const windowCalls: string[] = [];
  const forwarded: [string, unknown][] = [];
  const notifications: DesktopNotification[] = [];
  const log: string[] = [];
  const loginItem: boolean[] = [];
  let exits = 0;
  /** Whether the window is open and its page loaded (main can then tell it a view at once). */
  const page = { loaded: false };
  const window = { show: () => windowCalls.push('show') };
  const navigation = new WindowNavigation({
    window,
    send: (view) => page.loaded && forwarded.push(['window:open', view]) > 0,
  });
  const tray = new TrayService({
    tray: {
      setImage: (image: string) => trayCalls.push(image),
      setToolTip: (tip: string) => trayCalls.push(tip),
      setContextMenu: (menu: string[] | null) => {
        menuLabels = menu ?? [];
      },
    },
    buildMenu: (template) => template.map((item) => item.label ?? '-'),
    iconPath: (state) => state,
    onAction: (action) => desktop.trayAction(action),
    now: () => NOW,
  });
  const desktop = new DesktopApp({
    engine,
    window,
    navigation,
    tray,
    notifier: new Notifier({ show: (n) => notifications.push(n), now: () => NOW }),
    forwardToWindow: (event, payload) => forwarded.push([event, payload]),
    exit: () => exits++,
    setStartAtLogin: (enabled) => loginItem.push(enabled),
    log: (line) => log.push(line),
    refreshMs: 60_000,
  });
  return {
    desktop,
    engine,
    windowCalls,
    forwarded,
    notifications,
    log,
    loginItem,
    exits: () => exits,
    tooltip: () => trayCalls.filter((c) => c.startsWith('Puddleproof')).at(-1),
    icon: () => trayCalls.filter((c) => !c.startsWith('Puddleproof')).at(-1),
    menu: () => menuLabels,
    finishSetup: () => (setupState = { stage: 'ready' }),
    drill,
    page,
    navigation,
  };
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('starting', () => {
  test('after setup: the engine starts, the tray shows its status, no window opens', async (t) => {
    const app = setUp();
    t.after(() => app.desktop.quit());
    await app.desktop.start();
    assert.deepEqual(app.engine.lifecycle, ['start']);
    assert.deepEqual(app.windowCalls, []);
    assert.equal(app.icon(), 'idle');
    assert.equal(app.tooltip(), 'Puddleproof: Last backup 5 min ago');
    assert.deepEqual(app.engine.methods().sort(), [
      'engine:kitReminder',
      'settings:get',
      'setup:state',
      'status:get',
    ]);
    assert.deepEqual(app.loginItem, [false], 'the login item follows the saved setting at start');
    app.desktop.settingsChanged({ ...SETTINGS, startAtLogin: true });
    assert.deepEqual(app.loginItem, [false, true]);
  });

  test('first run: the window opens for setup; the tray offers backups once setup is done', async (t) => {
    const app = setUp(NEEDS_SETUP);
    t.after(() => app.desktop.quit());
    await app.desktop.start();
    assert.deepEqual(app.windowCalls, ['show']);
    assert.equal(app.icon(), 'attention');
    assert.equal(app.menu()[0], 'Setup not finished');
    app.finishSetup();
    app.desktop.engineEvent('status:changed', IDLE);
    await settle();
    await settle();
    assert.equal(app.icon(), 'idle');
    assert.equal(app.menu()[0], 'Last backup 5 min ago');
  });

  test('an engine that does not start opens the window and is logged', async (t) => {
    const app = setUp();
    t.after(() => app.desktop.quit());
    app.engine.startError = new Error(
      'The engine stopped unexpectedly (exit code 1); it is being restarted.',
    );
    await app.desktop.start();
    assert.deepEqual(app.windowCalls, ['show']);
    assert.match(app.log.join('\n'), /the engine did not start: The engine stopped unexpectedly/);
    assert.equal(app.icon(), 'attention');
    assert.match(
      app.tooltip() ?? '',
      /^Puddleproof: The backup engine stopped \(The engine stopped unexpectedly/,
    );
  });
});

describe('engine events', () => {
  test('every event goes to the window; status changes also reach the tray and notifier', async (t) => {
    const app = setUp();
    t.after(() => app.desktop.quit());
    await app.desktop.start();
    const failed: EngineStatus = {
      ...IDLE,
      state: {
        kind: 'error',
        exportName: 'Alice',
        message: 'The zip is damaged.',
        action: 'Export it again.',
      },
    };
    app.desktop.engineEvent('status:changed', failed);
    app.desktop.engineEvent('restore:progress', {
      runId: 'run-0123456789abcdef',
      doneBytes: 1,
      totalBytes: 2,
    });
    assert.deepEqual(
      app.forwarded.map(([event]) => event),
      ['status:changed', 'restore:progress'],
    );
    assert.equal(app.icon(), 'attention');
    assert.deepEqual(
      app.notifications.map((n) => n.title),
      ['Backup of Alice failed'],
    );
  });

  test('a crash shows why in the tray and a notification, and clears once the engine is back', async (t) => {
    const app = setUp();
    t.after(() => app.desktop.quit());
    await app.desktop.start();
    const reason = 'The engine stopped unexpectedly (it was killed); it is being restarted.';
    app.desktop.engineCrashed(reason);
    assert.equal(app.icon(), 'attention');
    assert.equal(app.tooltip(), `Puddleproof: The backup engine stopped (${reason})`);
    assert.deepEqual(
      app.notifications.map((n) => n.body),
      [reason],
    );
    await settle();
    await settle();
    assert.equal(app.icon(), 'idle');
    assert.deepEqual(app.engine.lifecycle, ['start', 'start']);
  });
});

describe('the tray menu', () => {
  test('Back up now, Pause and Resume reach the engine; Open shows the window', async (t) => {
    const app = setUp();
    t.after(() => app.desktop.quit());
    await app.desktop.start();
    app.engine.calls.length = 0;
    app.desktop.trayAction('backupNow');
    app.desktop.trayAction('toggleWatching');
    await settle();
    assert.equal(app.icon(), 'paused');
    assert.equal(app.menu()[3], 'Resume watching');
    app.desktop.trayAction('toggleWatching');
    await settle();
    assert.equal(app.menu()[3], 'Pause watching');
    app.desktop.trayAction('open');
    assert.deepEqual(app.engine.methods(), ['backup:now', 'watching:pause', 'watching:resume']);
    assert.deepEqual(app.windowCalls, ['show']);
  });

  test('Quit stops the engine, then exits, once', async () => {
    const app = setUp();
    await app.desktop.start();
    assert.equal(app.desktop.hasStopped, false);
    app.desktop.trayAction('quit');
    await app.desktop.quit();
    assert.deepEqual(app.engine.lifecycle, ['start', 'stop']);
    assert.equal(app.exits(), 1);
    assert.equal(app.desktop.hasStopped, true);
  });
});

describe('settings', () => {
  test('notifyOnSuccess and paused follow the settings', async (t) => {
    const app = setUp();
    t.after(() => app.desktop.quit());
    await app.desktop.start();
    app.desktop.engineEvent('status:changed', {
      ...IDLE,
      lastBackupBySource: { Alice: '2026-11-26T18:00:00Z' },
    });
    assert.deepEqual(
      app.notifications.map((n) => n.kind),
      ['backedUp'],
    );
    app.desktop.settingsChanged({ ...SETTINGS, paused: true, notifyOnSuccess: false });
    assert.equal(app.icon(), 'paused');
  });
});

describe('the recovery drill', () => {
  test('due: a quiet badge and a menu line, and one notification, remembered in the profile', async (t) => {
    const app = setUp();
    t.after(() => app.desktop.quit());
    app.drill.due = true;
    app.drill.period = '2026-08-01T10:00:00.000Z';
    await app.desktop.start();
    assert.equal(app.icon(), 'reminder');
    assert.deepEqual(app.menu().slice(0, 2), ['Last backup 5 min ago', 'Time to check your recovery kit…']);
    assert.deepEqual(
      app.notifications.map((n) => [n.kind, n.title]),
      [['kitCheckDue', 'Time to check your recovery kit']],
    );
    assert.equal(app.drill.reminded, '2026-08-01T10:00:00.000Z', 'the engine was told to remember it');
    // Read again and again (the hourly poll, a settings change): no second notification.
    for (let i = 0; i < 5; i++) await app.desktop.kitDrillChanged();
    app.desktop.settingsChanged({ ...SETTINGS, kitCheckMonths: 1 });
    await app.desktop.kitDrillChanged();
    assert.equal(app.notifications.length, 1);
    // The menu line opens the window: closed, it is shown and asks for Recovery kit as it starts (once).
    app.desktop.trayAction('checkKit');
    assert.deepEqual(app.windowCalls, ['show']);
    assert.deepEqual(app.forwarded, []);
    assert.equal(app.navigation.take(), 'recoveryKit');
    assert.equal(app.navigation.take(), null);
    // The kit checked: the badge goes.
    app.drill.due = false;
    app.drill.period = '2026-11-26T17:59:00.000Z';
    await app.desktop.kitDrillChanged();
    assert.equal(app.icon(), 'idle');
    assert.equal(app.menu()[1], '-');
  });

  test('the menu line and the notification open an open window at Settings → Recovery kit', async (t) => {
    const app = setUp();
    t.after(() => app.desktop.quit());
    app.drill.due = true;
    await app.desktop.start();
    app.page.loaded = true;
    app.desktop.trayAction('checkKit');
    assert.deepEqual(app.forwarded, [['window:open', 'recoveryKit']]);
    assert.deepEqual(app.windowCalls, ['show']);
    assert.equal(app.navigation.take(), null, 'told at once: nothing left for the window to ask for');
    const [reminder] = app.notifications;
    assert.equal(reminder?.kind, 'kitCheckDue');
    app.desktop.notificationClicked('kitCheckDue');
    assert.deepEqual(app.forwarded.at(-1), ['window:open', 'recoveryKit']);
    assert.equal(app.forwarded.length, 2);
    // Other notifications and "Open Puddleproof" just show the window where it was.
    app.desktop.notificationClicked('backupFailed');
    app.desktop.trayAction('open');
    assert.equal(app.forwarded.length, 2);
    assert.deepEqual(app.windowCalls, ['show', 'show', 'show', 'show']);
  });

  test('a restart in a period already reminded of: the badge, no notification', async (t) => {
    const app = setUp();
    t.after(() => app.desktop.quit());
    Object.assign(app.drill, { due: true, period: 'never', reminded: 'never' });
    await app.desktop.start();
    assert.equal(app.icon(), 'reminder');
    assert.deepEqual(app.notifications, []);
    assert.equal(app.engine.methods().includes('engine:kitReminderShown'), false);
  });

  test('a new interval is read at once; before setup the drill is not asked', async (t) => {
    const app = setUp(NEEDS_SETUP);
    t.after(() => app.desktop.quit());
    await app.desktop.start();
    await app.desktop.kitDrillChanged();
    assert.equal(app.engine.methods().includes('engine:kitReminder'), false);

    const ready = setUp();
    t.after(() => ready.desktop.quit());
    await ready.desktop.start();
    ready.drill.due = true;
    ready.desktop.settingsChanged({ ...SETTINGS, kitCheckMonths: 1 });
    await ready.desktop.kitDrillChanged();
    assert.equal(ready.icon(), 'reminder');
    assert.equal(ready.notifications.length, 1);
  });
});
