// Start at login on Linux: the XDG autostart entry is written with a properly quoted command, and removed.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { autostartEntry, autostartPath, setLinuxAutostart } from '../../src/main/linux-autostart.js';
import { contentsSeenWhileRewriting } from '../helpers/read-while-rewriting.js';

const root = await mkdtemp(join(tmpdir(), 'puddleproof-autostart-'));
after(() => rm(root, { recursive: true, force: true }));

test('the entry goes under XDG_CONFIG_HOME, else ~/.config', () => {
  assert.equal(autostartPath({ XDG_CONFIG_HOME: '/x' }, '/home/a'), '/x/autostart/puddleproof.desktop');
  assert.equal(autostartPath({}, '/home/a'), '/home/a/.config/autostart/puddleproof.desktop');
});

test('Exec quotes the command and escapes what the spec reserves', () => {
  const entry = autostartEntry(['/opt/My Apps/Puddleproof.AppImage', 'a"b$c`d\\e']);
  assert.match(entry, /^Exec="\/opt\/My Apps\/Puddleproof.AppImage" "a\\"b\\\$c\\`d\\\\e"$/m);
  assert.match(entry, /^\[Desktop Entry\]\nType=Application\n/);
});

test('enabling writes the entry; disabling removes it (and is fine when it is absent)', async () => {
  const path = join(root, 'autostart', 'puddleproof.desktop');
  await setLinuxAutostart(true, ['/usr/bin/puddleproof'], path);
  assert.match(await readFile(path, 'utf8'), /^Exec="\/usr\/bin\/puddleproof"$/m);
  await setLinuxAutostart(false, [], path);
  await assert.rejects(stat(path), { code: 'ENOENT' });
  await setLinuxAutostart(false, [], path);
});

test('a reader never sees half an entry while it is being rewritten, nor the temporary file as an entry', async () => {
  const path = join(root, 'rewritten', 'puddleproof.desktop');
  const commands = [['/opt/a/Puddleproof.AppImage'], ['/usr/lib/puddleproof/a much longer path/puddleproof']];
  const seen = await contentsSeenWhileRewriting(path, 200, (round) =>
    setLinuxAutostart(true, commands[round % 2] ?? [], path),
  );
  assert.deepEqual([...seen].sort(), commands.map((c) => autostartEntry(c)).sort());
  assert.deepEqual(await readdir(join(root, 'rewritten')), ['puddleproof.desktop']);
});
