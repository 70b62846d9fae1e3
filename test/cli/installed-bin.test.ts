// The installed command: bin/puddleproof.js running the bundle in dist/cli (`npm test` builds it first),
// in a child process, with the real keychain. A bundle that cannot load a lazy chunk or a native module
// fails here; the other CLI tests run the same main() from source.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { backup } from '../../src/cli/commands/backup.js';
import { devices } from '../../src/cli/commands/devices.js';
import { chats, gc, list, status } from '../../src/cli/commands/history.js';
import { kit } from '../../src/cli/commands/kit.js';
import { pair } from '../../src/cli/commands/pair.js';
import { prune } from '../../src/cli/commands/prune.js';
import { recipients } from '../../src/cli/commands/recipients.js';
import { restore, verify } from '../../src/cli/commands/restore.js';
import { init, recover } from '../../src/cli/commands/setup.js';
import { watchCommand } from '../../src/cli/commands/watch.js';
import { expectedSummary, makeChat, writeWhatsAppAndroid } from '../helpers/chat-exports/index.js';
import { makeSandbox, type RunResult, type Sandbox } from '../helpers/cli.js';

const BIN = fileURLToPath(new URL('../../bin/puddleproof.js', import.meta.url));
const COMMANDS = [
  init,
  backup,
  watchCommand,
  list,
  chats,
  restore,
  verify,
  recover,
  recipients,
  kit,
  pair,
  devices,
  gc,
  prune,
  status,
];

/** Runs the built bin with `home` as the profile folder. */
function runBin(args: string[], home: string): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, PUDDLEPROOF_HOME: home } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('the installed puddleproof command', () => {
  let sb: Sandbox;

  before(async () => {
    sb = await makeSandbox();
  });
  after(() => sb.cleanup());

  test('--help prints the usage with every command and its own summary, and exits 0', async () => {
    const r = await runBin(['--help'], sb.home);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^usage: puddleproof COMMAND \[OPTIONS\]/);
    const rows = r.stdout.split('\n').filter((line) => line.startsWith('  '));
    assert.deepEqual(
      rows.map((row) => row.trim().split(/\s+/, 1)[0]),
      COMMANDS.map((c) => c.name),
    );
    for (const command of COMMANDS)
      assert.ok(
        rows.includes(`  ${command.name.padEnd(11)} ${command.summary}`),
        `${command.name}: ${command.summary}`,
      );
  });

  test('a command’s --help prints its help text', async () => {
    const r = await runBin(['list', '--help'], sb.home);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${list.help}\n`);
  });

  test('an unknown command exits 2 with the usage', async () => {
    const r = await runBin(['frobnicate'], sb.home);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^puddleproof: unknown command "frobnicate"\n\nusage: puddleproof COMMAND/);
  });

  test('init, backup of a WhatsApp zip, list --json and verify', async () => {
    const chat = makeChat({
      title: 'Lake trip',
      participants: ['Ana', 'Ben'],
      count: 60,
      start: new Date('2025-06-01T09:00:00Z'),
      seed: 7,
    });
    await writeWhatsAppAndroid(sb.watch, chat, { zip: true, locale: 'en', clock: '24h', dateOrder: 'dmy' });
    const setUp = await runBin(
      ['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit],
      sb.home,
    );
    assert.equal(setUp.code, 0, setUp.stderr);
    const stored = await runBin(['backup'], sb.home);
    assert.equal(stored.code, 0, stored.stderr);

    const listed = await runBin(['list', '--json'], sb.home);
    assert.equal(listed.code, 0, listed.stderr);
    const rows = JSON.parse(listed.stdout) as {
      id: string;
      title: string;
      platform: string;
      messages: number;
    }[];
    assert.equal(rows.length, 1, listed.stdout);
    assert.equal(rows[0]?.title, 'Lake trip');
    assert.equal(rows[0]?.platform, 'whatsapp');
    assert.equal(rows[0]?.messages, expectedSummary(chat).messages);

    const verified = await runBin(['verify'], sb.home);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(
      verified.stdout,
      new RegExp(`^ok ${rows[0]?.id}\n1 of 1 backups verified.\nPacks: 1 \\(.*\\); 0 used by no backup`),
    );
  });

  test('the bundle’s worker threads sit where its chunks look for them, and load', async () => {
    const chunks = new URL('../../dist/cli/chunks/', import.meta.url);
    const aChunk = (await readdir(chunks)).find((name) => name.endsWith('.js'));
    assert.ok(aChunk, 'the bundle has chunks');
    for (const name of ['pack-worker', 'restore-worker', 'store-worker']) {
      // start-worker.ts, bundled into a chunk, looks one folder up.
      const url = new URL(`../${name}.js`, new URL(aChunk, chunks));
      assert.ok(existsSync(url), `${name}.js beside the bundle`);
    }
    // The restore worker with no pack to place reports at once that it has finished.
    const shared = new Int32Array(new SharedArrayBuffer(12));
    const worker = new Worker(new URL('../../dist/cli/restore-worker.js', import.meta.url), {
      workerData: { jobs: [], identities: [], idKey: new Uint8Array(32), largest: 0, write: false, shared },
    });
    const [report] = (await once(worker, 'message')) as [{ type: string }];
    assert.equal(report.type, 'finished');
    await worker.terminate();
    // The pack worker says it has loaded, then answers a pack it cannot seal (to no recipient) with why.
    const sealer = new Worker(new URL('../../dist/cli/pack-worker.js', import.meta.url), {
      workerData: { recipients: [], indexRecipients: [], authKey: new Uint8Array(32), packsDir: sb.home },
    });
    try {
      const [ready] = (await once(sealer, 'message')) as [{ ready?: boolean }];
      assert.equal(ready.ready, true);
      const job = { pack: 'p', arena: new SharedArrayBuffer(0), chunks: [] };
      sealer.postMessage(job);
      const [reply] = (await once(sealer, 'message')) as [{ pack: string; ok: boolean }];
      assert.deepEqual([reply.pack, reply.ok], ['p', false]);
    } finally {
      await sealer.terminate();
    }
    // The store worker with no piece to take writes no pack and says it is done.
    const storer = new Worker(new URL('../../dist/cli/store-worker.js', import.meta.url), {
      workerData: {
        pieces: [],
        next: new SharedArrayBuffer(4),
        known: [],
        folders: { packsDir: sb.home, indexDir: sb.home },
        writer: { recipients: [], indexRecipients: [], authKey: new Uint8Array(32), backupId: 'b' },
      },
    });
    try {
      const [done] = (await once(storer, 'message')) as [{ type: string; packs: unknown[] }];
      assert.deepEqual([done.type, done.packs], ['done', []]);
    } finally {
      await storer.terminate();
    }
  });
});
