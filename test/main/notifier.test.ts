// Notifications from status transitions, against a test clock: failures, a long cloud outage once per
// episode, success only when asked, the engine stopping, and never a storm.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CLOUD_WAIT_MS,
  type DesktopNotification,
  MIN_INTERVAL_MS,
  Notifier,
} from '../../src/main/notifier.js';
import type { ActivityState, EngineStatus } from '../../src/shared/status.js';

const MINUTE = 60_000;

function setUp() {
  let now = Date.parse('2026-11-26T18:00:00Z');
  const shown: DesktopNotification[] = [];
  const notifier = new Notifier({ show: (n) => shown.push(n), now: () => now });
  return { notifier, shown, advance: (ms: number) => (now += ms), kinds: () => shown.map((n) => n.kind) };
}

const status = (state: ActivityState, last: Record<string, string> = {}): EngineStatus => ({
  state,
  lastBackupBySource: last,
  pending: [],
});
const failed = (message = 'The zip is damaged.') =>
  status({ kind: 'error', exportName: 'Alice', message, action: 'Export the chat again.' });
const cloud = (reason = 'the folder is not mounted') =>
  status({ kind: 'waitingForCloud', reason, retryAt: 0 });
const idle = status({ kind: 'idle' });

describe('failed backups', () => {
  test('a failure is notified once, in plain words', () => {
    const { notifier, shown } = setUp();
    notifier.statusChanged(idle);
    notifier.statusChanged(failed());
    notifier.statusChanged(failed());
    assert.deepEqual(shown, [
      {
        kind: 'backupFailed',
        title: 'Backup of Alice failed',
        body: 'The zip is damaged. Export the chat again.',
      },
    ]);
  });

  test('failures in quick succession make one notification, then one again after the interval', () => {
    const { notifier, kinds, advance } = setUp();
    for (let i = 0; i < 20; i++) {
      notifier.statusChanged(failed(`Problem ${i}.`));
      notifier.statusChanged(idle);
      advance(10_000);
    }
    assert.deepEqual(kinds(), ['backupFailed']);
    advance(MIN_INTERVAL_MS);
    notifier.statusChanged(failed('Yet another problem.'));
    assert.deepEqual(kinds(), ['backupFailed', 'backupFailed']);
  });
});

describe('waiting for the cloud folder', () => {
  test('is notified only once it lasted over 15 minutes, once per episode', () => {
    const { notifier, shown, advance } = setUp();
    notifier.statusChanged(cloud());
    advance(CLOUD_WAIT_MS);
    notifier.tick();
    assert.equal(shown.length, 0, 'exactly 15 minutes is not over 15 minutes');
    advance(MINUTE);
    notifier.tick();
    notifier.statusChanged(cloud('the disk is full'));
    advance(30 * MINUTE);
    notifier.tick();
    assert.equal(shown.length, 1);
    assert.equal(shown[0]?.kind, 'cloudUnavailable');
    assert.match(shown[0]?.body ?? '', /^For 16 minutes now: the folder is not mounted\./);
  });

  test('a short outage says nothing; a new long episode is told again', () => {
    const { notifier, kinds, advance } = setUp();
    notifier.statusChanged(cloud());
    advance(5 * MINUTE);
    notifier.statusChanged(idle);
    advance(20 * MINUTE);
    notifier.tick();
    assert.deepEqual(kinds(), []);
    notifier.statusChanged(cloud());
    advance(16 * MINUTE);
    notifier.statusChanged(cloud());
    assert.deepEqual(kinds(), ['cloudUnavailable']);
    notifier.statusChanged(idle);
    notifier.statusChanged(cloud());
    advance(16 * MINUTE);
    notifier.tick();
    assert.deepEqual(kinds(), ['cloudUnavailable', 'cloudUnavailable']);
  });
});

describe('successful backups', () => {
  const before = status({ kind: 'idle' }, { Alice: '2026-11-26T17:00:00Z', Bob: '2026-11-26T17:00:00Z' });
  const after = status({ kind: 'idle' }, { Alice: '2026-11-26T18:00:00Z', Bob: '2026-11-26T17:00:00Z' });

  test('are quiet unless the user turned notifications on', () => {
    const { notifier, shown } = setUp();
    notifier.statusChanged(before);
    notifier.statusChanged(after);
    assert.deepEqual(shown, []);
  });

  test('when on, name the chats that were backed up (not at the first status seen)', () => {
    const { notifier, shown, advance } = setUp();
    notifier.setNotifyOnSuccess(true);
    notifier.statusChanged(before);
    assert.equal(shown.length, 0, 'the first status is only the baseline');
    notifier.statusChanged(after);
    notifier.statusChanged(after);
    advance(MIN_INTERVAL_MS);
    notifier.statusChanged(
      status(
        { kind: 'idle' },
        { Alice: '2026-11-26T18:00:00Z', Bob: '2026-11-26T18:05:00Z', Carol: '2026-11-26T18:05:00Z' },
      ),
    );
    assert.deepEqual(
      shown.map((n) => n.title),
      ['Backed up Alice', 'Backed up Bob and 1 more chat'],
    );
    assert.deepEqual(
      shown.map((n) => n.body),
      [
        'Encrypted into your cloud folder. Open Puddleproof to see its versions.',
        'Encrypted into your cloud folder. Open Puddleproof to see their versions.',
      ],
    );
  });

  test('name the chat by its title and app, also a chat seen for the first time', () => {
    const { notifier, shown } = setUp();
    notifier.setNotifyOnSuccess(true);
    notifier.statusChanged(status({ kind: 'idle' }, {}));
    notifier.statusChanged(status({ kind: 'idle' }, { 'Book club — WhatsApp': '2026-11-26T18:00:00Z' }));
    assert.deepEqual(shown, [
      {
        kind: 'backedUp',
        title: 'Backed up Book club — WhatsApp',
        body: 'Encrypted into your cloud folder. Open Puddleproof to see its versions.',
      },
    ]);
  });

  test('several chats at once: the first by name, then how many more', () => {
    const { notifier, shown } = setUp();
    notifier.setNotifyOnSuccess(true);
    notifier.statusChanged(status({ kind: 'idle' }, {}));
    const at = '2026-11-26T18:00:00Z';
    notifier.statusChanged(status({ kind: 'idle' }, { Carol: at, Alice: at, 'Book club': at }));
    assert.equal(shown[0]?.title, 'Backed up Alice and 2 more chats');
  });

  test('a chat whose last backup went back (retention, another device) is not reported', () => {
    const { notifier, shown } = setUp();
    notifier.setNotifyOnSuccess(true);
    notifier.statusChanged(status({ kind: 'idle' }, { Alice: '2026-11-26T18:00:00Z' }));
    notifier.statusChanged(status({ kind: 'idle' }, { Alice: '2026-11-26T17:00:00Z' }));
    notifier.statusChanged(status({ kind: 'idle' }, {}));
    assert.deepEqual(shown, []);
  });
});

describe('the engine stopping', () => {
  test('is told with the reason, not more often than the interval', () => {
    const { notifier, shown, advance } = setUp();
    const crashed = 'The engine stopped unexpectedly (exit code 1); it is being restarted.';
    notifier.engineStopped(crashed);
    notifier.engineStopped(crashed);
    advance(MIN_INTERVAL_MS);
    notifier.engineStopped('The engine stopped unexpectedly (it was killed); it is being restarted.');
    assert.deepEqual(
      shown.map((n) => [n.kind, n.body]),
      [
        ['engineStopped', crashed],
        ['engineStopped', 'The engine stopped unexpectedly (it was killed); it is being restarted.'],
      ],
    );
  });

  test('kinds are limited separately: a stop does not hide a failure', () => {
    const { notifier, kinds } = setUp();
    notifier.engineStopped('It was killed.');
    notifier.statusChanged(failed());
    assert.deepEqual(kinds(), ['engineStopped', 'backupFailed']);
  });
});

describe('the recovery drill', () => {
  const due = (period: string, shown = false) => ({ due: true, period, shown });

  test('an overdue drill is notified once per due period, never on every start or poll', () => {
    const { notifier, shown, advance } = setUp();
    assert.equal(notifier.kitCheckDue({ due: false, period: 'never', shown: false }), false);
    assert.equal(notifier.kitCheckDue(due('2026-08-01T10:00:00.000Z')), true);
    assert.deepEqual(shown, [
      {
        kind: 'kitCheckDue',
        title: 'Time to check your recovery kit',
        body: 'Check that you still have it and that it opens your newest backup: Settings → Recovery kit.',
      },
    ]);
    // Polled again and again, for hours: still one.
    for (let i = 0; i < 50; i++) {
      advance(60 * MINUTE);
      assert.equal(notifier.kitCheckDue(due('2026-08-01T10:00:00.000Z')), false);
    }
    assert.equal(shown.length, 1);
  });

  test('already shown for this period (remembered in the profile): not again, e.g. after a restart', () => {
    const { notifier, shown } = setUp();
    assert.equal(notifier.kitCheckDue(due('never', true)), false);
    assert.deepEqual(shown, []);
  });

  test('a new period (after the next check) may notify again, but never two within the interval', () => {
    const { notifier, kinds, advance } = setUp();
    assert.equal(notifier.kitCheckDue(due('never')), true);
    assert.equal(notifier.kitCheckDue(due('2026-11-26T18:01:00.000Z')), false, 'too soon: no storm');
    advance(MIN_INTERVAL_MS);
    assert.equal(notifier.kitCheckDue(due('2026-11-26T18:01:00.000Z')), true);
    assert.deepEqual(kinds(), ['kitCheckDue', 'kitCheckDue']);
  });
});

describe('a refused change to the trusted list', () => {
  const refused = (...ids: string[]): EngineStatus => ({
    ...idle,
    trustRefused: ids.map((id) => ({ id, problem: 'trusted-list change: not authentic' })),
  });

  test('is told once per change in a run, not on every status while its file stays', () => {
    const { notifier, shown, advance, kinds } = setUp();
    notifier.statusChanged(idle);
    notifier.statusChanged(refused('a'));
    notifier.statusChanged(refused('a'));
    advance(MIN_INTERVAL_MS + MINUTE);
    notifier.statusChanged(refused('a'));
    assert.deepEqual(kinds(), ['trustRefused']);
    assert.match(shown[0]?.body ?? '', /not proven by the vault’s keys.*Settings → Devices/);
    notifier.statusChanged(idle); // the forged file was removed
    notifier.statusChanged(refused('a', 'b')); // another one: told again
    assert.deepEqual(kinds(), ['trustRefused', 'trustRefused']);
  });
});
