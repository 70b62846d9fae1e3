// The tray's icon state, tooltip and menu for each engine state.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type TrayInput, type TrayMenuItem, timeAgo, trayModel } from '../../../src/main/tray/tray-model.js';
import type { ActivityState, EngineStatus } from '../../../src/shared/status.js';

const NOW = Date.parse('2026-11-26T18:00:00Z');
const status = (state: ActivityState, last: Record<string, string> = {}): EngineStatus => ({
  state,
  lastBackupBySource: last,
  pending: [],
});
const input = (s: EngineStatus | null, more: Partial<TrayInput> = {}): TrayInput => ({
  status: s,
  paused: false,
  setupDone: true,
  now: NOW,
  ...more,
});
const statusLine = (menu: TrayMenuItem[]) => menu.find((i) => i.kind === 'status')?.label;
const action = (menu: TrayMenuItem[], name: string) =>
  menu.find((i) => i.kind === 'action' && i.action === name) as Extract<TrayMenuItem, { kind: 'action' }>;

describe('trayModel', () => {
  test('idle: the last backup time, the menu in order', () => {
    const model = trayModel(
      input(status({ kind: 'idle' }, { Alice: '2026-11-26T17:55:00Z', Bob: '2026-11-25T09:00:00Z' })),
    );
    assert.equal(model.iconState, 'idle');
    assert.equal(model.tooltip, 'Puddleproof: Last backup 5 min ago');
    assert.deepEqual(model.menu, [
      { kind: 'status', label: 'Last backup 5 min ago' },
      { kind: 'separator' },
      { kind: 'action', action: 'backupNow', label: 'Back up now', enabled: true },
      { kind: 'action', action: 'toggleWatching', label: 'Pause watching', enabled: true },
      { kind: 'separator' },
      { kind: 'action', action: 'open', label: 'Open Puddleproof', enabled: true },
      { kind: 'action', action: 'quit', label: 'Quit', enabled: true },
    ]);
  });

  test('idle while older backups are identified: said in the tooltip, the icon stays idle', () => {
    const model = trayModel(
      input({
        ...status({ kind: 'idle' }, { Alice: '2026-11-26T17:55:00Z' }),
        identifying: { done: 3, total: 12 },
      }),
    );
    assert.equal(model.iconState, 'idle');
    assert.equal(model.tooltip, 'Puddleproof: Last backup 5 min ago (identifying older backups: 3 of 12)');
    assert.equal(statusLine(model.menu), 'Last backup 5 min ago');
    const none = trayModel(input({ ...status({ kind: 'idle' }), identifying: { done: 0, total: 0 } }));
    assert.equal(none.tooltip, 'Puddleproof: No backups yet');
  });

  test('idle with a refused change to the trusted list: needs attention, and says where to look', () => {
    const refused = { id: '20261207T050000Z-aaaaaaaaaaaa', problem: 'trusted-list change: not authentic' };
    const model = trayModel(
      input({ ...status({ kind: 'idle' }, { Alice: '2026-11-26T17:55:00Z' }), trustRefused: [refused] }),
    );
    assert.equal(model.iconState, 'attention');
    assert.equal(statusLine(model.menu), 'Refused a change to your devices');
    assert.match(model.tooltip, /not applied: see Settings → Devices/);
    // A backup in progress still shows as one; the warning returns once it is idle again.
    const busy = trayModel(
      input({
        ...status({
          kind: 'backingUp',
          exportName: 'Alice.zip',
          doneBytes: 1,
          totalBytes: 2,
          bytesPerSecond: 1e6,
        }),
        trustRefused: [refused],
      }),
    );
    assert.equal(busy.iconState, 'working');
  });

  test('idle without any backup yet', () => {
    assert.equal(statusLine(trayModel(input(status({ kind: 'idle' }))).menu), 'No backups yet');
  });

  test('backing up: working, with the percentage', () => {
    const model = trayModel(
      input(
        status({
          kind: 'backingUp',
          exportName: 'Alice',
          doneBytes: 45,
          totalBytes: 100,
          bytesPerSecond: 1e6,
        }),
      ),
    );
    assert.equal(model.iconState, 'working');
    assert.equal(statusLine(model.menu), 'Backing up Alice — 45%');
  });

  test('backing up (deduplicated): what is new so far, in the menu and the tooltip', () => {
    const backingUp = (exportName: string, uploadedBytes: number) =>
      trayModel(
        input(
          status({
            kind: 'backingUp',
            exportName,
            doneBytes: 120_000_000,
            totalBytes: 200_000_000,
            bytesPerSecond: 1e6,
            uploadedBytes,
          }),
        ),
      );
    const model = backingUp('Alice', 14_200_000);
    assert.equal(model.iconState, 'working');
    assert.equal(statusLine(model.menu), 'Backing up Alice — 60% · 14.2 MB new so far');
    assert.equal(model.tooltip, 'Puddleproof: Backing up Alice — 60% · 14.2 MB new so far');
    assert.equal(statusLine(backingUp('Alice', 0).menu), 'Backing up Alice — 60% · 0 bytes new so far');
    // A long name is cut; what is new still shows, within the tooltip's 127 characters.
    const long = backingUp(`WhatsApp Chat - ${'The extended family and friends '.repeat(4)}.zip`, 999_960);
    assert.match(
      statusLine(long.menu) ?? '',
      /^Backing up WhatsApp Chat - The extended.*… — 60% · 1 MB new so far$/,
    );
    assert.ok(long.tooltip.length <= 127);
    assert.match(long.tooltip, /— 60% · 1 MB new so far$/);
  });

  test('settling: working, waiting for the export to finish changing', () => {
    const model = trayModel(
      input(status({ kind: 'settling', exportName: 'Alice.zip', readyAt: NOW + 20_000 })),
    );
    assert.equal(model.iconState, 'working');
    assert.equal(statusLine(model.menu), 'Waiting for Alice.zip to finish changing (20 s)');
  });

  test('paused: paused icon, and the toggle offers to resume', () => {
    const model = trayModel(input(status({ kind: 'paused' }), { paused: true }));
    assert.equal(model.iconState, 'paused');
    assert.equal(statusLine(model.menu), 'Paused: not watching for exports');
    assert.equal(action(model.menu, 'toggleWatching').label, 'Resume watching');
  });

  test('a failed backup, a missing cloud or watch folder need attention, with the reason in the tooltip', () => {
    const failed = trayModel(
      input(
        status({
          kind: 'error',
          exportName: 'Alice',
          message: 'The zip is damaged.',
          action: 'Export it again.',
        }),
      ),
    );
    assert.equal(failed.iconState, 'attention');
    assert.equal(statusLine(failed.menu), 'Backup failed: Alice');
    assert.equal(failed.tooltip, 'Puddleproof: Backup failed: Alice (The zip is damaged. Export it again.)');

    const cloud = trayModel(
      input(status({ kind: 'waitingForCloud', reason: 'the folder is read-only', retryAt: NOW })),
    );
    assert.equal(cloud.iconState, 'attention');
    assert.equal(cloud.tooltip, 'Puddleproof: Waiting for the cloud folder (the folder is read-only)');

    const missing = trayModel(input(status({ kind: 'watchFolderMissing', path: '/home/ada/Exports' })));
    assert.equal(missing.iconState, 'attention');
    assert.equal(statusLine(missing.menu), 'The export folder is missing');
  });

  test('refused folders need attention: the reason in the tooltip, and nothing to back up until they change', () => {
    const message =
      'The export folder /home/ada/Dropbox/Chats is inside the cloud folder /home/ada/Dropbox: your chats would be uploaded unencrypted.';
    const model = trayModel(input(status({ kind: 'foldersRefused', message })));
    assert.equal(model.iconState, 'attention');
    assert.equal(statusLine(model.menu), 'Needs attention: check the folders');
    assert.ok(model.tooltip.startsWith('Puddleproof: Needs attention: check the folders (The export folder'));
    assert.ok(model.tooltip.length <= 127, String(model.tooltip.length));
    assert.equal(action(model.menu, 'backupNow').enabled, false);
    assert.equal(action(model.menu, 'toggleWatching').enabled, true);
    assert.equal(action(model.menu, 'open').enabled, true);
    // Paused wins, as in the window: the folders are checked again on resume.
    const paused = trayModel(input(status({ kind: 'foldersRefused', message }), { paused: true }));
    assert.equal(paused.iconState, 'paused');
  });

  test('before setup, or while the engine is down, backups cannot be started from the tray', () => {
    const setup = trayModel(input(null, { setupDone: false }));
    assert.equal(setup.iconState, 'attention');
    assert.equal(statusLine(setup.menu), 'Setup not finished');
    assert.equal(action(setup.menu, 'backupNow').enabled, false);
    assert.equal(action(setup.menu, 'toggleWatching').enabled, false);
    assert.equal(action(setup.menu, 'open').enabled, true);

    const crashed = trayModel(input(status({ kind: 'idle' }), { problem: 'It ran out of memory.' }));
    assert.equal(crashed.iconState, 'attention');
    assert.equal(crashed.tooltip, 'Puddleproof: The backup engine stopped (It ran out of memory.)');
    assert.equal(action(crashed.menu, 'backupNow').enabled, false);

    for (const starting of [trayModel(input(null)), trayModel(input(null, { setupDone: null }))]) {
      assert.equal(starting.iconState, 'idle');
      assert.equal(statusLine(starting.menu), 'Starting…');
      assert.equal(action(starting.menu, 'backupNow').enabled, false);
    }
  });

  test('long names are shortened; the tooltip stays within 127 characters', () => {
    const name = 'WhatsApp Chat - '.padEnd(300, 'x');
    const model = trayModel(
      input(status({ kind: 'error', exportName: name, message: 'm'.repeat(300), action: 'a' })),
    );
    assert.ok(model.tooltip.length <= 127, String(model.tooltip.length));
    assert.ok((statusLine(model.menu) ?? '').length <= 100);
    assert.ok(model.tooltip.endsWith('…'));
  });
});

describe('an overdue recovery drill', () => {
  const last = { Alice: '2026-11-26T17:55:00Z' };

  test('idle: a quiet badge, and a menu line under the status that opens the window', () => {
    const model = trayModel(input(status({ kind: 'idle' }, last), { kitCheckDue: true }));
    assert.equal(model.iconState, 'reminder');
    assert.equal(model.tooltip, 'Puddleproof: Last backup 5 min ago. Time to check your recovery kit');
    assert.deepEqual(model.menu.slice(0, 3), [
      { kind: 'status', label: 'Last backup 5 min ago' },
      { kind: 'action', action: 'checkKit', label: 'Time to check your recovery kit…', enabled: true },
      { kind: 'separator' },
    ]);
    const notDue = trayModel(input(status({ kind: 'idle' }, last), { kitCheckDue: false }));
    assert.equal(notDue.iconState, 'idle');
    assert.equal(action(notDue.menu, 'checkKit'), undefined);
  });

  test('working, paused and problems keep their icon (the badge is quiet); the line stays in the menu', () => {
    const cases: [TrayInput, string][] = [
      [
        input(status({ kind: 'settling', exportName: 'Alice.zip', readyAt: NOW }), { kitCheckDue: true }),
        'working',
      ],
      [input(status({ kind: 'idle' }, last), { kitCheckDue: true, paused: true }), 'paused'],
      [
        input(status({ kind: 'waitingForCloud', reason: 'gone', retryAt: 0 }), { kitCheckDue: true }),
        'attention',
      ],
    ];
    for (const [given, icon] of cases) {
      const model = trayModel(given);
      assert.equal(model.iconState, icon);
      assert.equal(action(model.menu, 'checkKit').label, 'Time to check your recovery kit…');
    }
  });

  test('not while starting, before setup or with the engine down', () => {
    for (const given of [
      input(null, { kitCheckDue: true }),
      input(status({ kind: 'idle' }), { kitCheckDue: true, setupDone: false }),
      input(status({ kind: 'idle' }), { kitCheckDue: true, problem: 'crashed' }),
    ]) {
      const model = trayModel(given);
      assert.notEqual(model.iconState, 'reminder');
      assert.equal(action(model.menu, 'checkKit'), undefined);
    }
  });
});

describe('timeAgo', () => {
  test('minutes, hours, yesterday, days; never negative', () => {
    const at = (ms: number) => timeAgo(NOW - ms, NOW);
    assert.equal(at(30_000), 'just now');
    assert.equal(at(-60_000), 'just now');
    assert.equal(at(5 * 60_000), '5 min ago');
    assert.equal(at(59 * 60_000), '59 min ago');
    assert.equal(at(3 * 3600_000), '3 h ago');
    assert.equal(at(30 * 3600_000), 'yesterday');
    assert.equal(at(4 * 86400_000), '4 days ago');
  });
});
