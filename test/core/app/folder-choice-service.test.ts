// The folder check in the app's engine service: setup, the kit's save, Settings and a profile made before
// the check. Real keychain, real folders; a refused choice changes nothing.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EngineService } from '../../../src/core/app/engine-service.js';
import { osKeychain } from '../../../src/core/keys/keychain.js';
import { deleteVaultSecrets } from '../../../src/core/keys/vault-secrets.js';
import { keychainService, loadSettings, settingsPath } from '../../../src/core/profile.js';
import type { EngineStatus } from '../../../src/shared/status.js';
import { storedZip } from '../../helpers/zip.js';

describe('the engine service checks every folder choice', { concurrency: 1, timeout: 120_000 }, () => {
  let root: string;
  let user: string;
  let home: string;
  let watch: string;
  let cloud: string;
  let engine: EngineService;
  const statuses: EngineStatus[] = [];
  let onStatus: (() => void) | undefined;

  const makeEngine = () =>
    new EngineService({
      home,
      places: { home: user, env: {}, platform: 'linux' },
      progressIntervalMs: 0,
      emit: (event, payload) => {
        if (event !== 'status:changed') return;
        statuses.push(payload as EngineStatus);
        onStatus?.();
      },
    });

  /** Waits for a status of `kind` (one already seen counts). */
  const statusOf = (kind: string) =>
    new Promise<EngineStatus>((resolve) => {
      const look = () => {
        const found = statuses.find((s) => s.state.kind === kind);
        if (found) resolve(found);
      };
      onStatus = look;
      look();
    });

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'puddleproof-folders-app-'));
    user = join(root, 'user');
    home = join(root, 'profile');
    watch = join(user, 'Chat exports');
    cloud = join(user, 'Dropbox');
    await mkdir(cloud, { recursive: true });
    await mkdir(join(user, 'OneDrive'));
    engine = makeEngine();
    await engine.start();
  });

  after(async () => {
    await engine.stop();
    const settings = await loadSettings(home).catch(() => null);
    if (settings) await deleteVaultSecrets(osKeychain(keychainService(settings)));
    await rm(root, { recursive: true, force: true });
  });

  test('folders:check answers the refusal or the warnings', async () => {
    assert.deepEqual(await engine.call('folders:check', { watchDir: watch, cloudDir: cloud }), {
      refused: null,
      warnings: [],
    });
    const same = await engine.call('folders:check', { watchDir: cloud, cloudDir: cloud });
    assert.match(same.refused ?? '', /same folder/);
    const synced = await engine.call('folders:check', {
      watchDir: join(user, 'OneDrive', 'exports'),
      cloudDir: cloud,
    });
    assert.equal(synced.refused, null);
    assert.match(synced.warnings.join('\n'), /inside .*OneDrive \(OneDrive\).*uploaded there unencrypted/);
  });

  test('setup refuses an export folder inside the cloud folder; nothing is made', async () => {
    const inside = join(cloud, 'exports');
    await assert.rejects(
      engine.call('setup:createKeys', { watchDir: inside, cloudDir: cloud }),
      /is inside the cloud folder/,
    );
    assert.deepEqual(await readdir(cloud), []);
    assert.equal(existsSync(home), false);
    await assert.rejects(
      engine.call('setup:joinVault', { watchDir: inside, cloudDir: cloud, kitText: '# not read\n' }),
      /is inside the cloud folder/,
    );
    assert.equal(existsSync(inside), false, 'the export folder was not created');
  });

  test('the kit is refused inside the cloud or export folder, and saved with a warning in a synced one', async () => {
    await engine.call('setup:createKeys', { watchDir: watch, cloudDir: cloud });
    for (const path of [join(cloud, 'kit.txt'), join(watch, 'kit.txt')]) {
      await assert.rejects(engine.call('engine:writeKit', { path }), /recovery kit .* inside the/);
      assert.equal(existsSync(path), false);
    }
    const inOneDrive = join(user, 'OneDrive', 'kit.txt');
    const saved = await engine.call('engine:writeKit', { path: inOneDrive });
    assert.match(saved.warnings.join('\n'), /OneDrive.*no longer offline/);
    const offline = await engine.call('engine:writeKit', { path: join(root, 'kit.txt') });
    assert.deepEqual(offline.warnings, []);
    const kit = await readFile(join(root, 'kit.txt'), 'utf8');
    const key = kit.trimEnd().split('\n').at(-1) ?? '';
    const confirmed = await engine.call('setup:confirmKit', { typed: key.slice(-6) });
    assert.equal(confirmed.ok, true, confirmed.message);
  });

  test('two settings changed at once both stay (they are saved one after the other)', async () => {
    const before = await engine.call('settings:get', undefined);
    await Promise.all([
      engine.call('settings:update', { startAtLogin: !before.startAtLogin }),
      engine.call('settings:update', { notifyOnSuccess: !before.notifyOnSuccess }),
      engine.call('watching:pause', undefined),
    ]);
    const after = await engine.call('settings:get', undefined);
    assert.deepEqual(
      [after.startAtLogin, after.notifyOnSuccess, after.paused],
      [!before.startAtLogin, !before.notifyOnSuccess, true],
    );
    const saved = JSON.parse(await readFile(join(home, 'preferences.json'), 'utf8'));
    assert.deepEqual(
      [saved.startAtLogin, saved.notifyOnSuccess, saved.paused],
      [!before.startAtLogin, !before.notifyOnSuccess, true],
    );
    await engine.call('watching:resume', undefined);
  });

  test('Settings refuses a folder change that overlaps, and keeps the settings as they were', async () => {
    const before = await engine.call('settings:get', undefined);
    const saved = await readFile(settingsPath(home), 'utf8');
    const inside = join(cloud, 'exports');
    await assert.rejects(engine.call('settings:update', { watchDir: inside }), /inside the cloud folder/);
    await assert.rejects(
      engine.call('settings:update', { cloudDir: watch, deviceName: 'renamed' }),
      /same folder/,
    );
    assert.deepEqual(await engine.call('settings:get', undefined), before);
    assert.equal(await readFile(settingsPath(home), 'utf8'), saved);
    assert.equal(existsSync(inside), false);
  });

  test('a profile made before the check: no backups, and the status says what to fix', async () => {
    await engine.stop();
    const settings = JSON.parse(await readFile(settingsPath(home), 'utf8'));
    const inside = join(cloud, 'exports');
    await mkdir(inside);
    await writeFile(join(inside, 'WhatsApp Chat - Alice.zip'), 'a chat');
    await writeFile(settingsPath(home), JSON.stringify({ ...settings, watchDir: inside }));
    statuses.length = 0;
    engine = makeEngine();
    await engine.start();
    const status = await statusOf('foldersRefused');
    assert.match(
      status.state.kind === 'foldersRefused' ? status.state.message : '',
      /inside the cloud folder/,
    );
    await engine.call('backup:now', undefined);
    assert.deepEqual(await readdir(join(cloud, 'Puddleproof', 'meta')), [], 'nothing was backed up');
    // Fixing the folders in Settings starts backups again.
    await engine.call('settings:update', { watchDir: watch });
    await writeFile(join(watch, 'WhatsApp Chat - Bob.zip'), storedZip([['_chat.txt', Buffer.from('hi')]]));
    await engine.call('backup:now', undefined);
    await statusOf('idle');
    assert.equal((await readdir(join(cloud, 'Puddleproof', 'meta'))).length, 1, 'Bob was backed up');
  });
});
