// The recovery drill's third way, in the real window with Chromium's fake camera playing a video of a
// QR code (test/helpers/y4m-qr.ts): the kit's QR code passes the drill, another vault's kit is refused
// and changes nothing, a QR code of anything else is not sent, a refused camera is said plainly, and
// without a camera the way is not offered. The camera is off (every track ended) once a kit is read or
// the user stops it.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { generateHybridIdentity, generateX25519Identity } from '../../src/core/age/index.js';
import { formatRecoveryKit, keyLinesOf } from '../../src/core/keys/recovery-kit.js';
import { qrVideo } from '../helpers/y4m-qr.js';
import { appWithOneChat, completeFirstRun, heading, type SetUpVault } from './first-run-steps.js';
import { type AppUnderTest, launchBrowser, ORIGIN, openApp } from './harness.js';
import { checkScreen } from './screen-check.js';

const SEQUENTIAL = { concurrency: 1, timeout: 180_000 };
const SCAN = 'Scan the QR code with the camera';

/**
 * The page's origin as a secure context, as app:// is in the app (cameras are for secure contexts only;
 * the harness serves the window over http).
 */
const SECURE_ORIGIN = `--unsafely-treat-insecure-origin-as-secure=${ORIGIN}`;
/** Chromium's fake camera, playing the video in `file` (read again each time the camera opens). */
const fakeCamera = (file: string) => [
  SECURE_ORIGIN,
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  `--use-file-for-fake-video-capture=${file}`,
];

/** What the tests read in the page (its DOM as far as they use it; the tests are compiled without DOM types). */
interface InPage {
  navigator: {
    mediaDevices: {
      getUserMedia(constraints: unknown): Promise<Stream>;
      enumerateDevices(): Promise<{ kind: string }[]>;
    };
  };
  document: { querySelector(selector: string): { videoWidth: number; currentTime: number } | null };
  localStorage: { length: number };
  sessionStorage: { length: number };
  DOMException: new (message: string, name: string) => Error;
  /** The camera streams recorded by recordStreams. */
  __streams?: Stream[];
}
interface Stream {
  getTracks(): { kind: string; readyState: string }[];
}

/** Another vault's kit: its key lines, as that vault's QR code holds them. */
async function strangersKeyLines(): Promise<string> {
  const kit = {
    recoveryIdentity: await generateHybridIdentity(),
    indexIdentity: await generateX25519Identity(),
    authKey: Buffer.alloc(32, 9),
  };
  return keyLinesOf(formatRecoveryKit(kit, new Date()));
}

async function openKitCheck(page: Page): Promise<void> {
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await heading(page, 'Settings');
  await page
    .getByRole('region', { name: 'Recovery kit', exact: true })
    .getByRole('button', { name: 'Check my recovery kit' })
    .click();
  await heading(page, 'Check my recovery kit');
}

/** Records the camera streams the page opens from now on (in the page, as __streams). */
async function recordStreams(page: Page): Promise<void> {
  await page.evaluate(() => {
    const page = globalThis as unknown as InPage;
    if (!page.__streams) {
      const devices = page.navigator.mediaDevices;
      const open = devices.getUserMedia.bind(devices);
      devices.getUserMedia = async (constraints) => {
        const stream = await open(constraints);
        page.__streams?.push(stream);
        return stream;
      };
    }
    page.__streams = [];
  });
}

/** The kinds and states of the tracks of every stream recorded so far. */
function trackStates(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    ((globalThis as unknown as InPage).__streams ?? []).flatMap((s) =>
      s.getTracks().map((t) => `${t.kind} ${t.readyState}`),
    ),
  );
}

describe('scanning the recovery kit with the camera', SEQUENTIAL, () => {
  let scratch: string;
  let video: string;
  let browser: Browser;
  let app: AppUnderTest;
  let vault: SetUpVault;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'puddleproof-kit-scan-'));
    video = join(scratch, 'camera.y4m');
    await writeFile(video, qrVideo('https://example.com/not-a-kit'));
    browser = await launchBrowser(fakeCamera(video));
    ({ app, vault } = await appWithOneChat(browser));
  });

  after(async () => {
    await app?.close();
    await browser?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  test('the camera view looks for the code; a QR code of anything else is not sent; Stop turns the camera off', async () => {
    const { page } = app;
    await openKitCheck(page);
    await recordStreams(page);
    await page.getByRole('button', { name: SCAN }).click();
    await page.getByText('Looking for the QR code…', { exact: false }).waitFor();
    const view = page.getByLabel("Camera view: hold your recovery kit's QR code up to the camera");
    // Frames are playing (the fake camera's 640×480 video) while the screen keeps looking.
    await page.waitForFunction(() => {
      const video = (globalThis as unknown as InPage).document.querySelector('video');
      return !!video && video.videoWidth === 640 && video.currentTime > 0.5;
    });
    assert.equal(await view.count(), 1);
    assert.deepEqual(await trackStates(page), ['video live'], 'video only, no microphone');
    assert.ok(
      await page.getByRole('button', { name: 'Stop the camera' }).evaluate((b) => b.matches(':focus')),
    );
    await checkScreen(page, 'kit-check-scanning');
    assert.equal(await page.getByRole('alert').count(), 0, 'nothing was sent to the check');
    assert.equal((await app.engine.call('kit:drill', undefined)).lastCheckedAt, null);

    await page.getByRole('button', { name: 'Stop the camera' }).click();
    await view.waitFor({ state: 'detached' });
    assert.deepEqual(await trackStates(page), ['video ended']);
    await page.getByRole('button', { name: SCAN }).waitFor();
    assert.ok(
      await page.getByRole('button', { name: SCAN }).evaluate((b) => b.matches(':focus')),
      'focus is back on the button that started the camera',
    );
  });

  test("the kit's QR code passes the drill, and the camera is off once it is read", async () => {
    const { page } = app;
    await writeFile(video, qrVideo(keyLinesOf(vault.kitText)));
    await recordStreams(page);
    await page.getByRole('button', { name: SCAN }).click();
    await page.getByText('Recovery kit checked: it opened your newest backup of Dana — WhatsApp.').waitFor();
    assert.deepEqual(await trackStates(page), ['video ended']);
    assert.equal(await page.locator('video').count(), 0, 'the camera view is gone');
    const drill = await app.engine.call('kit:drill', undefined);
    assert.notEqual(drill.lastCheckedAt, null);
    // The drill does not load the kit for restores, and the window keeps nothing of it.
    assert.equal((await app.engine.call('kit:status', undefined)).loaded, false);
    assert.equal(
      await page.evaluate(() => {
        const page = globalThis as unknown as InPage;
        return page.localStorage.length + page.sessionStorage.length;
      }),
      0,
    );
    assert.equal(await page.getByLabel("Or paste the kit's text").inputValue(), '');
    await checkScreen(page, 'kit-check-scanned');
  });

  test("another vault's kit is refused in plain words and changes nothing", async () => {
    const { page } = app;
    const before = await readFile(join(app.home, 'kit-checked.json'), 'utf8');
    const { lastCheckedAt } = await app.engine.call('kit:drill', undefined);
    await writeFile(video, qrVideo(await strangersKeyLines()));
    await recordStreams(page);
    await page.getByRole('button', { name: SCAN }).click();
    const problem = page.getByRole('alert');
    await problem.getByText('That kit did not pass the check').waitFor();
    assert.match(await problem.innerText(), /belongs to another vault/);
    assert.match(await problem.innerText(), /Nothing was changed/);
    assert.equal(await page.getByText('Recovery kit checked', { exact: false }).count(), 0);
    assert.deepEqual(await trackStates(page), ['video ended']);
    assert.equal((await app.engine.call('kit:drill', undefined)).lastCheckedAt, lastCheckedAt);
    assert.equal(await readFile(join(app.home, 'kit-checked.json'), 'utf8'), before);
    // The other ways stay.
    await page.getByRole('button', { name: 'Open the kit file…' }).waitFor();
    await page.getByLabel("Or paste the kit's text").waitFor();
  });

  test('a camera Puddleproof may not use: a plain message, and the other ways stay', async () => {
    const { page } = app;
    // As the browser answers when the user or the system refuses the camera.
    await page.evaluate(() => {
      const page = globalThis as unknown as InPage;
      page.navigator.mediaDevices.getUserMedia = () =>
        Promise.reject(new page.DOMException('Permission denied', 'NotAllowedError'));
    });
    await page.getByRole('button', { name: SCAN }).click();
    const problem = page.getByRole('alert');
    await problem.getByText('The camera did not work').waitFor();
    assert.match(await problem.innerText(), /Puddleproof was not allowed to use the camera\./);
    assert.match(await problem.innerText(), /Open the kit file or paste its text instead\./);
    assert.equal(await page.locator('video').count(), 0);
    await page.getByRole('button', { name: 'Open the kit file…' }).waitFor();
    await page.getByLabel("Or paste the kit's text").waitFor();
    await checkScreen(page, 'kit-check-camera-refused');
    assert.deepEqual(app.problems, []);
  });
});

describe('without a camera', SEQUENTIAL, () => {
  let browser: Browser;
  let app: AppUnderTest;

  before(async () => {
    browser = await launchBrowser([SECURE_ORIGIN]);
    app = await openApp(browser, { device: 'sam' });
    await completeFirstRun(app);
  });

  after(async () => {
    await app?.close();
    await browser?.close();
  });

  test('the camera is not offered; loading and pasting the kit are', async () => {
    const { page } = app;
    await openKitCheck(page);
    const kinds = await page.evaluate(async () =>
      (await (globalThis as unknown as InPage).navigator.mediaDevices.enumerateDevices()).map((d) => d.kind),
    );
    assert.ok(!kinds.includes('videoinput'), `no camera here: ${kinds.join(', ')}`);
    // The screen has listed the devices too (its listing started first) and rendered since: typing
    // re-renders it after that.
    await page.getByLabel("Or paste the kit's text").fill('x');
    await page.getByRole('button', { name: 'Check the pasted kit' }).and(page.locator(':enabled')).waitFor();
    assert.equal(await page.getByRole('button', { name: SCAN }).count(), 0);
    await page.getByRole('button', { name: 'Open the kit file…' }).waitFor();
    assert.deepEqual(app.problems, []);
  });
});
