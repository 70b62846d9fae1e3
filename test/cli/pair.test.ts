// `puddleproof pair` end to end: a new device prints its code and check, waits; a device of the vault
// approves with the code; the new device exits 0 and both list each other as trusted devices.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CLI_ARGS, makeSandbox, type Sandbox } from '../helpers/cli.js';
import { exited } from '../helpers/processes.js';

let sb: Sandbox;
after(() => sb?.cleanup());

test('pair request prints a code and a check, and exits 0 once pair approve CODE --yes ran', {
  timeout: 120_000,
}, async () => {
  sb = await makeSandbox();
  const init = await sb.run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit]);
  assert.equal(init.code, 0, init.stderr);
  const home2 = join(sb.root, 'home-2');
  const watch2 = join(sb.root, 'watch-2');
  await mkdir(watch2);
  // The new device runs until approved; its first two lines are the code and the check.
  const child = spawn(
    process.execPath,
    [...CLI_ARGS, 'pair', 'request', '--cloud', sb.cloud, '--watch', watch2, '--device', 'laptop'],
    { env: { ...process.env, PUDDLEPROOF_HOME: home2 }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Registered for cleanup's keychain sweep.
  await sb.run(['--help'], { home: home2 });
  let out = '';
  const shown = new Promise<{ code: string; check: string }>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const code = /^code: (\S+)$/m.exec(out)?.[1];
      const check = /^check: (\d{3} \d{3})$/m.exec(out)?.[1];
      if (code && check) resolve({ code, check });
    });
    child.once('exit', () => reject(new Error(`pair request ended early:\n${out}`)));
  });
  const { code, check } = await shown;
  const approve = await sb.run(['pair', 'approve', code, '--yes']);
  assert.equal(approve.code, 0, approve.stderr);
  assert.match(approve.stdout, /^device: laptop$/m);
  assert.match(approve.stdout, new RegExp(`^check: ${check}$`, 'm'), 'the same check on both devices');
  const end = await exited(child);
  assert.equal(end.code, 0, out);
  assert.match(out, /Approved\. This device now uses the vault/);
  for (const home of [sb.home, home2]) {
    const listed = await sb.run(['devices', '--json'], { home });
    assert.equal(listed.code, 0, listed.stderr);
    const names = (JSON.parse(listed.stdout) as { name: string }[]).map((d) => d.name).sort();
    assert.equal(names.length, 2, listed.stdout);
    assert.ok(names.includes('laptop'));
  }
});
