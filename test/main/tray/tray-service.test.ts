// The tray service: render() draws the model onto an injected tray and skips what did not change.
// The tray and menu builder are recording stand-ins for Electron's Tray and Menu.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MenuItemConstructorOptions } from 'electron';
import type { TrayAction } from '../../../src/main/tray/tray-model.js';
import { TrayService } from '../../../src/main/tray/tray-service.js';
import type { EngineStatus } from '../../../src/shared/status.js';

const NOW = Date.parse('2026-11-26T18:00:00Z');

function setUp() {
  const calls: string[] = [];
  let menu: MenuItemConstructorOptions[] = [];
  const actions: TrayAction[] = [];
  let now = NOW;
  const tray = {
    setImage: (image: string) => calls.push(`image ${image}`),
    setToolTip: (text: string) => calls.push(`tooltip ${text}`),
    setContextMenu: (built: MenuItemConstructorOptions[] | null) => {
      calls.push('menu');
      menu = built ?? [];
    },
  };
  const service = new TrayService({
    tray,
    buildMenu: (template) => template,
    iconPath: (state) => `/assets/tray-${state}.png`,
    onAction: (action) => actions.push(action),
    now: () => now,
  });
  return {
    service,
    calls,
    actions,
    menu: () => menu,
    advance: (ms: number) => (now += ms),
  };
}

const idle = (last: string): EngineStatus => ({
  state: { kind: 'idle' },
  lastBackupBySource: { Alice: last },
  pending: [],
});

test('before the engine answers, the tray says it is starting and offers no backup', () => {
  const { service, calls, menu } = setUp();
  service.render();
  assert.deepEqual(calls, ['image /assets/tray-idle.png', 'tooltip Puddleproof: Starting…', 'menu']);
  assert.equal(menu().find((i) => i.id === 'backupNow')?.enabled, false);
});

test('the first render sets icon, tooltip and menu; an unchanged render touches nothing', () => {
  const { service, calls } = setUp();
  service.update({ setupDone: true, status: idle('2026-11-26T17:55:00Z') });
  assert.deepEqual(calls, [
    'image /assets/tray-idle.png',
    'tooltip Puddleproof: Last backup 5 min ago',
    'menu',
  ]);
  service.render();
  service.update({ setupDone: true });
  assert.equal(calls.length, 3);
});

test('only the parts that changed are updated', () => {
  const { service, calls, advance } = setUp();
  service.update({ setupDone: true, status: idle('2026-11-26T17:55:00Z') });
  calls.length = 0;
  // Time passes: the text changes, the icon does not.
  advance(60_000);
  service.render();
  assert.deepEqual(calls, ['tooltip Puddleproof: Last backup 6 min ago', 'menu']);
  calls.length = 0;
  service.update({
    status: {
      state: { kind: 'backingUp', exportName: 'Alice', doneBytes: 1, totalBytes: 2, bytesPerSecond: 1 },
      lastBackupBySource: {},
      pending: ['Alice'],
    },
  });
  assert.deepEqual(calls, [
    'image /assets/tray-working.png',
    'tooltip Puddleproof: Backing up Alice — 50%',
    'menu',
  ]);
});

test('menu items carry their labels and state, and clicks reach onAction', () => {
  const { service, menu, actions } = setUp();
  service.update({ setupDone: true, status: idle('2026-11-26T17:55:00Z'), paused: true });
  const items = menu();
  assert.deepEqual(
    items.map((i) => [i.type ?? 'normal', i.label, i.enabled]),
    [
      ['normal', 'Paused: not watching for exports', false],
      ['separator', undefined, undefined],
      ['normal', 'Back up now', true],
      ['normal', 'Resume watching', true],
      ['separator', undefined, undefined],
      ['normal', 'Open Puddleproof', true],
      ['normal', 'Quit', true],
    ],
  );
  for (const item of items) item.click?.({} as never, undefined, {} as never);
  assert.deepEqual(actions, ['backupNow', 'toggleWatching', 'open', 'quit']);
});
