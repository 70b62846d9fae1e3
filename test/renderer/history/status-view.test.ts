// What the status panel says for every engine state: its tone (which picks the icon), title, details,
// what the user can do, and the backup's progress.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  identifyingView,
  reclaimLines,
  statusView,
  type Tone,
  trustRefusedLines,
} from '../../../renderer/src/history/status-view.js';
import type { ActivityState, EngineStatus } from '../../../src/shared/api.js';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const number = (n: number) => new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 }).format(n);
const relative = (value: number, unit: Intl.RelativeTimeFormatUnit) =>
  new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }).format(value, unit);
const minutesAgo = (m: number) => new Date(NOW - m * 60_000).toISOString();

function status(state: ActivityState, more: Partial<EngineStatus> = {}): EngineStatus {
  return { state, lastBackupBySource: {}, pending: [], ...more };
}

/** One state of each kind; the mapped type makes this list fail to compile when a kind is added. */
const oneOfEach: { [K in ActivityState['kind']]: Extract<ActivityState, { kind: K }> } = {
  idle: { kind: 'idle' },
  settling: { kind: 'settling', exportName: 'ChatExport_2026-11-26', readyAt: NOW + 4_200 },
  backingUp: {
    kind: 'backingUp',
    exportName: 'WhatsApp Chat - Alice.zip',
    doneBytes: 1_500_000,
    totalBytes: 3_000_000,
    bytesPerSecond: 750_000,
    uploadedBytes: 140_000,
  },
  waitingForCloud: { kind: 'waitingForCloud', reason: 'The cloud folder is full.', retryAt: NOW + 30_000 },
  watchFolderMissing: { kind: 'watchFolderMissing', path: '/home/ana/Chat exports' },
  paused: { kind: 'paused' },
  foldersRefused: {
    kind: 'foldersRefused',
    message:
      'The cloud folder /home/ana/Chat exports/Dropbox is inside the export folder /home/ana/Chat exports.',
  },
  error: {
    kind: 'error',
    exportName: 'WhatsApp Chat - Bob.zip',
    message: 'The export cannot be read.',
    action: 'Export the chat again.',
  },
};

describe('statusView', () => {
  test('each kind of state has its tone', () => {
    const tones: Record<ActivityState['kind'], Tone> = {
      idle: 'ok',
      settling: 'busy',
      backingUp: 'busy',
      waitingForCloud: 'waiting',
      watchFolderMissing: 'attention',
      paused: 'paused',
      foldersRefused: 'attention',
      error: 'attention',
    };
    for (const [kind, state] of Object.entries(oneOfEach)) {
      const view = statusView(status(state), NOW);
      assert.equal(view.tone, tones[kind as ActivityState['kind']], kind);
      assert.ok(view.title.length > 0, `${kind} has a title`);
    }
  });

  test('only a backup in progress has a progress bar', () => {
    for (const [kind, state] of Object.entries(oneOfEach)) {
      assert.equal(statusView(status(state), NOW).progress !== undefined, kind === 'backingUp', kind);
    }
  });

  describe('idle', () => {
    test('before the first backup it says where to put exports', () => {
      const view = statusView(status({ kind: 'idle' }), NOW, '/home/ana/Chat exports');
      assert.deepEqual(view, {
        tone: 'ok',
        title: 'Watching for new exports',
        detail:
          'Export a chat from WhatsApp or Telegram into /home/ana/Chat exports; it is backed up on its own.',
      });
    });

    test('without a known folder it names the export folder in words', () => {
      const view = statusView(status({ kind: 'idle' }), NOW);
      assert.match(view.detail ?? '', /into the export folder;/);
    });

    test('up to date: the newest backup of any chat, in words', () => {
      const view = statusView(
        status(
          { kind: 'idle' },
          {
            lastBackupBySource: {
              Alice: minutesAgo(300),
              Bob: minutesAgo(5),
              Carol: minutesAgo(60 * 24 * 3),
            },
          },
        ),
        NOW,
      );
      assert.deepEqual(view, {
        tone: 'ok',
        title: 'Up to date',
        detail: `Last backup ${relative(-5, 'minute')}.`,
      });
    });

    test('a backup made moments ago is "just now"', () => {
      const view = statusView(
        status({ kind: 'idle' }, { lastBackupBySource: { Alice: minutesAgo(0.2) } }),
        NOW,
      );
      assert.equal(view.detail, 'Last backup just now.');
    });

    test('exports not backed up yet come before "up to date"', () => {
      const one = statusView(
        status(
          { kind: 'idle' },
          { pending: ['WhatsApp Chat - Dan.zip'], lastBackupBySource: { A: minutesAgo(1) } },
        ),
        NOW,
      );
      assert.deepEqual(one, {
        tone: 'ok',
        title: 'Watching for new exports',
        detail: '1 export not backed up yet.',
      });
      const two = statusView(status({ kind: 'idle' }, { pending: ['a.zip', 'b.zip'] }), NOW);
      assert.equal(two.detail, '2 exports not backed up yet.');
    });
  });

  test('settling: which export, and the seconds left, rounded up', () => {
    const view = statusView(status(oneOfEach.settling), NOW);
    assert.deepEqual(view, {
      tone: 'busy',
      title: 'Waiting for ChatExport_2026-11-26 to finish changing',
      detail: 'It is backed up once nothing has changed for a moment (in about 5 s).',
    });
  });

  test('settling past its time says 0 s, never a negative count', () => {
    const view = statusView(status({ ...oneOfEach.settling, readyAt: NOW - 3_000 }), NOW);
    assert.match(view.detail ?? '', /in about 0 s\)\.$/);
  });

  test('backing up: bytes read of the export, what is new so far, and the speed', () => {
    const view = statusView(status(oneOfEach.backingUp), NOW);
    assert.deepEqual(view, {
      tone: 'busy',
      title: 'Backing up WhatsApp Chat - Alice.zip',
      detail: 'Only what is new goes into the cloud folder; its sync app uploads it from there.',
      progress: {
        done: 1_500_000,
        total: 3_000_000,
        detail: `Reading ${number(1.5)} MB of ${number(3)} MB · ${number(140)} KB new so far · ${number(750)} KB/s`,
      },
    });
  });

  test('backing up in format 1 (whole archives): no "new so far", nor a word on what is new', () => {
    const { uploadedBytes: _, ...whole } = oneOfEach.backingUp;
    const view = statusView(status(whole), NOW);
    assert.equal(view.detail, undefined);
    assert.equal(view.progress?.detail, `Reading ${number(1.5)} MB of ${number(3)} MB · ${number(750)} KB/s`);
  });

  test('backing up just started: nothing read, nothing new yet', () => {
    const view = statusView(
      status({
        kind: 'backingUp',
        exportName: 'x.zip',
        doneBytes: 0,
        totalBytes: 0,
        bytesPerSecond: 0,
        uploadedBytes: 0,
      }),
      NOW,
    );
    assert.deepEqual(view.progress, {
      done: 0,
      total: 0,
      detail: 'Reading 0 bytes of 0 bytes · 0 bytes new so far · 0 bytes/s',
    });
  });

  test('waiting for the cloud: the engine’s reason, what to check, and when it retries', () => {
    const view = statusView(status(oneOfEach.waitingForCloud), NOW);
    assert.equal(view.tone, 'waiting');
    assert.equal(view.title, 'Waiting for the cloud folder');
    assert.equal(view.detail, 'The cloud folder is full.');
    assert.match(view.action ?? '', /sync app running and signed in/);
    assert.match(view.action ?? '', /tries again in 30 s\.$/);
  });

  test('the export folder is missing: its path and what to do', () => {
    const view = statusView(status(oneOfEach.watchFolderMissing), NOW);
    assert.deepEqual(view, {
      tone: 'attention',
      title: 'The export folder is missing',
      detail: '/home/ana/Chat exports',
      action:
        'Create the folder again or choose another one in Settings; Puddleproof picks it up as soon as it exists.',
    });
  });

  test('refused folders: the engine’s reason, that nothing is lost, and a button to Settings', () => {
    assert.deepEqual(statusView(status(oneOfEach.foldersRefused), NOW), {
      tone: 'attention',
      title: 'Backups are stopped: the folders need your attention',
      detail:
        'The cloud folder /home/ana/Chat exports/Dropbox is inside the export folder /home/ana/Chat exports.',
      action:
        'Choose other folders in Settings. Nothing has been lost; backups start again once the folders are apart.',
      settingsButton: 'Choose other folders',
    });
  });

  test('only refused folders offer the button to Settings', () => {
    for (const [kind, state] of Object.entries(oneOfEach)) {
      const view = statusView(status(state), NOW);
      assert.equal(view.settingsButton !== undefined, kind === 'foldersRefused', kind);
    }
  });

  test('paused', () => {
    assert.deepEqual(statusView(status({ kind: 'paused' }), NOW), {
      tone: 'paused',
      title: 'Backups are paused',
      detail: 'New exports are not backed up until you resume.',
    });
  });

  test('an error shows the engine’s message and action, naming the export when there is one', () => {
    assert.deepEqual(statusView(status(oneOfEach.error), NOW), {
      tone: 'attention',
      title: 'Could not back up WhatsApp Chat - Bob.zip',
      detail: 'The export cannot be read.',
      action: 'Export the chat again.',
    });
    const general = statusView(
      status({ kind: 'error', message: 'The keychain is locked.', action: 'Unlock it, then restart.' }),
      NOW,
    );
    assert.equal(general.title, 'Something needs your attention');
    assert.equal(general.detail, 'The keychain is locked.');
    assert.equal(general.action, 'Unlock it, then restart.');
  });

  test('the state decides the view, not the pending exports', () => {
    const view = statusView(status({ kind: 'paused' }, { pending: ['a.zip'] }), NOW);
    assert.equal(view.title, 'Backups are paused');
  });
});

describe('identifyingView', () => {
  test('says how many older backups are identified, of how many, while it goes on', () => {
    const view = identifyingView(status({ kind: 'idle' }, { identifying: { done: 3, total: 12 } }));
    assert.deepEqual(view, { label: 'Identifying older backups: 3 of 12', done: 3, total: 12 });
  });

  test('is there whatever the engine is doing (identifying pauses for new work and resumes)', () => {
    const busy = status(oneOfEach.backingUp, { identifying: { done: 0, total: 2 } });
    assert.equal(identifyingView(busy)?.label, 'Identifying older backups: 0 of 2');
  });

  test('nothing when there is nothing to identify', () => {
    assert.equal(identifyingView(status({ kind: 'idle' })), null);
    assert.equal(identifyingView(status({ kind: 'idle' }, { identifying: { done: 0, total: 0 } })), null);
  });

  test('large numbers are grouped in the locale; done never exceeds the total', () => {
    const view = identifyingView(status({ kind: 'idle' }, { identifying: { done: 1_500, total: 1_200 } }));
    assert.equal(
      view?.label,
      `Identifying older backups: ${(1_200).toLocaleString()} of ${(1_200).toLocaleString()}`,
    );
    assert.equal(view?.done, 1_200);
  });
});

describe('what the status panel says about freeing space', () => {
  const reclaim = (more: Partial<NonNullable<EngineStatus['reclaim']>>) =>
    status(
      { kind: 'idle' },
      {
        reclaim: {
          at: minutesAgo(1),
          freedBytes: 0,
          pendingBytes: 0,
          waitingFor: [],
          silent: [],
          lost: [],
          ...more,
        },
      },
    );

  test('nothing before a reclamation ran, or when nothing waits', () => {
    assert.deepEqual(reclaimLines(status({ kind: 'idle' }), NOW), []);
    assert.deepEqual(reclaimLines(reclaim({ freedBytes: 5_000_000 }), NOW), []);
  });

  test('space waiting to be freed, and the devices it waits for', () => {
    assert.deepEqual(reclaimLines(reclaim({ pendingBytes: 12_000_000 }), NOW), [
      `${number(12)} MB of removed versions will be freed in the cloud folder.`,
    ]);
    assert.deepEqual(
      reclaimLines(reclaim({ pendingBytes: 12_000_000, waitingFor: ["Sam's desktop"] }), NOW),
      [
        `${number(12)} MB of removed versions will be freed in the cloud folder once Sam's desktop has synced and made a backup.`,
      ],
    );
  });

  test('a device no longer waited for, and versions stored again after this device was away', () => {
    const lines = reclaimLines(
      reclaim({
        silent: [{ device: 'Old laptop', lastSeen: minutesAgo(60 * 24 * 100) }],
        lost: [
          { exportName: 'WhatsApp Chat - Alice.zip', backUpAgain: true },
          { exportName: 'ChatExport_2026-01-01', backUpAgain: false },
        ],
      }),
      NOW,
    );
    assert.equal(lines.length, 3);
    assert.match(
      lines[0] ?? '',
      /^Not waiting for Old laptop to free space: it has not been seen since .+\. When it comes back/,
    );
    assert.match(lines[1] ?? '', /^WhatsApp Chat - Alice\.zip: .* it is being backed up again\.$/);
    assert.match(
      lines[2] ?? '',
      /^ChatExport_2026-01-01: .* no longer holds it as it was, so that version is kept as it is\.$/,
    );
  });
});

describe('what the status panel says about refused changes to the trusted list', () => {
  test('nothing when none; a line per refused change, saying nothing was applied and who could have', () => {
    assert.deepEqual(trustRefusedLines(status({ kind: 'idle' })), []);
    const lines = trustRefusedLines({
      ...status({ kind: 'idle' }),
      trustRefused: [
        { id: '20261205T100000Z-aaaaaaaaaaaa', problem: 'trusted-list change: not authentic' },
        { id: '20261205T100001Z-bbbbbbbbbbbb', problem: 'trusted-list change: names another change' },
      ],
    });
    assert.equal(lines.length, 2);
    assert.match(
      lines[0] ?? '',
      /^Refused a change to the trusted list that the vault’s keys do not prove \(20261205T100000Z-aaaaaaaaaaaa\)\. Nothing of it was applied\./,
    );
    assert.match(lines[1] ?? '', /\(20261205T100001Z-bbbbbbbbbbbb\)/);
    assert.match(lines[0] ?? '', /can write to your cloud folder/);
  });
});
