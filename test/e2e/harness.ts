// The window under test: the BUILT renderer (dist/renderer) served from a fixed origin with the
// production Content-Security-Policy, in Debian's Chromium driven by playwright-core. window.puddleproof
// is made by the same createApi the preload uses; its transport calls the real dispatcher of main
// (src/main/ipc-dispatch.ts) with the real EngineService in this process, temporary folders and the
// real OS keychain. Only the native dialogs are a stand-in (native-dialogs-stand-in.ts).
import { access, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import keytar from '@github/keytar';
import { build } from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';
import { EngineService } from '../../src/core/app/engine-service.js';
import { keychainService, loadSettings } from '../../src/core/profile.js';
import { createDispatcher } from '../../src/main/ipc-dispatch.js';
import { CONTENT_SECURITY_POLICY } from '../../src/shared/csp.js';
import type { EventName, Events } from '../../src/shared/ipc-contract.js';
import { restoreHold } from '../helpers/restore-hold.js';
import { NativeDialogsStandIn } from './native-dialogs-stand-in.js';

/** The page's origin (served by the route below; nothing goes to the network). */
export const ORIGIN = 'http://puddleproof.test';
const RENDERER = new URL('../../dist/renderer/', import.meta.url).pathname;
const BRIDGE = new URL('./page-bridge.ts', import.meta.url).pathname;
const CHROMIUM = '/usr/bin/chromium';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

let bridgeScript: Promise<string> | undefined;

/** The page bridge as one small script (esbuild, like the preload bundle). */
function pageBridge(): Promise<string> {
  bridgeScript ??= build({
    entryPoints: [BRIDGE],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'warning',
  }).then((r) => r.outputFiles[0]?.text ?? '');
  return bridgeScript;
}

/**
 * Debian's Chromium, headless (never a downloaded browser), with any extra command-line `args` (a fake
 * camera, say); the window must have been built.
 */
export async function launchBrowser(args: string[] = []): Promise<Browser> {
  await access(join(RENDERER, 'index.html')).catch(() => {
    throw new Error(`${RENDERER} has no built window: run \`npm run build\` first (npm run test:e2e does).`);
  });
  await access(CHROMIUM).catch(() => {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium).`);
  });
  return chromium.launch({ executablePath: CHROMIUM, args });
}

export interface AppOptions {
  /** The temporary world to use (shared by several devices of one vault); a new one by default. */
  root?: string;
  /** This device's name in its profile folder (one PUDDLEPROOF_HOME each). */
  device?: string;
  /** Folders setup finds as cloud folders, under the machine's home (created). */
  cloudFolders?: ('Dropbox' | 'OneDrive' | 'Google Drive')[];
}

/** One device's window with its engine, its temporary folders and what went wrong in the page. */
export interface AppUnderTest {
  page: Page;
  engine: EngineService;
  dialogs: NativeDialogsStandIn;
  root: string;
  /** PUDDLEPROOF_HOME of this device. */
  home: string;
  /** The machine's home folder as setup sees it (the default watch folder is in it). */
  userHome: string;
  /** Console errors, page errors and CSP violations seen so far. */
  problems: string[];
  /** Resolves with the next event of `name` matching `match` the engine emits. */
  nextEvent<E extends EventName>(name: E, match?: (payload: Events[E]) => boolean): Promise<Events[E]>;
  /**
   * Holds every restore that starts from now on before it reads a pack (it has reported progress 0), until
   * the returned function is called: a restore to cancel is then certainly still running.
   */
  holdRestores(): () => void;
  close(): Promise<void>;
}

/** Serves dist/renderer at ORIGIN with the CSP header; every other request is refused. */
async function serveRenderer(page: Page): Promise<void> {
  await page.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.origin !== ORIGIN) return route.abort('blockedbyclient');
    const path = normalize(
      join(RENDERER, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)),
    );
    if (!path.startsWith(RENDERER)) return route.fulfill({ status: 400 });
    const body = await readFile(path).catch(() => null);
    if (!body) return route.fulfill({ status: 404, body: 'Not found' });
    return route.fulfill({
      status: 200,
      body,
      headers: {
        'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
      },
    });
  });
}

/** Opens the window of one device (a fresh profile) and loads the page. */
export async function openApp(browser: Browser, options: AppOptions = {}): Promise<AppUnderTest> {
  const root = options.root ?? (await mkdtemp(join(tmpdir(), 'puddleproof-window-')));
  const device = options.device ?? 'device-a';
  const home = join(root, device, 'profile');
  const userHome = join(root, device, 'user');
  await mkdir(home, { recursive: true });
  for (const folder of options.cloudFolders ?? ['Dropbox'])
    await mkdir(join(userHome, folder), { recursive: true });

  const problems: string[] = [];
  const waiters: { name: EventName; match: (p: never) => boolean; resolve: (p: never) => void }[] = [];
  let page: Page | undefined;
  const restores = restoreHold();
  const engine = new EngineService({
    home,
    beforeRestorePlacing: restores.wait,
    places: { home: userHome, env: {}, platform: 'linux' },
    progressIntervalMs: 0,
    emit(event, payload) {
      for (const w of waiters.filter((w) => w.name === event && w.match(payload as never))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(payload as never);
      }
      // As main forwards events to the window: the page's subscribers get the payload only.
      page
        ?.evaluate(
          ([e, p]) =>
            (
              globalThis as unknown as { __puddleproofEvent(e: unknown, p: unknown): void }
            ).__puddleproofEvent(e, p),
          [event, payload] as const,
        )
        .catch(() => {});
    },
  });
  await engine.start();
  const dialogs = new NativeDialogsStandIn();
  const dispatch = createDispatcher({
    engine,
    dialogs: dialogs.dialogs,
    showItemInFolder: dialogs.showItemInFolder,
    setStartAtLogin: dialogs.setStartAtLogin,
  });

  const context = await browser.newContext({ viewport: { width: 800, height: 600 }, colorScheme: 'light' });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await context.exposeBinding('__puddleproofInvoke', (_source, channel: string, payload: unknown) =>
    dispatch(channel, payload),
  );
  await context.addInitScript(await pageBridge());
  await context.addInitScript(() => {
    type Violation = { violatedDirective: string; blockedURI: string };
    const page = globalThis as unknown as {
      addEventListener(type: string, listener: (e: Violation) => void): void;
    };
    page.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await serveRenderer(page);
  await page.goto(`${ORIGIN}/index.html`);

  return {
    page,
    engine,
    dialogs,
    root,
    home,
    userHome,
    problems,
    nextEvent(name, match = () => true) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${name}`)), 60_000);
        waiters.push({
          name,
          match: match as (p: never) => boolean,
          resolve: (p) => {
            clearTimeout(timer);
            resolve(p);
          },
        });
      });
    },
    holdRestores: restores.hold,
    async close() {
      await context.close();
      await engine.stop();
      const settings = await loadSettings(home).catch(() => null);
      if (settings) {
        const service = keychainService(settings);
        for (const { account } of await keytar.findCredentials(service))
          await keytar.deletePassword(service, account);
      }
      if (!options.root) await rm(root, { recursive: true, force: true });
    },
  };
}
