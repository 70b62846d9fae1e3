// The dispatcher: payload validation, folder grants, main-only channels and plain error messages.
// Kit files are real files; the native dialogs are stand-ins (no display here), the engine a recording
// one (what reaches it is the point of these tests).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createDispatcher, MAX_KIT_FILE_BYTES, type MainServices } from '../../src/main/ipc-dispatch.js';
import type { AppSettings, FolderPurpose, RecoveryKitView, SetupState } from '../../src/shared/api.js';
import type { EngineStatus } from '../../src/shared/status.js';
import { RecordingEngine, SETTINGS } from './helpers/recording-engine.js';

const SETUP: SetupState = {
  stage: 'needsSetup',
  defaultWatchDir: '/home/ada/Chat exports',
  cloudFolders: [{ provider: 'Dropbox', path: '/home/ada/Dropbox' }],
  pendingKit: false,
};
const KIT: RecoveryKitView = {
  text: '# kit\nAGE-SECRET-KEY-1EXAMPLE\n',
  keyLines: 'AGE-SECRET-KEY-1EXAMPLE',
  challenge: { description: 'characters 5 to 10 of the key', length: 6 },
};
const STATUS: EngineStatus = { state: { kind: 'idle' }, lastBackupBySource: {}, pending: [] };
const KIT_STATUS = { loaded: true, description: 'Recovery kit of this vault' };
const SECRET = 'AGE-SECRET-KEY-1SHOULDNEVERAPPEARINMESSAGES';

/** A dispatcher over a recording engine and stand-in dialogs that answer what the test queues. */
function setUp(answers: ConstructorParameters<typeof RecordingEngine>[0] = {}) {
  const engine = new RecordingEngine({
    'setup:state': () => SETUP,
    'setup:createKeys': () => KIT,
    'setup:joinVault': () => undefined,
    'engine:writeKit': () => ({ warnings: ['a warning'] }),
    'folders:check': () => ({ refused: null, warnings: [] }),
    'status:get': () => STATUS,
    'settings:get': () => SETTINGS,
    'settings:update': (update) => ({ ...SETTINGS, ...update }),
    'kit:status': () => ({ loaded: false, description: 'No recovery kit loaded' }),
    'kit:paste': () => KIT_STATUS,
    'restore:start': () => ({ ok: true, runId: 'run-0123456789abcdef' }),
    ...answers,
  });
  const picked: (string | null)[] = [];
  /** The answers of the next "make a new kit?" confirmations (none queued: cancelled). */
  const confirms: boolean[] = [];
  const dialogLog: string[] = [];
  const shown: string[] = [];
  const loginItem: boolean[] = [];
  const settingsSeen: AppSettings[] = [];
  let kitChecks = 0;
  const next = (what: string) => {
    dialogLog.push(what);
    return Promise.resolve(picked.length ? (picked.shift() ?? null) : null);
  };
  const services: MainServices = {
    engine,
    dialogs: {
      pickFolder: (purpose: FolderPurpose) => next(`pickFolder:${purpose}`),
      saveKitPath: () => next('saveKitPath'),
      openKitFile: () => next('openKitFile'),
      confirmNewKit: () => {
        dialogLog.push('confirmNewKit');
        return Promise.resolve(confirms.shift() ?? false);
      },
    },
    showItemInFolder: (path) => shown.push(path),
    setStartAtLogin: (enabled) => loginItem.push(enabled),
    settingsChanged: (settings) => settingsSeen.push(settings),
    kitChecked: () => kitChecks++,
  };
  return {
    dispatch: createDispatcher(services),
    engine,
    picked,
    confirms,
    dialogLog,
    shown,
    loginItem,
    settingsSeen,
    kitChecks: () => kitChecks,
  };
}

describe('requests the contract does not allow', () => {
  test('an unknown channel is refused by name, without reaching the engine', async () => {
    const { dispatch, engine } = setUp();
    for (const channel of [
      'engine:writeKit',
      'engine:isRestored',
      'shell:openExternal',
      '__proto__',
      'toString',
    ]) {
      const reply = await dispatch(channel, undefined);
      assert.equal(reply.ok, false, channel);
      assert.match(!reply.ok ? reply.message : '', new RegExp(`Unknown request "${channel}"`));
    }
    assert.deepEqual(engine.calls, []);
  });

  test('a control character in an unknown channel name is not echoed', async () => {
    const { dispatch } = setUp();
    const reply = await dispatch(`x\u001b[2J${'y'.repeat(200)}`, undefined);
    assert.equal(reply.ok, false);
    if (!reply.ok) {
      assert.ok(!reply.message.includes('\u001b'), reply.message);
      assert.ok(reply.message.length < 100, reply.message);
    }
  });

  test('bad payloads are refused naming the channel and the problem, never the values sent', async () => {
    const { dispatch, engine } = setUp();
    const cases: [string, unknown, RegExp][] = [
      ['status:get', { sneaky: SECRET }, /: the request takes no data\.$/],
      ['history:files', { id: SECRET }, /id: is not a backup id/],
      ['history:files', { id: 7 }, /id: .*expected string/],
      ['kit:paste', { text: SECRET, extra: SECRET }, /has fields it does not take/],
      ['kit:paste', { [SECRET]: 1, text: 'x' }, /has fields it does not take/],
      ['dialog:pickFolder', { purpose: SECRET }, /purpose/],
      [
        'restore:start',
        { id: '20261126T170503Z-abcdefghijkl', destinationParent: SECRET, folderName: 'x' },
        /destinationParent: must be an absolute path/,
      ],
      [
        'restore:start',
        { id: '20261126T170503Z-abcdefghijkl', destinationParent: '/tmp', folderName: '..' },
        /folderName: must be a plain folder name/,
      ],
      [
        'restore:start',
        {
          id: '20261126T170503Z-abcdefghijkl',
          destinationParent: '/tmp',
          folderName: 'x',
          paths: Array.from({ length: 1100 }, (_, i) => `${i}`.padEnd(4096, 'x')),
        },
        /paths: too many characters in all/,
      ],
      ['setup:createKeys', 'not an object', /setup:createKeys/],
      ['recipients:add', { recipient: SECRET, label: 'x' }, /recipient: is not an age recipient/],
      ['devices:remove', { id: SECRET }, /id: is not a device id/],
      ['kit:check', { text: '' }, /text: /],
      ['kit:check', { text: SECRET, extra: 1 }, /has fields it does not take/],
      ['kit:drill', { text: SECRET }, /takes no data/],
      ['pair:find', { code: SECRET }, /code: is not a pairing code/],
      ['pair:approve', { code: 'abcde-fghij' }, /code: is not a pairing code/],
    ];
    for (const [channel, payload, expected] of cases) {
      const reply = await dispatch(channel, payload);
      assert.equal(reply.ok, false, channel);
      if (reply.ok) continue;
      assert.match(reply.message, new RegExp(`^Invalid request for ${channel}: `));
      assert.match(reply.message, expected);
      assert.ok(!reply.message.includes(SECRET), reply.message);
    }
    assert.deepEqual(engine.calls, []);
  });

  test('a valid request for an engine channel reaches the engine unchanged', async () => {
    const { dispatch, engine } = setUp();
    assert.deepEqual(await dispatch('status:get', undefined), { ok: true, value: STATUS });
    assert.deepEqual(engine.calls, [{ method: 'status:get', request: undefined }]);
  });
});

describe('folders from the window must have been chosen by the user', () => {
  const keys = (watchDir: string, cloudDir: string) => ({ watchDir, cloudDir });

  test('setup:createKeys with folders nobody picked is refused; the engine never hears of it', async () => {
    const { dispatch, engine } = setUp();
    const reply = await dispatch('setup:createKeys', keys('/etc', '/home/ada/Dropbox'));
    assert.deepEqual(reply, {
      ok: false,
      message: 'That folder was not chosen in a folder picker; choose it again with "Choose…".',
    });
    assert.deepEqual(engine.calls, []);
  });

  test('folders:check needs picked folders too, and answers what the engine found', async () => {
    const { dispatch, engine } = setUp();
    const refused = await dispatch('folders:check', keys('/etc', '/home/ada/Dropbox'));
    assert.equal(refused.ok, false);
    assert.deepEqual(engine.calls, []);
    await dispatch('setup:state', undefined);
    const checked = await dispatch('folders:check', keys('/home/ada/Chat exports', '/home/ada/Dropbox'));
    assert.deepEqual(checked, { ok: true, value: { refused: null, warnings: [] } });
  });

  test('the folders setup:state offered are allowed, compared exactly after resolving', async () => {
    const { dispatch, engine } = setUp();
    await dispatch('setup:state', undefined);
    const ok = await dispatch('setup:createKeys', keys('/home/ada/Chat exports', '/home/ada/Dropbox'));
    assert.deepEqual(ok, { ok: true, value: KIT });
    const same = await dispatch(
      'setup:createKeys',
      keys('/home/ada/Chat exports/', '/home/ada/x/../Dropbox'),
    );
    assert.equal(same.ok, true);
    for (const other of [
      '/home/ada/Chat exports/sub',
      '/home/ada',
      '/home/ada/chat exports',
      '/home/ada/Dropbox2',
    ]) {
      const reply = await dispatch('setup:createKeys', keys(other, '/home/ada/Dropbox'));
      assert.equal(reply.ok, false, other);
    }
    assert.deepEqual(engine.methods(), ['setup:state', 'setup:createKeys', 'setup:createKeys']);
  });

  test('a folder picked in the dialog is allowed for restores; a cancelled pick grants nothing', async () => {
    const { dispatch, engine, picked, dialogLog } = setUp();
    const restore = {
      id: '20261126T170503Z-abcdefghijkl',
      destinationParent: '/home/ada/Restored',
      folderName: 'Alice',
    };
    assert.equal((await dispatch('restore:start', restore)).ok, false);
    picked.push(null);
    assert.deepEqual(await dispatch('dialog:pickFolder', { purpose: 'restoreDestination' }), {
      ok: true,
      value: null,
    });
    assert.equal((await dispatch('restore:start', restore)).ok, false);
    picked.push('/home/ada/Restored');
    assert.deepEqual(await dispatch('dialog:pickFolder', { purpose: 'restoreDestination' }), {
      ok: true,
      value: '/home/ada/Restored',
    });
    assert.deepEqual(await dispatch('restore:start', restore), {
      ok: true,
      value: { ok: true, runId: 'run-0123456789abcdef' },
    });
    assert.deepEqual(dialogLog, ['pickFolder:restoreDestination', 'pickFolder:restoreDestination']);
    assert.deepEqual(engine.calls, [{ method: 'restore:start', request: restore }]);
  });

  test('a restore goes only into a folder picked for it: not the watch or cloud folder, nor one setup offered', async () => {
    const { dispatch, picked } = setUp();
    const into = (destinationParent: string) => ({
      id: '20261126T170503Z-abcdefghijkl',
      destinationParent,
      folderName: 'Alice',
    });
    const settings = await dispatch('settings:get', undefined);
    assert.equal(settings.ok, true);
    const { watchDir, cloudDir } = (settings as { value: { watchDir: string; cloudDir: string } }).value;
    for (const folder of [watchDir, cloudDir])
      assert.equal((await dispatch('restore:start', into(folder))).ok, false, folder);
    picked.push('/home/ada/Dropbox');
    await dispatch('dialog:pickFolder', { purpose: 'cloud' });
    assert.equal((await dispatch('restore:start', into('/home/ada/Dropbox'))).ok, false);
    picked.push('/home/ada/Dropbox');
    await dispatch('dialog:pickFolder', { purpose: 'restoreDestination' });
    assert.equal(
      (await dispatch('restore:start', into('/home/ada/Dropbox'))).ok,
      true,
      'picked for it: the user chose',
    );
  });

  test('settings:update: new folders must be picked; the current ones may be sent back unchanged', async () => {
    const { dispatch, engine, picked } = setUp();
    assert.equal((await dispatch('settings:update', { watchDir: '/home/ada/Exports' })).ok, false);
    await dispatch('settings:get', undefined);
    assert.equal((await dispatch('settings:update', { watchDir: '/home/ada/Exports' })).ok, true);
    assert.equal((await dispatch('settings:update', { cloudDir: '/mnt/elsewhere' })).ok, false);
    picked.push('/mnt/elsewhere');
    await dispatch('dialog:pickFolder', { purpose: 'cloud' });
    assert.equal((await dispatch('settings:update', { cloudDir: '/mnt/elsewhere' })).ok, true);
    assert.deepEqual(engine.methods(), ['settings:get', 'settings:update', 'settings:update']);
  });
});

describe('settings:update', () => {
  test('startAtLogin also sets the login item, after the engine saved it; others are told the settings', async () => {
    const { dispatch, loginItem, settingsSeen } = setUp();
    await dispatch('settings:update', { quietSeconds: 60 });
    assert.deepEqual(loginItem, []);
    const reply = await dispatch('settings:update', { startAtLogin: true });
    assert.equal(reply.ok, true);
    assert.deepEqual(loginItem, [true]);
    await dispatch('settings:update', { startAtLogin: false });
    assert.deepEqual(loginItem, [true, false]);
    assert.deepEqual(
      settingsSeen.map((s) => [s.quietSeconds, s.startAtLogin]),
      [
        [60, false],
        [30, true],
        [30, false],
      ],
    );
  });

  test('when the engine refuses, the login item is left alone', async () => {
    const { dispatch, loginItem } = setUp({
      'settings:update': () => {
        throw new Error('The settings could not be saved: the disk is full.');
      },
    });
    assert.deepEqual(await dispatch('settings:update', { startAtLogin: true }), {
      ok: false,
      message: 'The settings could not be saved: the disk is full.',
    });
    assert.deepEqual(loginItem, []);
  });
});

describe('a new recovery kit', () => {
  test('is made only once the user confirmed in a native dialog, each time', async () => {
    const kit = { text: 'the new kit', qrSvg: '<svg/>' };
    const { dispatch, engine, confirms, dialogLog } = setUp({ 'kit:renew': () => kit });
    assert.deepEqual(await dispatch('kit:renew', undefined), {
      ok: false,
      message: 'No new recovery kit was made.',
    });
    assert.deepEqual(engine.calls, [], 'the engine was not asked');
    confirms.push(true);
    assert.deepEqual(await dispatch('kit:renew', undefined), { ok: true, value: kit });
    assert.equal((await dispatch('kit:renew', undefined)).ok, false, 'one confirmation, one kit');
    assert.deepEqual(dialogLog, ['confirmNewKit', 'confirmNewKit', 'confirmNewKit']);
    assert.deepEqual(engine.methods(), ['kit:renew']);
  });
});

describe('the recovery kit', () => {
  let dir: string;
  const kitText = `# Puddleproof recovery kit\n# Keep this file offline.\n${'AGE-SECRET-KEY-1QQQQ\n'}`;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'puddleproof-dispatch-'));
    await writeFile(join(dir, 'kit.txt'), kitText);
    await writeFile(join(dir, 'exactly-16k.txt'), 'k'.repeat(MAX_KIT_FILE_BYTES));
    await writeFile(join(dir, 'too-big.txt'), 'k'.repeat(MAX_KIT_FILE_BYTES + 1));
    await writeFile(join(dir, 'empty.txt'), '');
    await mkdir(join(dir, 'a folder'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('setup:saveKit asks where, then has the engine write the kit there', async () => {
    const { dispatch, engine, picked } = setUp();
    picked.push(null);
    assert.deepEqual(await dispatch('setup:saveKit', undefined), { ok: true, value: null });
    assert.deepEqual(engine.calls, []);
    picked.push(join(dir, 'saved-kit.txt'));
    assert.deepEqual(await dispatch('setup:saveKit', undefined), {
      ok: true,
      value: { path: join(dir, 'saved-kit.txt'), warnings: ['a warning'] },
    });
    assert.deepEqual(engine.calls, [
      { method: 'engine:writeKit', request: { path: join(dir, 'saved-kit.txt') } },
    ]);
  });

  test('kit:renewSave (I lost my kit) asks where, then has the engine write the new kit there', async () => {
    const { dispatch, engine, picked } = setUp({ 'engine:writeRenewedKit': () => ({ warnings: [] }) });
    picked.push(null);
    assert.deepEqual(await dispatch('kit:renewSave', undefined), { ok: true, value: null });
    assert.deepEqual(engine.calls, []);
    picked.push(join(dir, 'new-kit.txt'));
    assert.deepEqual(await dispatch('kit:renewSave', undefined), {
      ok: true,
      value: { path: join(dir, 'new-kit.txt'), warnings: [] },
    });
    assert.deepEqual(engine.calls, [
      { method: 'engine:writeRenewedKit', request: { path: join(dir, 'new-kit.txt') } },
    ]);
    // The window cannot name a path, nor reach the engine's own method.
    assert.equal((await dispatch('kit:renewSave', { path: '/tmp/x' })).ok, false);
    assert.equal((await dispatch('engine:writeRenewedKit', { path: '/tmp/x' })).ok, false);
    assert.equal((await dispatch('kit:renewConfirm', { typed: 'x'.repeat(201) })).ok, false);
  });

  test('kit:load reads the chosen file and pastes its text; a cancelled dialog answers the current status', async () => {
    const { dispatch, engine, picked } = setUp();
    picked.push(join(dir, 'kit.txt'));
    assert.deepEqual(await dispatch('kit:load', undefined), { ok: true, value: KIT_STATUS });
    picked.push(null);
    assert.deepEqual(await dispatch('kit:load', undefined), {
      ok: true,
      value: { loaded: false, description: 'No recovery kit loaded' },
    });
    assert.deepEqual(engine.calls, [
      { method: 'kit:paste', request: { text: kitText } },
      { method: 'kit:status', request: undefined },
    ]);
  });

  test('setup:pairRequest takes only folders the user picked or setup offered', async () => {
    const view = { code: 'abcde-fghij-klmno-pqrst-uvwxy-z', check: '123 456' };
    const { dispatch, engine } = setUp({ 'setup:pairRequest': () => view });
    const folders = { watchDir: '/home/ada/Chat exports', cloudDir: '/home/ada/Dropbox' };
    assert.equal((await dispatch('setup:pairRequest', folders)).ok, false, 'nothing granted yet');
    assert.deepEqual(engine.calls, []);
    await dispatch('setup:state', undefined);
    assert.deepEqual(await dispatch('setup:pairRequest', folders), { ok: true, value: view });
    assert.deepEqual(await dispatch('setup:pairCancel', { now: true }), {
      ok: false,
      message: 'Invalid request for setup:pairCancel: the request takes no data.',
    });
  });

  test('kit:checkFile checks the chosen file with the engine; a cancelled dialog answers null', async () => {
    const checked = { checkedAt: '2026-12-07T03:00:00.000Z', chat: 'Alice — WhatsApp' };
    const { dispatch, engine, picked } = setUp({ 'kit:check': () => checked });
    picked.push(join(dir, 'kit.txt'));
    assert.deepEqual(await dispatch('kit:checkFile', undefined), { ok: true, value: checked });
    picked.push(null);
    assert.deepEqual(await dispatch('kit:checkFile', undefined), { ok: true, value: null });
    assert.deepEqual(engine.calls, [{ method: 'kit:check', request: { text: kitText } }]);
  });

  test('main is told when the drill passed (the tray reminder goes), not when it failed or was cancelled', async () => {
    const checked = { checkedAt: '2026-12-07T03:00:00.000Z', chat: 'Alice — WhatsApp' };
    let pass = false;
    const { dispatch, picked, kitChecks } = setUp({
      'kit:check': () => {
        if (!pass) throw new Error('This recovery kit belongs to another vault. Nothing was changed.');
        return checked;
      },
    });
    assert.equal((await dispatch('kit:check', { text: kitText })).ok, false);
    picked.push(null);
    await dispatch('kit:checkFile', undefined);
    assert.equal(kitChecks(), 0);
    pass = true;
    assert.deepEqual(await dispatch('kit:check', { text: kitText }), { ok: true, value: checked });
    picked.push(join(dir, 'kit.txt'));
    assert.deepEqual(await dispatch('kit:checkFile', undefined), { ok: true, value: checked });
    assert.equal(kitChecks(), 2);
  });

  test('a file of exactly 16 KiB is read; one byte more is refused without reaching the engine', async () => {
    const { dispatch, engine, picked } = setUp();
    picked.push(join(dir, 'exactly-16k.txt'));
    assert.equal((await dispatch('kit:load', undefined)).ok, true);
    picked.push(join(dir, 'too-big.txt'));
    assert.deepEqual(await dispatch('kit:load', undefined), {
      ok: false,
      message: 'That file is too big to be a recovery kit (over 16 KiB); choose the kit file.',
    });
    assert.deepEqual(engine.methods(), ['kit:paste']);
  });

  test('an empty file, a folder or a vanished file get a plain refusal', async () => {
    const { dispatch, engine, picked } = setUp();
    const expected: [string, string][] = [
      ['empty.txt', 'That file is empty; choose the recovery kit file.'],
      ['a folder', 'That is a folder; choose the recovery kit file.'],
      ['gone.txt', 'That file no longer exists; choose the recovery kit again.'],
    ];
    for (const [name, message] of expected) {
      picked.push(join(dir, name));
      assert.deepEqual(await dispatch('kit:load', undefined), { ok: false, message }, name);
    }
    assert.deepEqual(engine.calls, []);
  });

  test('setup:joinVault without kit text opens a kit file and forwards its text', async () => {
    const { dispatch, engine, picked, dialogLog } = setUp();
    await dispatch('setup:state', undefined);
    const folders = { watchDir: '/home/ada/Chat exports', cloudDir: '/home/ada/Dropbox' };
    picked.push(join(dir, 'kit.txt'));
    assert.deepEqual(await dispatch('setup:joinVault', folders), { ok: true, value: undefined });
    picked.push(null);
    assert.deepEqual(await dispatch('setup:joinVault', folders), {
      ok: false,
      message: 'No recovery kit was chosen.',
    });
    assert.deepEqual(await dispatch('setup:joinVault', { ...folders, kitText: 'pasted kit' }), {
      ok: true,
      value: undefined,
    });
    assert.deepEqual(dialogLog, ['openKitFile', 'openKitFile']);
    assert.deepEqual(
      engine.calls.filter((c) => c.method === 'setup:joinVault').map((c) => c.request),
      [
        { ...folders, kitText },
        { ...folders, kitText: 'pasted kit' },
      ],
    );
  });

  test('setup:joinVault checks the folders before opening any dialog', async () => {
    const { dispatch, dialogLog, engine } = setUp();
    const reply = await dispatch('setup:joinVault', { watchDir: '/srv', cloudDir: '/home/ada/Dropbox' });
    assert.equal(reply.ok, false);
    assert.deepEqual(dialogLog, []);
    assert.deepEqual(engine.calls, []);
  });
});

describe('restore:showInFolder', () => {
  test('shows only folders the engine says it restored', async () => {
    const restored = new Set(['/home/ada/Restored/Alice']);
    const { dispatch, shown } = setUp({
      'engine:isRestored': ({ destination }) => restored.has(destination),
    });
    assert.deepEqual(await dispatch('restore:showInFolder', { destination: '/home/ada/.ssh' }), {
      ok: false,
      message: 'Only folders Puddleproof restored can be shown.',
    });
    assert.deepEqual(await dispatch('restore:showInFolder', { destination: '/home/ada/Restored/Alice' }), {
      ok: true,
      value: undefined,
    });
    assert.deepEqual(shown, ['/home/ada/Restored/Alice']);
  });
});

describe('errors', () => {
  test('an engine error comes back as its message, never its stack', async () => {
    const { dispatch } = setUp({
      'history:list': () => {
        throw new Error('The cloud folder /home/ada/Dropbox is not reachable.');
      },
    });
    const reply = await dispatch('history:list', undefined);
    assert.deepEqual(reply, { ok: false, message: 'The cloud folder /home/ada/Dropbox is not reachable.' });
  });

  test('a thrown non-error or an empty message becomes a generic plain message', async () => {
    for (const thrown of [{ weird: true }, new Error('   ')]) {
      const { dispatch } = setUp({
        'backup:now': () => {
          throw thrown;
        },
      });
      assert.deepEqual(await dispatch('backup:now', undefined), {
        ok: false,
        message: 'Something went wrong; please try again.',
      });
    }
  });
});

describe('window:pendingView', () => {
  test('main answers it with the view waiting (once), never the engine; it takes no data', async () => {
    const waiting: ('recoveryKit' | null)[] = ['recoveryKit'];
    const { engine } = setUp();
    const dispatch = createDispatcher({
      engine,
      dialogs: {
        pickFolder: async () => null,
        saveKitPath: async () => null,
        openKitFile: async () => null,
        confirmNewKit: async () => false,
      },
      showItemInFolder: () => {},
      setStartAtLogin: () => {},
      takePendingView: () => waiting.shift() ?? null,
    });
    assert.deepEqual(await dispatch('window:pendingView', undefined), { ok: true, value: 'recoveryKit' });
    assert.deepEqual(await dispatch('window:pendingView', undefined), { ok: true, value: null });
    assert.deepEqual(await dispatch('window:pendingView', 'recoveryKit'), {
      ok: false,
      message: 'Invalid request for window:pendingView: the request takes no data.',
    });
    // Without navigation (the window's tests), nothing is waiting.
    assert.deepEqual(await setUp().dispatch('window:pendingView', undefined), { ok: true, value: null });
    assert.deepEqual(engine.methods(), []);
  });
});
