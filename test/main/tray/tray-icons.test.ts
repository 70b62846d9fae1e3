// Every icon the tray can name exists in assets/ at the size Electron expects (16 px, and 32 px as
// @2x), template images are black and alpha only, and the committed files are what
// scripts/make-icons.mjs draws today.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { TRAY_ICON_STATES, trayIconPath } from '../../../src/main/tray/tray-icons.js';

const root = new URL('../../../', import.meta.url).pathname;
const assets = join(root, 'assets');

async function readPng(path: string): Promise<PNG> {
  return PNG.sync.read(await readFile(path));
}

test('each tray state has its icon on every platform, at 16 px and 32 px (@2x)', async () => {
  let checked = 0;
  for (const platform of ['linux', 'win32', 'darwin'] as const) {
    for (const state of TRAY_ICON_STATES) {
      const path = trayIconPath(assets, state, platform);
      const base = await readPng(path);
      assert.deepEqual([base.width, base.height], [16, 16], path);
      const retina = await readPng(path.replace(/\.png$/, '@2x.png'));
      assert.deepEqual([retina.width, retina.height], [32, 32], path);
      checked++;
    }
  }
  assert.equal(checked, TRAY_ICON_STATES.length * 3);
  assert.ok(TRAY_ICON_STATES.includes('reminder'), 'the drill reminder has its icon');
});

test('macOS template images are black with alpha; the coloured ones are not', async () => {
  for (const state of TRAY_ICON_STATES) {
    for (const file of [`tray-${state}Template.png`, `tray-${state}Template@2x.png`]) {
      const { data } = await readPng(join(assets, file));
      let opaque = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 0) continue;
        opaque++;
        assert.deepEqual([data[i], data[i + 1], data[i + 2]], [0, 0, 0], `${file} pixel ${i / 4}`);
      }
      assert.ok(opaque > 20, `${file} draws something`);
    }
    const { data } = await readPng(join(assets, `tray-${state}.png`));
    assert.ok(
      data.some((v, i) => i % 4 !== 3 && v > 0),
      `tray-${state}.png has colour`,
    );
  }
});

test('the states look different from each other', async () => {
  const images = await Promise.all(TRAY_ICON_STATES.map((s) => readFile(join(assets, `tray-${s}@2x.png`))));
  assert.equal(new Set(images.map((b) => b.toString('base64'))).size, TRAY_ICON_STATES.length);
});

test('the app icon is 1024×1024', async () => {
  const icon = await readPng(join(assets, 'icon.png'));
  assert.deepEqual([icon.width, icon.height], [1024, 1024]);
});

test('the committed icons are exactly what make-icons.mjs draws', async () => {
  const out = await mkdtemp(join(tmpdir(), 'puddleproof-icons-'));
  try {
    execFileSync(process.execPath, [join(root, 'scripts', 'make-icons.mjs'), out]);
    const drawn = (await readdir(out)).sort();
    const committed = (await readdir(assets)).filter((n) => n.endsWith('.png')).sort();
    assert.deepEqual(committed, drawn);
    for (const name of drawn) {
      assert.ok((await readFile(join(out, name))).equals(await readFile(join(assets, name))), name);
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
