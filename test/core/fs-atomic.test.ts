// Files that another process or a later start reads are written atomically: a reader sees the old
// content or the new, never an empty or half-written file, and no temporary file is left behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { DEFAULT_PREFERENCES, loadPreferences, savePreferences } from '../../src/core/app/preferences.js';
import { createFileAtomic, writeFileAtomic } from '../../src/core/fs-atomic.js';
import { newIds, type Settings, saveSettings, settingsPath } from '../../src/core/profile.js';
import { Journal } from '../../src/core/vault/journal.js';
import { isBackupId } from '../../src/core/vault/layout.js';
import { contentsSeenWhileRewriting } from '../helpers/read-while-rewriting.js';

const CHECKER = new URL('../helpers/journal-checker.ts', import.meta.url).pathname;
const root = await mkdtemp(join(tmpdir(), 'puddleproof-atomic-'));
after(() => rm(root, { recursive: true, force: true }));

test('writeFileAtomic: readers only ever see a complete version', async () => {
  const dir = join(root, 'plain');
  await mkdir(dir);
  await writeFile(join(dir, 'seed'), '');
  const path = join(dir, 'state.json');
  const versions = ['{"a":1}\n', `${JSON.stringify({ b: 'x'.repeat(20_000) })}\n`];
  const seen = await contentsSeenWhileRewriting(path, 200, (round) =>
    writeFileAtomic(path, versions[round % 2] ?? ''),
  );
  assert.deepEqual([...seen].sort(), [...versions].sort());
  assert.deepEqual((await readdir(dir)).sort(), ['seed', 'state.json'], 'no temporary files left');
});

test('the settings and the preferences are read whole while they are being saved', async () => {
  const home = join(root, 'profile');
  const settings: Settings = { version: 1, ...newIds(), deviceName: 'd', watchDir: '/w', cloudDir: '/c' };
  const names = ['laptop', 'a device with a much longer name than the other one'];
  const seenSettings = await contentsSeenWhileRewriting(settingsPath(home), 100, (round) =>
    saveSettings(home, { ...settings, deviceName: names[round % 2] ?? '' }),
  );
  assert.deepEqual(
    [...seenSettings].map((t) => (JSON.parse(t) as Settings).deviceName).sort(),
    [...names].sort(),
  );
  const quiet = [10, 3600];
  const prefsPath = join(home, 'preferences.json');
  const seenPrefs = await contentsSeenWhileRewriting(prefsPath, 100, (round) =>
    savePreferences(home, { ...DEFAULT_PREFERENCES, quietSeconds: quiet[round % 2] ?? 10 }),
  );
  assert.deepEqual([...seenPrefs].map((t) => JSON.parse(t).quietSeconds).sort(), quiet);
  assert.equal((await loadPreferences(home)).quietSeconds, 3600);
  assert.deepEqual((await readdir(home)).sort(), ['preferences.json', 'settings.json']);
});

test('createFileAtomic: the file appears complete or not at all, and nothing is ever replaced', async () => {
  const dir = join(root, 'create');
  await mkdir(dir);
  const path = join(dir, 'kit.txt');
  const text = `# kit\n${'AGE-SECRET-KEY-1'.padEnd(74, 'Q')}\n`.repeat(200);
  const seen = await contentsSeenWhileRewriting(path, 1, () => createFileAtomic(path, text));
  assert.deepEqual(
    [...seen].filter((t) => t !== text),
    [],
    'no partial content was ever readable',
  );
  assert.equal(await readFile(path, 'utf8'), text);
  await assert.rejects(createFileAtomic(path, 'other'), { code: 'EEXIST' });
  assert.equal(await readFile(path, 'utf8'), text, 'the existing file is untouched');
  // Several creators at once: exactly one wins, the others are refused.
  const racePath = join(dir, 'race.txt');
  const results = await Promise.allSettled(
    ['a', 'b', 'c', 'd'].map((name) => createFileAtomic(racePath, name.repeat(10_000))),
  );
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  assert.match(await readFile(racePath, 'utf8'), /^(a{10000}|b{10000}|c{10000}|d{10000})$/);
  assert.deepEqual((await readdir(dir)).sort(), ['kit.txt', 'race.txt'], 'no temporary files left');
});

test('a journal marker is never read as a dead writer while it is being written', async () => {
  const dir = join(root, 'journal');
  await mkdir(dir);
  const journal = new Journal(dir);
  const base32 = 'abcdefghijklmnopqrstuvwxyz234567';
  const ids = Array.from(
    { length: 300 },
    (_, i) => `20261205T080000Z-aaaaaaaaaa${base32[i >> 5]}${base32[i & 31]}`,
  );
  assert.ok(ids.every(isBackupId));
  // The checker runs in its own process, as a `gc` of another process would.
  const checker = spawn(process.execPath, ['--import', 'tsx', CHECKER, dir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: checker.stdout })[Symbol.asyncIterator]();
  assert.equal((await lines.next()).value, 'ready');
  for (const id of ids) {
    await journal.begin(id);
    await journal.end(id);
  }
  checker.stdin.end();
  const report = JSON.parse((await lines.next()).value) as { abandoned: string[]; checks: number };
  assert.ok(report.checks > 10, `the checker ran only ${report.checks} times`);
  assert.deepEqual(report.abandoned, [], 'a running backup was taken for an abandoned one');
  assert.deepEqual([...(await journal.abandoned())], []);
});

test('a journal marker that cannot be read is a running backup that has not read the collections yet', async () => {
  const dir = join(root, 'journal-unreadable');
  await mkdir(dir);
  const journal = new Journal(dir);
  const id = '20261207T080000Z-aaaaaaaaaaaa';
  await journal.begin(id);
  await journal.saw(id, ['20261207T070000Z-bbbbbbbbbbbb']);
  assert.deepEqual(await journal.running(), [new Set(['20261207T070000Z-bbbbbbbbbbbb'])]);
  // Unreadable for a moment, as during its rename on Windows (here: a folder by its name).
  await rm(join(dir, id));
  await mkdir(join(dir, id));
  assert.deepEqual(await journal.running(), [null]);
  await rm(join(dir, id), { recursive: true });
  assert.deepEqual(await journal.running(), []);
});
