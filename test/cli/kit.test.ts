// `puddleproof kit check` (the recovery drill) and what `status` says of it, through the CLI.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeSandbox, type Sandbox } from '../helpers/cli.js';

const boxes: Sandbox[] = [];
after(() => Promise.all(boxes.map((b) => b.cleanup())));

test('kit check passes with the kit (status says when), fails with another vault’s kit', {
  timeout: 120_000,
}, async () => {
  const sb = await makeSandbox();
  const other = await makeSandbox();
  boxes.push(sb, other);
  for (const box of [sb, other]) {
    const init = await box.run([
      'init',
      '--watch',
      box.watch,
      '--cloud',
      box.cloud,
      '--recovery-kit',
      box.kit,
    ]);
    assert.equal(init.code, 0, init.stderr);
  }
  await mkdir(join(sb.watch, 'ChatExport_2026-12-07'));
  await writeFile(join(sb.watch, 'ChatExport_2026-12-07', 'messages.html'), '<p>hello</p>');
  assert.equal((await sb.run(['backup'])).code, 0);
  const before = await sb.run(['status']);
  assert.match(before.stdout, /^Recovery kit never checked here/m);
  const wrong = await sb.run(['kit', 'check', '--recovery-kit', other.kit]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /belongs to another vault/);
  assert.match((await sb.run(['status'])).stdout, /^Recovery kit never checked here/m);
  const right = await sb.run(['kit', 'check', '--recovery-kit', sb.kit]);
  assert.equal(right.code, 0, right.stderr);
  assert.match(right.stdout, /opened the newest backup/);
  const after_ = await sb.run(['status', '--json']);
  const report = JSON.parse(after_.stdout) as {
    kitCheckedAt: string | null;
    kitCheckDue: boolean;
    kitCheckMonths: number;
  };
  assert.ok(report.kitCheckedAt);
  assert.equal(report.kitCheckDue, false);
  assert.equal(report.kitCheckMonths, 3);
  // The interval is the app's preference: status reads it (0: the drill is never asked for).
  await writeFile(join(sb.home, 'preferences.json'), JSON.stringify({ kitCheckMonths: 0 }));
  const off = JSON.parse((await sb.run(['status', '--json'])).stdout) as { kitCheckMonths: number };
  assert.equal(off.kitCheckMonths, 0);
});
