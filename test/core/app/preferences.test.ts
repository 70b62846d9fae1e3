// The app's preferences file: defaults when missing, validated on load and save, damage reported.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  DEFAULT_PREFERENCES,
  loadPreferences,
  savePreferences,
  validatePreferences,
} from '../../../src/core/app/preferences.js';
import { ProfileError } from '../../../src/core/profile.js';

const home = await mkdtemp(join(tmpdir(), 'puddleproof-prefs-'));
after(() => rm(home, { recursive: true, force: true }));

test('missing file: the defaults (quiet 10 s, default retention, nothing on)', async () => {
  assert.deepEqual(await loadPreferences(home), DEFAULT_PREFERENCES);
});

test('saved preferences load back; missing fields take defaults', async () => {
  const prefs = { ...DEFAULT_PREFERENCES, quietSeconds: 30, paused: true };
  await savePreferences(home, prefs);
  assert.deepEqual(await loadPreferences(home), prefs);
  assert.deepEqual(validatePreferences({ notifyOnSuccess: true }), {
    ...DEFAULT_PREFERENCES,
    notifyOnSuccess: true,
  });
});

test('bad values are refused with the field named', async () => {
  assert.throws(() => validatePreferences({ quietSeconds: 0 }), /quietSeconds/);
  assert.throws(() => validatePreferences({ paused: 'yes' }), /paused/);
  assert.throws(() => validatePreferences({ retention: { last: -1 } }), /retention/);
  assert.throws(() => validatePreferences([]), ProfileError);
  await writeFile(join(home, 'preferences.json'), '{oops');
  await assert.rejects(loadPreferences(home), /not valid JSON/);
  await assert.rejects(savePreferences(home, { ...DEFAULT_PREFERENCES, quietSeconds: 1.5 }), /quietSeconds/);
});

test('kitCheckMonths: every 3 months by default; one of never, 1, 3, 6, 12', async () => {
  assert.equal(DEFAULT_PREFERENCES.kitCheckMonths, 3);
  assert.equal(validatePreferences({}).kitCheckMonths, 3);
  for (const months of [0, 1, 3, 6, 12]) {
    assert.equal(validatePreferences({ kitCheckMonths: months }).kitCheckMonths, months);
  }
  for (const bad of [2, -1, 1.5, '3', null, 24]) {
    assert.throws(() => validatePreferences({ kitCheckMonths: bad }), /kitCheckMonths/);
  }
  await savePreferences(home, { ...DEFAULT_PREFERENCES, kitCheckMonths: 12 });
  assert.equal((await loadPreferences(home)).kitCheckMonths, 12);
  await assert.rejects(
    savePreferences(home, { ...DEFAULT_PREFERENCES, kitCheckMonths: 2 }),
    /kitCheckMonths/,
  );
});
