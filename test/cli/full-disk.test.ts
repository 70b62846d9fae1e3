// Format-2 backups and restores through the CLI on real full disks (small tmpfs mounts): a backup into a
// full cloud folder says so in plain words and commits nothing, and the next one, with room, stores the
// export whole; a restore onto a full disk says so and leaves nothing there.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeSandbox, type RunResult, type Sandbox } from '../helpers/cli.js';
import { canMount, mountTmpfs } from '../helpers/tmpfs.js';

const MiB = 1024 * 1024;
const EXPORT = 'ChatExport_2026-12-02';
const video = randomBytes(6 * MiB);
const chat = '<div class="message">See you at the lake</div>\n'.repeat(200);

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Exit 1 with `message` in stderr, and no stack trace. */
function failedWith(r: RunResult, message: RegExp): void {
  assert.equal(r.code, 1, `expected exit 1, got ${r.code}:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /^\s+at |node:internal|ENOSPC/m, `a raw error in stderr:\n${r.stderr}`);
}

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe('format 2 on full disks', { concurrency: 1 }, () => {
  let sb: Sandbox | undefined;
  const mounted: string[] = [];
  let id = '';

  before(async () => {
    if (!(await canMount())) return;
    sb = await makeSandbox();
    mountTmpfs(sb.cloud, 3);
    mounted.push(sb.cloud);
    ok(await sb.run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit]), 'init');
    await mkdir(join(sb.watch, EXPORT, 'video_files'), { recursive: true });
    await writeFile(join(sb.watch, EXPORT, 'messages.html'), chat);
    await writeFile(join(sb.watch, EXPORT, 'video_files', 'lake.mp4'), video);
  });
  after(async () => {
    for (const dir of mounted.reverse()) execFileSync('umount', [dir]);
    await sb?.cleanup();
  });

  test('a backup into a full cloud folder says so, commits nothing, and succeeds once there is room', async (t) => {
    if (!sb) return t.skip('mounting a tmpfs is not permitted here');
    const vault = join(sb.cloud, 'Puddleproof');
    const before = await filesUnder(vault);
    failedWith(
      await sb.run(['backup']),
      /^failed .*ChatExport_2026-12-02: The cloud folder is full: its disk has no space left\. The backup was not made; free some space and back up again\.$/m,
    );
    const left = (await filesUnder(vault)).filter((f) => !before.includes(f));
    assert.deepEqual(
      left.filter((f) => !f.startsWith('packs/') && !f.startsWith('index/')),
      [],
      'no snapshot, metadata or temporary file',
    );
    assert.deepEqual(JSON.parse(ok(await sb.run(['list', '--json']), 'list').stdout), []);

    mountTmpfs(sb.cloud, 32, true);
    const stored = ok(await sb.run(['backup']), 'backup with room').stdout;
    assert.match(stored, /^stored ChatExport_2026-12-02 as /m);
    const [listed] = JSON.parse(ok(await sb.run(['list', '--json']), 'list').stdout) as { id: string }[];
    assert.ok(listed);
    id = listed.id;
    const to = join(sb.root, 'restored');
    ok(await sb.run(['restore', id, '--to', to]), 'restore');
    assert.ok((await readFile(join(to, EXPORT, 'video_files', 'lake.mp4'))).equals(video));
    assert.equal(await readFile(join(to, EXPORT, 'messages.html'), 'utf8'), chat);
  });

  test('a restore onto a full disk says so and leaves nothing there', async (t) => {
    if (!sb || !id) return t.skip('mounting a tmpfs is not permitted here');
    const small = join(sb.root, 'small disk');
    await mkdir(small);
    mountTmpfs(small, 2);
    mounted.push(small);
    failedWith(
      await sb.run(['restore', id, '--to', join(small, 'restored')]),
      /The disk is full\. Nothing was restored; free some space and retry\./,
    );
    assert.deepEqual(await readdir(small), []);
  });
});
