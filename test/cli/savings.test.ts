// What each backup uploaded, through the CLI: `backup` says it on its "stored … as ID" line and `list`
// on each backup's line ("uploaded 1.2 MB of 150.0 MB"); `list --json` gives format and uploadedBytes.
// Format 2 uploads only what is new (a second version with one small file changed adds little), and
// what it says is what the backup wrote into the cloud folder; format 1 uploads its whole archive.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatBytes } from '../../src/cli/output.js';
import type { EngineStatus } from '../../src/shared/status.js';
import { CLI_ARGS, makeSandbox, type RunResult, type Sandbox } from '../helpers/cli.js';

interface Listed {
  id: string;
  exportName: string;
  bytes: number;
  format: 1 | 2;
  uploadedBytes: number | null;
}

const EXPORT = 'Family photos';
const PHOTO_BYTES = 2_000_000;

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return r;
}

/** The size of every file in the vault's folders `dirs` (temporary files excluded), by path. */
async function objectSizes(sb: Sandbox, dirs: string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for (const dir of dirs) {
    const path = join(sb.cloud, 'Puddleproof', dir);
    for (const name of await readdir(path)) {
      if (!name.startsWith('.tmp-')) sizes.set(join(dir, name), (await stat(join(path, name))).size);
    }
  }
  return sizes;
}

/** Bytes of the objects in `after` that were not in `before`. */
function added(before: Map<string, number>, after: Map<string, number>): number {
  let sum = 0;
  for (const [path, size] of after) if (!before.has(path)) sum += size;
  return sum;
}

for (const format of [2, 1] as const)
  describe(`what each backup uploaded (format ${format})`, { concurrency: 1 }, () => {
    let sb: Sandbox;
    const env = { PUDDLEPROOF_WRITE_FORMAT: String(format) };
    const run = (args: string[]) => sb.run(args, { env });
    /** The objects a backup writes: packs, their indexes and its snapshot (2), or its data object (1). */
    const dirs = format === 2 ? ['packs', 'index', 'snapshots'] : ['data'];
    const exportPath = () => join(sb.watch, EXPORT);
    const uploads: number[] = [];

    async function listJson(): Promise<Listed[]> {
      return JSON.parse(ok(await run(['list', '--json']), 'list --json').stdout) as Listed[];
    }

    /** Backs up the export; returns the stored line and what the vault's objects grew by. */
    async function backUp(): Promise<{ line: string; grew: number }> {
      const before = await objectSizes(sb, dirs);
      const r = ok(await run(['backup']), 'backup');
      const line = r.stdout.split('\n').find((l) => l.startsWith('stored '));
      assert.ok(line, r.stdout);
      return { line, grew: added(before, await objectSizes(sb, dirs)) };
    }

    before(async () => {
      sb = await makeSandbox();
      ok(await run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit]), 'init');
      await mkdir(join(exportPath(), 'photos'), { recursive: true });
      await writeFile(join(exportPath(), 'photos', 'beach.jpg'), randomBytes(PHOTO_BYTES));
      await writeFile(join(exportPath(), 'notes.txt'), 'Day one at the lake.\n');
    });
    after(() => sb?.cleanup());

    test('the first backup says it uploaded what it wrote into the cloud folder, of the export’s size', async () => {
      const { line, grew } = await backUp();
      const [listed] = await listJson();
      assert.ok(listed);
      assert.equal(listed.format, format);
      assert.equal(listed.bytes, PHOTO_BYTES + 'Day one at the lake.\n'.length);
      assert.equal(listed.uploadedBytes, grew, 'uploadedBytes is what the backup added to the vault');
      // Everything is new: at least the export (random bytes do not compress) is uploaded.
      assert.ok(grew > PHOTO_BYTES, `${grew} bytes uploaded`);
      assert.ok(line.startsWith(`stored ${EXPORT} as ${listed.id} (`), line);
      const whole = format === 1 ? ' (whole archive)' : '';
      assert.ok(
        line.endsWith(`, 2 files; uploaded ${formatBytes(grew)} of ${formatBytes(listed.bytes)}${whole})`),
        line,
      );
      uploads.push(grew);
    });

    test(
      format === 2
        ? 'a version with one small file changed uploads only what is new'
        : 'a version with one small file changed uploads its whole archive again',
      async () => {
        await writeFile(join(exportPath(), 'notes.txt'), 'Day one at the lake.\nDay two: rain.\n');
        const { line, grew } = await backUp();
        const listed = await listJson();
        const newest = listed.at(-1);
        assert.ok(newest && listed.length === 2);
        assert.equal(newest.uploadedBytes, grew);
        if (format === 2) assert.ok(grew < PHOTO_BYTES / 20, `only ${grew} bytes are new`);
        else assert.ok(grew > PHOTO_BYTES, `the whole archive again: ${grew} bytes`);
        assert.ok(line.includes(`uploaded ${formatBytes(grew)} of ${formatBytes(newest.bytes)}`), line);
        uploads.push(grew);
      },
    );

    test('list says per backup what it uploaded of the export’s size', async () => {
      const listed = await listJson();
      const r = ok(await run(['list']), 'list');
      const lines = r.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 2, r.stdout);
      for (const [i, b] of listed.entries()) {
        const line = lines[i] ?? '';
        assert.ok(line.startsWith(`${b.id}  `), line);
        const uploaded = `uploaded ${formatBytes(uploads[i] ?? -1)} of ${formatBytes(b.bytes)}`;
        const whole = format === 1 ? ' (whole archive)' : '';
        assert.ok(line.includes(`  2 files  ${uploaded}${whole}  `), line);
      }
    });

    test('an unchanged export is not stored, and uploads nothing', async () => {
      const before = await objectSizes(sb, dirs);
      const r = ok(await run(['backup']), 'backup');
      assert.match(r.stdout, new RegExp(`^unchanged ${EXPORT} `, 'm'));
      assert.equal(added(before, await objectSizes(sb, dirs)), 0);
      assert.equal((await listJson()).length, 2);
    });
  });

describe('watch --json while backing up', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await makeSandbox();
    ok(await sb.run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit]), 'init');
  });
  after(() => sb?.cleanup());

  test('backingUp lines carry uploadedBytes: 0 when it starts, all the backup wrote when it ends', async () => {
    const child = spawn(process.execPath, [...CLI_ARGS, 'watch', '--json', '--quiet-seconds', '0'], {
      env: { ...process.env, PUDDLEPROOF_HOME: sb.home, PUDDLEPROOF_WRITE_FORMAT: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const lines: EngineStatus[] = [];
    let stderr = '';
    let partial = '';
    /** Resolves when a line after a backup of the export says it is done (idle with its last backup). */
    const done = new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        for (const part of parts) {
          const line = JSON.parse(part) as EngineStatus;
          lines.push(line);
          const backedUp = lines.some((l) => l.state.kind === 'backingUp');
          if (backedUp && line.state.kind === 'idle' && Object.keys(line.lastBackupBySource).length > 0)
            resolve();
        }
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      void exited.then(() => reject(new Error(`watch exited:\n${stderr}`)));
    });
    try {
      const staging = join(sb.root, 'staging');
      await mkdir(staging);
      await writeFile(join(staging, 'Voice notes.bin'), randomBytes(PHOTO_BYTES));
      await rename(join(staging, 'Voice notes.bin'), join(sb.watch, 'Voice notes.bin'));
      await done;
    } finally {
      child.kill('SIGINT');
      await exited;
    }
    const backingUp = lines.flatMap((l) => (l.state.kind === 'backingUp' ? [l.state] : []));
    const [listed] = JSON.parse(ok(await sb.run(['list', '--json']), 'list').stdout) as Listed[];
    assert.ok(listed && listed.format === 2 && listed.uploadedBytes !== null);
    assert.ok(listed.uploadedBytes > PHOTO_BYTES);
    assert.equal(backingUp[0]?.uploadedBytes, 0, 'the first line: nothing written yet');
    assert.equal(backingUp.at(-1)?.uploadedBytes, listed.uploadedBytes, 'the last line: all it wrote');
    assert.equal(backingUp.at(-1)?.doneBytes, PHOTO_BYTES);
  });
});

test('list --help and backup --help say what "uploaded" means', async () => {
  const { list } = await import('../../src/cli/commands/history.js');
  const { backup } = await import('../../src/cli/commands/backup.js');
  assert.match(list.help, /uploaded 1\.2 MB of 150\.0 MB/);
  assert.match(list.help, /format, uploadedBytes\}/);
  assert.match(backup.help, /uploaded 1\.2 MB of 150\.0 MB/);
  assert.match(list.summary, /what each uploaded/);
  const { watchCommand } = await import('../../src/cli/commands/watch.js');
  assert.match(watchCommand.help, /uploadedBytes \(written to the cloud folder/);
});
