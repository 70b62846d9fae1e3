// A damaged pack through the CLI: `verify` names the pack, and the chat and version of every backup that
// needs it; every other backup still verifies and restores; restoring a hurt one fails and writes nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeSandbox, type RunResult, type Sandbox } from '../helpers/cli.js';
import { flipBytes } from '../helpers/damage.js';

interface Listed {
  id: string;
  exportName: string;
  createdAt: string;
}

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

describe('a damaged pack', () => {
  let sb: Sandbox;
  let backups: Listed[];
  let hurt: Listed;
  let pack: string;

  before(async () => {
    process.env.PUDDLEPROOF_WRITE_FORMAT = '2';
    sb = await makeSandbox();
    ok(await sb.run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit]), 'init');
    // Two chats that share nothing: each backup has packs of its own.
    const packsDir = join(sb.cloud, 'Puddleproof', 'packs');
    let before: string[] = [];
    let bobs: string[] = [];
    for (const name of ['ChatExport_Alice', 'ChatExport_Bob']) {
      before = await readdir(packsDir);
      await mkdir(join(sb.watch, name));
      await writeFile(join(sb.watch, name, 'messages.html'), `<p>${name}</p>\n`);
      await writeFile(join(sb.watch, name, 'video.mp4'), randomBytes(3_000_000));
      ok(await sb.run(['backup', join(sb.watch, name)]), `backup of ${name}`);
      bobs = (await readdir(packsDir)).filter((n) => !before.includes(n));
    }
    backups = JSON.parse(ok(await sb.run(['list', '--json']), 'list').stdout) as Listed[];
    hurt = backups.find((b) => b.exportName === 'ChatExport_Bob') as Listed;
    // A pack Bob's backup wrote (the last one made): it holds Bob's video.
    assert.equal(bobs.length, 1, 'Bob’s backup wrote one pack');
    pack = (bobs[0] as string).slice(0, -4);
    await flipBytes(join(packsDir, `${pack}.age`));
  });
  after(async () => {
    delete process.env.PUDDLEPROOF_WRITE_FORMAT;
    await sb.cleanup();
  });

  test('verify names the pack, and the chat and version it hurts; the other backup verifies', async () => {
    const r = await sb.run(['verify']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const alice = backups.find((b) => b.exportName === 'ChatExport_Alice') as Listed;
    assert.match(r.stdout, new RegExp(`^ok ${alice.id}$`, 'm'));
    const failed = r.stdout.split('\n').find((l) => l.startsWith(`FAILED ${hurt.id}`)) ?? '';
    assert.ok(failed.includes(`(ChatExport_Bob — Other files, ${hurt.createdAt})`), failed);
    assert.ok(failed.includes(`Pack ${pack}`), failed);
    assert.match(r.stdout, /^1 of 2 backups verified\./m);
  });

  test('the other backup restores; the hurt one fails, names the pack and writes nothing', async () => {
    const alice = backups.find((b) => b.exportName === 'ChatExport_Alice') as Listed;
    const good = join(sb.root, 'alice');
    ok(await sb.run(['restore', alice.id, '--to', good]), 'restore of Alice');
    assert.ok(
      (await readFile(join(good, 'ChatExport_Alice', 'video.mp4'))).equals(
        await readFile(join(sb.watch, 'ChatExport_Alice', 'video.mp4')),
      ),
    );
    const bad = join(sb.root, 'bob');
    const r = await sb.run(['restore', hurt.id, '--to', bad]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`Pack ${pack} is damaged`));
    await assert.rejects(stat(bad), 'nothing at the destination');
    assert.deepEqual(
      (await readdir(sb.root)).filter((n) => n.includes('puddleproof-restore')),
      [],
    );
  });
});
