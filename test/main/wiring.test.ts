// The built main entry (dist/main/main.js) in a Node child process where `electron` is a recording
// STAND-IN (test/main/electron-stand-in/), with the real engine process, a temporary profile and the
// real keychain: lock, privileged scheme and protocol, hardened session, tray, secure window, one IPC
// handler per contract channel, the engine; a second instance focuses the window; a crash is shown
// and the engine restarted; Quit stops the engine; a set-up profile starts to the tray.
import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { initVault } from '../../src/core/device.js';
import { deleteVaultSecrets } from '../../src/core/keys/vault-secrets.js';
import { APP_ENTRY_URL } from '../../src/main/app-url.js';
import { windowOptions } from '../../src/main/window.js';
import { CONTENT_SECURITY_POLICY } from '../../src/shared/csp.js';
import { requestSchemas } from '../../src/shared/ipc-contract.js';
import { alive } from './helpers/process-alive.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(root, 'dist/main/main.js');
const REGISTER = join(root, 'test/main/electron-stand-in/register.mjs');

/** What the stand-in recorded (see electron-stand-in/electron.ts). */
interface Report {
  sandboxEnabled: boolean;
  lockRequested: boolean;
  privilegedSchemes: { scheme: string; privileges: Record<string, boolean> }[];
  schemesRegisteredBeforeReady: boolean;
  handledSchemes: string[];
  ipcChannels: string[];
  windows: {
    options: ReturnType<typeof windowOptions>;
    url: string;
    shows: number;
    focuses: number;
    sent: string[];
  }[];
  trays: { image: string; tooltip: string; tooltips: string[]; menu: { id?: string; label?: string }[] }[];
  notifications: { title: string; body: string }[];
  forks: { modulePath: string; serviceName?: string; pid?: number; exitCode?: number | null }[];
  session: {
    permissionRequest: boolean;
    permissionCheck: boolean;
    devicePermission: boolean;
    blocked: string[];
  };
  appListeners: string[];
  quitRequests: number;
  loginItems: unknown[];
}

/** The built main entry running against the stand-in, driven over the Node IPC channel. */
class MainUnderTest {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    (reply: { ok: boolean; value?: unknown; message?: string }) => void
  >();
  readonly exited: Promise<number | null>;

  constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: { id: number; ok: boolean }) => this.waiting.get(reply.id)?.(reply));
    this.exited = new Promise((resolve) =>
      child.on('exit', (code) => {
        // Questions still waiting get no answer from a process that is gone.
        for (const answer of this.waiting.values())
          answer({ ok: false, message: `main exited (code ${code})` });
        resolve(code);
      }),
    );
  }

  static launch(home: string, env: NodeJS.ProcessEnv = {}): MainUnderTest {
    const child = fork(MAIN, [], {
      execArgv: ['--import', 'tsx', '--import', REGISTER],
      env: { ...process.env, PUDDLEPROOF_HOME: home, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new MainUnderTest(child);
  }

  async ask<T = unknown>(command: string, extra: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    assert.ok(
      this.child.exitCode === null && this.child.signalCode === null,
      `main has exited; cannot ask ${command}`,
    );
    const reply = await new Promise<{ ok: boolean; value?: unknown; message?: string }>((resolve) => {
      this.waiting.set(id, resolve);
      this.child.send({ id, command, ...extra });
    });
    this.waiting.delete(id);
    assert.ok(reply.ok, reply.message);
    return reply.value as T;
  }

  report(): Promise<Report> {
    return this.ask<Report>('report');
  }

  /** Polls the record until `ready` holds (or fails after 20 s, naming `what`). */
  async waitFor(what: string, ready: (r: Report) => boolean): Promise<Report> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const report = await this.report();
      if (ready(report)) return report;
      assert.ok(Date.now() < deadline, `timed out waiting for ${what}: ${JSON.stringify(report)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** The test runs the built main; a build older than its sources would test stale code. */
before(async () => {
  const built = await stat(MAIN).catch(() => null);
  assert.ok(built, `${MAIN} is missing: run \`node scripts/build.mjs\` first`);
  for (const layer of ['src/main', 'src/shared', 'src/core/app']) {
    for (const entry of await readdir(join(root, layer), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const path = join(entry.parentPath, entry.name);
      assert.ok(
        (await stat(path)).mtimeMs <= built.mtimeMs,
        `${path} changed after the build: run \`node scripts/build.mjs\``,
      );
    }
  }
});

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'puddleproof-wiring-'));
});
after(() => rm(scratch, { recursive: true, force: true }));

describe('first run', () => {
  let main: MainUnderTest;
  let report: Report;

  before(async () => {
    main = MainUnderTest.launch(join(scratch, 'first-run'));
    report = await main.waitFor('the window and the tray', (r) => (r.windows[0]?.shows ?? 0) > 0);
  });
  after(() => main.kill());

  test('takes the single-instance lock and enables the sandbox for every renderer', () => {
    assert.equal(report.lockRequested, true);
    assert.equal(report.sandboxEnabled, true);
  });

  test('declares app:// standard and secure before ready, and serves the renderer on it with the CSP', async () => {
    assert.equal(report.schemesRegisteredBeforeReady, true);
    assert.deepEqual(
      report.privilegedSchemes.map((s) => [s.scheme, s.privileges.standard, s.privileges.secure]),
      [['app', true, true]],
    );
    assert.deepEqual(report.handledSchemes, ['app']);
    const page = await main.ask<{ status: number; csp: string; body: string }>('fetch', {
      url: APP_ENTRY_URL,
    });
    assert.equal(page.status, 200);
    assert.equal(page.csp, CONTENT_SECURITY_POLICY);
    assert.equal(page.body, await readFile(join(root, 'dist/renderer/index.html'), 'utf8'));
    const outside = await main.ask<{ status: number; body: string }>('fetch', {
      url: 'app://puddleproof/..%2f..%2fpackage.json',
    });
    assert.notEqual(outside.status, 200);
    assert.ok(!outside.body.includes('"name": "puddleproof"'));
  });

  test('hardens the default session: permissions denied, network and file requests blocked', () => {
    assert.deepEqual(report.session, {
      permissionRequest: true,
      permissionCheck: true,
      devicePermission: true,
      blocked: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'ftp://*/*', 'file://*/*'],
    });
  });

  test('opens one secure window on our app:// page, with the built preload', () => {
    assert.equal(report.windows.length, 1);
    const [window] = report.windows;
    assert.ok(window);
    const preload = join(root, 'dist/preload/preload.cjs');
    assert.deepEqual(window.options, windowOptions(preload, join(root, 'assets/icon.png')));
    assert.ok(existsSync(preload), 'the preload the window names exists');
    assert.equal(window.url, APP_ENTRY_URL);
    assert.equal(window.shows, 1);
  });

  test('registers one handler for every contract channel', () => {
    assert.deepEqual([...report.ipcChannels].sort(), Object.keys(requestSchemas).sort());
  });

  test('forks the real engine; requests from our window reach it, others are refused', async () => {
    assert.equal(report.forks.length, 1);
    assert.equal(report.forks[0]?.modulePath, join(root, 'dist/core/app/engine-process.js'));
    assert.ok(existsSync(report.forks[0]?.modulePath ?? ''));
    const state = await main.ask<{ ok: boolean; value: { stage: string } }>('invoke', {
      channel: 'setup:state',
    });
    assert.equal(state.ok, true);
    assert.equal(state.value.stage, 'needsSetup');
    const foreign = await main.ask<{ ok: boolean }>('invoke', {
      channel: 'setup:state',
      url: 'https://evil.example/',
    });
    assert.equal(foreign.ok, false);
  });

  test('shows the tray, asking to finish setup, with an icon from assets/', () => {
    const [tray] = report.trays;
    assert.ok(tray);
    assert.equal(tray.image, join(root, 'assets/tray-attention.png'));
    assert.ok(existsSync(tray.image));
    assert.equal(tray.tooltip, 'Puddleproof: Setup not finished');
    assert.deepEqual(
      tray.menu.map((i) => i.label),
      [
        'Setup not finished',
        undefined,
        'Back up now',
        'Pause watching',
        undefined,
        'Open Puddleproof',
        'Quit',
      ],
    );
  });

  test('a second launch focuses the window; closing it keeps the app in the tray; a launch reopens it', async () => {
    const focused = await main.ask<Report>('secondInstance');
    assert.equal(focused.windows.length, 1, 'no second window');
    assert.equal(focused.windows[0]?.focuses, 1);
    const closed = await main.ask<Report>('closeWindow');
    assert.equal(closed.quitRequests, 0, 'closing the window did not quit');
    assert.equal(closed.trays.length, 1);
    const reopened = await main.ask<Report>('secondInstance');
    assert.equal(reopened.windows.length, 2, 'a new window opened');
    await main.waitFor('the new window to show', (r) => r.windows[1]?.shows === 1);
  });

  test('an engine crash is shown in the tray and a notification, and the engine restarts', async () => {
    const pid = report.forks[0]?.pid;
    await main.ask('killEngine');
    const later = await main.waitFor(
      'the restarted engine',
      (r) => r.forks.length === 2 && r.notifications.length > 0,
    );
    assert.equal(alive(pid), false);
    assert.match(later.notifications[0]?.body ?? '', /^The engine stopped unexpectedly \(it was killed\)/);
    assert.ok(
      later.trays[0]?.tooltips.some((t) => t.startsWith('Puddleproof: The backup engine stopped')),
      'the tray said why',
    );
    const state = await main.ask<{ ok: boolean }>('invoke', { channel: 'setup:state' });
    assert.equal(state.ok, true, 'the restarted engine answers');
  });

  test('Quit stops the engine, then the app exits', async () => {
    const { forks } = await main.report();
    const engine = forks.at(-1)?.pid;
    assert.equal(alive(engine), true);
    await main.ask('trayClick', { action: 'quit' });
    assert.equal(await main.exited, 0);
    assert.equal(alive(engine), false);
  });
});

describe('later runs', () => {
  test('with setup done: starts to the tray; the menu, events and the login item reach their places', async (t) => {
    const dir = join(scratch, 'set-up');
    await mkdir(join(dir, 'watch'), { recursive: true });
    await mkdir(join(dir, 'cloud'), { recursive: true });
    const device = await initVault({
      home: join(dir, 'home'),
      watchDir: join(dir, 'watch'),
      cloudDir: join(dir, 'cloud'),
      kitPath: join(dir, 'kit.txt'),
    });
    t.after(() => deleteVaultSecrets(device.store));
    const xdg = join(scratch, 'xdg-config');
    const main = MainUnderTest.launch(device.home, { XDG_CONFIG_HOME: xdg });
    t.after(() => main.kill());
    const report = await main.waitFor('the tray to show the engine status', (r) =>
      Boolean(r.trays[0]?.tooltip.includes('No backups yet')),
    );
    assert.equal(report.windows.length, 0);
    assert.equal(report.trays[0]?.image, join(root, 'assets/tray-idle.png'));
    await main.ask('trayClick', { action: 'open' });
    const opened = await main.waitFor(
      'the window',
      (r) => r.windows.length === 1 && r.windows[0]?.shows === 1,
    );
    assert.equal(opened.windows[0]?.url, APP_ENTRY_URL);
    // Pause from the tray: the engine pauses, its status event reaches the window and the tray.
    await main.ask('trayClick', { action: 'toggleWatching' });
    const paused = await main.waitFor(
      'the paused state',
      (r) => r.trays[0]?.image.endsWith('tray-paused.png') === true,
    );
    await main.waitFor('the status event in the window', (r) =>
      Boolean(r.windows[0]?.sent.includes('status:changed')),
    );
    assert.equal(paused.trays[0]?.menu.find((i) => i.id === 'toggleWatching')?.label, 'Resume watching');
    // Start at login, from the window's settings.
    const updated = await main.ask<{ ok: boolean }>('invoke', {
      channel: 'settings:update',
      payload: { startAtLogin: true },
    });
    assert.equal(updated.ok, true);
    // On Linux, start at login is an XDG autostart entry (Electron's login items do nothing there).
    const entry = join(xdg, 'autostart', 'puddleproof.desktop');
    await main.waitFor('the autostart entry', () => existsSync(entry));
    const text = await readFile(entry, 'utf8');
    assert.ok(text.includes(`\nExec="${process.execPath}" "${process.cwd()}"\n`), text);
    assert.deepEqual((await main.report()).loginItems, []);
    await main.ask('quit');
    assert.equal(await main.exited, 0);
  });

  test('a second instance quits at once when the lock is taken', async () => {
    const reportPath = join(scratch, 'second-instance.json');
    const main = MainUnderTest.launch(join(scratch, 'second'), {
      STAND_IN_LOCK_TAKEN: '1',
      STAND_IN_REPORT: reportPath,
    });
    assert.equal(await main.exited, 0);
    const report = JSON.parse(await readFile(reportPath, 'utf8')) as Report;
    assert.equal(report.lockRequested, true);
    assert.equal(report.quitRequests, 1);
    assert.deepEqual(
      [report.windows.length, report.trays.length, report.forks.length, report.ipcChannels.length],
      [0, 0, 0, 0],
    );
  });
});
