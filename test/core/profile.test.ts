import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  defaultProfileHome,
  keychainService,
  loadSettings,
  newIds,
  ProfileError,
  type Settings,
  saveSettings,
} from '../../src/core/profile.js';

test('the default profile folder is the one Electron uses as userData for Puddleproof', () => {
  assert.equal(defaultProfileHome({ XDG_CONFIG_HOME: '/x/config' }, 'linux'), '/x/config/Puddleproof');
  assert.match(defaultProfileHome({}, 'darwin'), /Library\/Application Support\/Puddleproof$/);
  assert.match(
    defaultProfileHome({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32'),
    /Roaming.Puddleproof$/,
  );
});

test('settings are written atomically, validated on load, and name a per-profile keychain service', async () => {
  const home = await mkdtemp(join(tmpdir(), 'profile-'));
  try {
    assert.equal(await loadSettings(home), null);
    const settings: Settings = { version: 1, ...newIds(), deviceName: 'd', watchDir: '/w', cloudDir: '/c' };
    await saveSettings(join(home, 'nested'), settings);
    assert.deepEqual(await loadSettings(join(home, 'nested')), settings);
    assert.deepEqual(await readdir(join(home, 'nested')), ['settings.json'], 'no temporary files left');
    const other = { ...settings, ...newIds() };
    assert.notEqual(keychainService(settings), keychainService(other));
    await writeFile(join(home, 'settings.json'), JSON.stringify({ ...settings, watchDir: 'relative' }));
    await assert.rejects(loadSettings(home), /absolute path/);
    await writeFile(join(home, 'settings.json'), '{not json');
    await assert.rejects(loadSettings(home), ProfileError);
    assert.doesNotMatch(await readFile(join(home, 'nested', 'settings.json'), 'utf8'), /SECRET/);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
