// `puddleproof watch` and `puddleproof status` as separate processes: JSON lines of the status model, a
// kill -9 in the middle of a large backup followed by a restart, and a clean stop on SIGINT.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdir, open, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { EngineStatus } from '../../src/shared/status.js';
import { makeChat, writeWhatsAppAndroid } from '../helpers/chat-exports/index.js';
import { CLI_ARGS, makeSandbox, type RunResult, type Sandbox } from '../helpers/cli.js';

const MiB = 1024 * 1024;
const BIG_MIB = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One JSON line of `watch --json`. */
interface Line extends EngineStatus {
  at: string;
}

interface Listed {
  id: string;
  source: string;
  exportName: string;
  createdAt: string;
}

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** `puddleproof watch ARGS` with its output captured line by line. */
class Watch {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  stderr = '';
  private partial = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(sb: Sandbox, args: string[]) {
    this.child = spawn(process.execPath, [...CLI_ARGS, 'watch', ...args], {
      env: { ...process.env, PUDDLEPROOF_HOME: sb.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts);
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  get json(): Line[] {
    return this.lines.map((l) => JSON.parse(l) as Line);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async waitFor<T>(what: string, find: () => T | undefined, timeoutMs = 30_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (!this.running)
        assert.fail(`watch exited while waiting for ${what}:\n${this.lines.join('\n')}\n${this.stderr}`);
      if (Date.now() > end)
        assert.fail(`timed out waiting for ${what}:\n${this.lines.slice(-10).join('\n')}\n${this.stderr}`);
      await sleep(50);
    }
  }

  /** Waits for a JSON line matching `match` at index `from` or later; returns its index. */
  waitForJson(what: string, match: (line: Line) => boolean, from = 0, timeoutMs?: number): Promise<number> {
    return this.waitFor(
      what,
      () => {
        const i = this.json.findIndex((l, index) => index >= from && match(l));
        return i >= 0 ? i : undefined;
      },
      timeoutMs,
    );
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }
}

describe('puddleproof watch', () => {
  let sb: Sandbox;
  let packsDir: string;
  let snapshotsDir: string;
  let metaDir: string;
  let journalDir: string;
  const children: Watch[] = [];

  const watch = (args: string[]) => {
    const w = new Watch(sb, args);
    children.push(w);
    return w;
  };

  async function listed(): Promise<Listed[]> {
    return JSON.parse(ok(await sb.run(['list', '--json']), 'list --json').stdout) as Listed[];
  }

  before(async () => {
    sb = await makeSandbox();
    ok(await sb.run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit]), 'init');
    packsDir = join(sb.cloud, 'Puddleproof', 'packs');
    snapshotsDir = join(sb.cloud, 'Puddleproof', 'snapshots');
    metaDir = join(sb.cloud, 'Puddleproof', 'meta');
    journalDir = join(sb.home, 'in-progress');
  });

  after(async () => {
    for (const w of children) {
      w.kill('SIGKILL');
      await w.exited;
    }
    await sb?.cleanup();
  });

  test('--json --quiet-seconds 1 backs up a dropped export and prints JSON lines of the status model', {
    timeout: 60_000,
  }, async () => {
    const w = watch(['--json', '--quiet-seconds', '1']);
    const first = await w.waitForJson('the first status', () => true);
    const name = 'ChatExport_2026-11-20';
    await mkdir(join(sb.watch, name, 'photos'), { recursive: true });
    await writeFile(join(sb.watch, name, 'messages.html'), '<p>Meet at the old mill</p>\n'.repeat(500));
    await writeFile(join(sb.watch, name, 'photos', 'photo_1.jpg'), randomBytes(2 * MiB));
    const backingUp = await w.waitForJson(
      'backingUp',
      (l) => l.state.kind === 'backingUp' && l.state.exportName === name,
      first + 1,
    );
    // No Telegram chat header in messages.html: "Other files", titled by the export's full name.
    const idle = await w.waitForJson(
      `idle with the last backup of ${name}`,
      (l) => l.state.kind === 'idle' && `${name} — Other files` in l.lastBackupBySource,
      backingUp + 1,
    );
    const lines = w.json;
    for (const line of lines) {
      assert.ok(!Number.isNaN(Date.parse(line.at)), `an ISO time: ${line.at}`);
      assert.equal(typeof line.state.kind, 'string');
      assert.equal(typeof line.lastBackupBySource, 'object');
      assert.ok(Array.isArray(line.pending));
    }
    const settling = lines.findIndex((l) => l.state.kind === 'settling' && l.state.exportName === name);
    assert.ok(settling >= 0 && settling < backingUp, 'settling came first');
    assert.ok(lines[settling]?.pending.includes(name), 'pending while settling');
    assert.deepEqual(lines[idle]?.pending, []);
    const backups = await listed();
    assert.equal(backups.length, 1);
    assert.equal(backups[0]?.exportName, name);
    assert.deepEqual(lines[idle]?.lastBackupBySource, { [`${name} — Other files`]: backups[0]?.createdAt });
    w.kill('SIGINT');
    assert.deepEqual(await w.exited, { code: 0, signal: null });
  });

  test('status --json shows the state and the exports not backed up yet', { timeout: 30_000 }, async () => {
    // A real WhatsApp (Android) export: once backed up, its source is the chat's name, "Grace".
    const grace = makeChat({
      title: 'Grace',
      participants: ['Grace', 'Me'],
      count: 12,
      start: new Date('2026-11-01T10:00:00Z'),
      seed: 7,
    });
    await writeWhatsAppAndroid(sb.watch, grace, { zip: false, locale: 'en', clock: '24h', dateOrder: 'dmy' });
    const name = 'WhatsApp Chat with Grace.txt';
    const r = ok(await sb.run(['status', '--json']), 'status --json');
    const status = JSON.parse(r.stdout) as EngineStatus & { watchDir: string; abandonedBackups: number };
    assert.equal(status.watchDir, sb.watch);
    assert.equal(status.abandonedBackups, 0);
    assert.deepEqual(status.pending, [name]);
    assert.equal(status.state.kind, 'settling', 'settling: written less than 10 s ago');
    assert.ok(status.state.kind === 'settling' && status.state.exportName === name);
    assert.ok(status.state.kind === 'settling' && status.state.readyAt > Date.now());
    assert.deepEqual(
      Object.keys(status.lastBackupBySource),
      ['ChatExport_2026-11-20 — Other files'],
      'the earlier export',
    );
    const text = ok(await sb.run(['status']), 'status');
    assert.match(text.stdout, new RegExp(`not backed up yet: ${name}`));
  });

  test('status does not claim every export is backed up while a settled one is pending', {
    timeout: 30_000,
  }, async () => {
    const name = 'WhatsApp Chat with Grace.txt';
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(join(sb.watch, name), minuteAgo, minuteAgo);
    const r = ok(await sb.run(['status']), 'status');
    assert.match(r.stdout, new RegExp(`not backed up yet: ${name}`));
    assert.doesNotMatch(r.stdout, /every export is backed up/);
  });

  test('kill -9 in the middle of a large backup, then watch again: exactly one committed backup, no orphans', {
    timeout: 120_000,
  }, async (t) => {
    // Back up what is pending first, so that the big export is the only work left.
    const settle = watch(['--json', '--quiet-seconds', '1']);
    await settle.waitForJson(
      'idle with Grace',
      (l) => l.state.kind === 'idle' && l.pending.length === 0 && 'Grace — WhatsApp' in l.lastBackupBySource,
    );
    settle.kill('SIGINT');
    assert.deepEqual(await settle.exited, { code: 0, signal: null });
    const before_ = await listed();

    const name = 'Big chat';
    await mkdir(join(sb.watch, name, 'media'), { recursive: true });
    await writeFile(join(sb.watch, name, 'chat.txt'), 'a long conversation\n'.repeat(1000));
    // Fresh random blocks: a repeated block would be stored once.
    const handle = await open(join(sb.watch, name, 'media', 'video.bin'), 'w');
    try {
      for (let i = 0; i < BIG_MIB; i++) await handle.write(randomBytes(MiB), 0, MiB);
    } finally {
      await handle.close();
    }

    const first = watch(['--json', '--quiet-seconds', '1']);
    const wholePacks = () => readdirSync(packsDir).filter((n) => !n.startsWith('.tmp-')).length;
    const packsBefore = wholePacks();
    // Three packs of the big export are in place (about 24 MiB): the backup is well under way.
    await first.waitFor(
      'three packs written',
      () => (wholePacks() >= packsBefore + 3 ? true : undefined),
      60_000,
    );
    first.kill('SIGKILL');
    assert.deepEqual(await first.exited, { code: null, signal: 'SIGKILL' });
    const packsAtKill = wholePacks();
    assert.equal((await readdir(journalDir)).length, 1, 'and a journal entry');
    assert.deepEqual(
      (await listed()).map((b) => b.id),
      before_.map((b) => b.id),
      'no partial backup is listed',
    );

    const second = watch(['--json', '--quiet-seconds', '1']);
    await second.waitForJson(
      'idle with the big export backed up',
      (l) =>
        l.state.kind === 'idle' && `${name} — Other files` in l.lastBackupBySource && l.pending.length === 0,
      0,
      90_000,
    );
    second.kill('SIGINT');
    assert.deepEqual(await second.exited, { code: 0, signal: null });

    const after_ = await listed();
    const big = after_.filter((b) => b.exportName === name);
    assert.equal(big.length, 1, 'exactly one committed backup of the big export');
    assert.equal(after_.length, before_.length + 1);
    const expected = after_.map((b) => `${b.id}.age`).sort();
    assert.deepEqual(
      (await readdir(snapshotsDir)).sort(),
      expected,
      'snapshots/ holds only committed objects',
    );
    assert.deepEqual((await readdir(metaDir)).sort(), expected, 'meta/ holds only committed objects');
    assert.deepEqual(
      readdirSync(packsDir).filter((n) => n.startsWith('.tmp-')),
      [],
      'no temporary pack is left',
    );
    // The packs written before the kill are whole, and the retry used them instead of writing them again.
    const newPacks = wholePacks() - packsAtKill;
    assert.ok(newPacks < BIG_MIB / 8 - 2, `the retry wrote ${newPacks} packs of a ${BIG_MIB} MiB export`);
    assert.deepEqual(await readdir(journalDir), [], 'the journal is empty');
    const verify = ok(await sb.run(['verify']), 'verify');
    t.diagnostic(verify.stdout.trim().split('\n').at(-1) ?? '');
    assert.match(verify.stdout, new RegExp(`^${after_.length} of ${after_.length} backups verified`, 'm'));
  });

  test('SIGINT stops watch (one line per state change) with exit code 0', { timeout: 30_000 }, async () => {
    const w = watch(['--quiet-seconds', '1']);
    await w.waitFor('the first line', () => w.lines[0]);
    assert.match(w.lines[0] ?? '', /^\d{4}-\d{2}-\d{2}T\S+Z {2}Idle$/);
    await sleep(500);
    w.kill('SIGINT');
    assert.deepEqual(await w.exited, { code: 0, signal: null });
    assert.equal(w.stderr, '');
  });
});
