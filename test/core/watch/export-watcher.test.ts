// The watcher's life cycle: stopping it while it is still starting must not leave `start` hanging.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ExportWatcher } from '../../../src/core/watch/export-watcher.js';

const root = await mkdtemp(join(tmpdir(), 'puddleproof-watcher-'));
after(() => rm(root, { recursive: true, force: true }));

test('stop during start: start resolves and the watcher is stopped', async () => {
  for (let i = 0; i < 200; i++) await writeFile(join(root, `export-${i}.zip`), 'x');
  const watcher = new ExportWatcher(root, () => undefined);
  const starting = watcher.start();
  await watcher.stop();
  const outcome = await Promise.race([
    starting.then(() => 'resolved'),
    new Promise((resolve) => setTimeout(() => resolve('still pending'), 5000)),
  ]);
  assert.equal(outcome, 'resolved');
  assert.equal(watcher.running, false);
});

test('events name the top-level export that changed', async () => {
  const seen: (string | null)[] = [];
  const watcher = new ExportWatcher(root, (name) => seen.push(name));
  await watcher.start();
  await mkdir(join(root, 'ChatExport_1', 'photos'), { recursive: true });
  await writeFile(join(root, 'ChatExport_1', 'photos', 'a.jpg'), 'a');
  for (let i = 0; i < 100 && !seen.includes('ChatExport_1'); i++) await new Promise((r) => setTimeout(r, 50));
  await watcher.stop();
  assert.ok(seen.includes('ChatExport_1'), `saw ${JSON.stringify(seen)}`);
});
