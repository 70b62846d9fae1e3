// Backup and restore of a chat export (a text chat plus many media files) against the reference
// pipelines `tar -c DIR | age -r R > FILE` and `age -d -i K FILE | tar -x`, on the same disk.
// MB = 10^6 bytes of export per second, best of ROUNDS (each tool going first in half of them), each step
// starting after `sync`; peak RSS also on a 2 GiB export.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { initVault } from '../src/core/device.js';
import { deleteVaultSecrets } from '../src/core/keys/vault-secrets.js';
import { engineChild } from './engine-run.js';
import type { SectionResult } from './run.js';

const MiB = 1024 * 1024;
const SIZE = 512 * MiB;
const LARGE_SIZE = 2048 * MiB;
const ROUNDS = 4;
const TARGETS = { ratio: 0.8, peakRssMB: 200 };
const run = promisify(execFile);
const log = (message: string) => process.stderr.write(`  ${message}\n`);

/**
 * A Telegram-style export: a text chat and media files of mixed sizes, `size` bytes in all, every media
 * file random bytes of its own (a first backup has nothing to deduplicate).
 */
export function makeExport(dir: string, size: number): void {
  mkdirSync(join(dir, 'photos'), { recursive: true });
  mkdirSync(join(dir, 'video_files'), { recursive: true });
  const chat = Buffer.from('<div class="message">See you at the lake on Sunday?</div>\n'.repeat(90_000));
  writeFileSync(join(dir, 'messages.html'), chat);
  let left = size - chat.length;
  for (let i = 0; left > 0; i++) {
    const want = i % 10 === 9 ? 8 * MiB : 64 * 1024 + ((i * 7919) % (2 * MiB));
    const n = Math.min(left, want);
    const folder = n >= 4 * MiB ? 'video_files' : 'photos';
    writeFileSync(join(dir, folder, `file_${i}.${folder === 'photos' ? 'jpg' : 'mp4'}`), randomBytes(n));
    left -= n;
  }
}

interface Fixture {
  dir: string;
  home: string;
  exportPath: string;
  /** `-r R` for each recipient. */
  recipient: string;
  kit: string;
  /** Removes the bench profile's keychain entries. */
  forget: () => Promise<void>;
}

let fixture: Promise<Fixture> | undefined;

/** The shared setup of both sections: a vault, a profile, and the 512 MiB export. */
function setup(): Promise<Fixture> {
  fixture ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'puddleproof-bench-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    const exports = join(dir, 'exports');
    const exportPath = join(exports, 'ChatExport_2026-11-26');
    makeExport(exportPath, SIZE);
    const home = join(dir, 'home');
    const kit = join(dir, 'kit.txt');
    mkdirSync(join(dir, 'cloud'));
    const device = await initVault({ home, watchDir: exports, cloudDir: join(dir, 'cloud'), kitPath: kit });
    // The reference encrypts to the same recipients as a backup: this device and the recovery key.
    const recipient = device.secrets.recipients.map((r) => `-r ${r.recipient}`).join(' ');
    return { dir, home, exportPath, recipient, kit, forget: () => deleteVaultSecrets(device.store) };
  })();
  return fixture;
}

/** Runs `script`: its wall time, and the user and system CPU time of its processes (bash's `times`). */
async function timeShell(script: string): Promise<{ seconds: number; cpuSeconds: number }> {
  const start = performance.now();
  const { stdout } = await run('bash', ['-o', 'pipefail', '-c', `${script} && times`]);
  const seconds = (performance.now() - start) / 1000;
  // The last line of `times`: the children's user and system time, as `0m0.260s 0m0.100s`.
  const children = stdout.trim().split('\n').pop() ?? '';
  const parts = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (parts.length !== 2) throw new Error(`Unexpected output of times: ${children}`);
  return { seconds, cpuSeconds: (parts[0] as number) + (parts[1] as number) };
}

async function emptyVault(f: Fixture): Promise<void> {
  for (const sub of ['data', 'meta', 'packs', 'index', 'snapshots']) {
    const folder = join(f.dir, 'cloud', 'Puddleproof', sub);
    for (const name of await readdir(folder)) await rm(join(folder, name));
  }
}

/**
 * Flushes what the step before wrote (`sync`), so that no measured step pays for the disk writing out
 * another's output: every step, ours and the references', starts with nothing left to flush.
 */
async function settle(): Promise<void> {
  await run('sync', []);
}

const mbps = (bytes: number, seconds: number) => Math.round((bytes / 1e6 / seconds) * 10) / 10;
const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

interface Measured {
  engine: number;
  reference: number;
  /** The least CPU time (user and system, every process) of a round. */
  engineCpu: number;
  referenceCpu: number;
  peakRssKB: number;
  lastId: string;
}

async function measure(f: Fixture): Promise<{ backup: Measured; restore: Measured }> {
  const none = () => ({ engine: Infinity, reference: Infinity, engineCpu: Infinity, referenceCpu: Infinity });
  const backup: Measured = { ...none(), peakRssKB: 0, lastId: '' };
  const restore: Measured = { ...none(), peakRssKB: 0, lastId: '' };
  const refFile = join(f.dir, 'reference.age');
  const backUpEngine = async () => {
    await emptyVault(f);
    await settle();
    const b = await engineChild(['backup', f.home, f.exportPath]);
    backup.engine = Math.min(backup.engine, b.seconds);
    backup.engineCpu = Math.min(backup.engineCpu, b.cpuSeconds);
    backup.peakRssKB = Math.max(backup.peakRssKB, b.maxRssKB);
    backup.lastId = b.id ?? '';
  };
  const backUpReference = async () => {
    await settle();
    const { seconds, cpuSeconds } = await timeShell(
      `tar -c -C ${q(dirname(f.exportPath))} ChatExport_2026-11-26 | age ${f.recipient} > ${q(refFile)}`,
    );
    backup.reference = Math.min(backup.reference, seconds);
    backup.referenceCpu = Math.min(backup.referenceCpu, cpuSeconds);
  };
  const restoreEngine = async (round: number) => {
    const to = join(f.dir, `restored-${round}`);
    await settle();
    const r = await engineChild(['restore', f.home, backup.lastId, to]);
    restore.engine = Math.min(restore.engine, r.seconds);
    restore.engineCpu = Math.min(restore.engineCpu, r.cpuSeconds);
    restore.peakRssKB = Math.max(restore.peakRssKB, r.maxRssKB);
    await rm(to, { recursive: true });
  };
  const restoreReference = async (round: number) => {
    const refTo = join(f.dir, `reference-restored-${round}`);
    mkdirSync(refTo);
    await settle();
    const { seconds, cpuSeconds } = await timeShell(
      `age -d -i ${q(f.kit)} ${q(refFile)} | tar -x -C ${q(refTo)}`,
    );
    restore.reference = Math.min(restore.reference, seconds);
    restore.referenceCpu = Math.min(restore.referenceCpu, cpuSeconds);
    await rm(refTo, { recursive: true });
  };
  for (let round = 1; round <= ROUNDS; round++) {
    log(`round ${round}/${ROUNDS}`);
    // Each goes first in half the rounds: what the step before left the machine in is shared alike.
    const engineFirst = round % 2 === 1;
    for (const step of engineFirst ? [backUpEngine, backUpReference] : [backUpReference, backUpEngine])
      await step();
    for (const step of engineFirst ? [restoreEngine, restoreReference] : [restoreReference, restoreEngine])
      await step(round);
  }
  return { backup, restore };
}

let measured: Promise<{
  backup: Measured;
  restore: Measured;
  largeBackupRssKB: number;
  largeRestoreRssKB: number;
}>;

/** Both directions are measured in one go (the restore needs the backup); each section reports its half. */
function measureAll() {
  measured ??= (async () => {
    const f = await setup();
    const result = await measure(f);
    log('2 GiB export, for peak RSS');
    await rm(f.exportPath, { recursive: true });
    await writeFile(join(f.dir, 'reference.age'), '');
    makeExport(f.exportPath, LARGE_SIZE);
    await emptyVault(f);
    const b = await engineChild(['backup', f.home, f.exportPath]);
    const r = await engineChild(['restore', f.home, b.id ?? '', join(f.dir, 'restored-large')]);
    await f.forget();
    return { ...result, largeBackupRssKB: b.maxRssKB, largeRestoreRssKB: r.maxRssKB };
  })();
  return measured;
}

function section(name: 'backup' | 'restore', referenceLabel: string) {
  return async (): Promise<SectionResult> => {
    const all = await measureAll();
    const m = all[name];
    const MBps = mbps(SIZE, m.engine);
    const referenceMBps = mbps(SIZE, m.reference);
    const largeRss = name === 'backup' ? all.largeBackupRssKB : all.largeRestoreRssKB;
    const peakRssMB = Math.round(Math.max(m.peakRssKB, largeRss) / 1024);
    const ratio = MBps / referenceMBps;
    const met = (ok: boolean) => (ok ? 'met' : 'NOT MET');
    const cpu = (s: number) => Math.round(s * 100) / 100;
    return {
      values: {
        MBps,
        referenceMBps,
        peakRssMB,
        cpuSeconds: cpu(m.engineCpu),
        referenceCpuSeconds: cpu(m.referenceCpu),
      },
      rows: [
        [
          `puddleproof ${name}`,
          `${MBps} MB/s`,
          `${ratio.toFixed(2)}x reference; target >= ${TARGETS.ratio}x: ${met(ratio >= TARGETS.ratio)}`,
        ],
        [
          referenceLabel,
          `${referenceMBps} MB/s`,
          '512 MiB export: a text chat and media files, best of 4, each after sync, each first in 2',
        ],
        [
          `${name} CPU time`,
          `${cpu(m.engineCpu)} s`,
          `${(m.engineCpu / m.referenceCpu).toFixed(1)}x the reference's ${cpu(m.referenceCpu)} s; user + system of every process, least of 4`,
        ],
        [
          `${name} peak RSS`,
          `${peakRssMB} MB`,
          `max of the 512 MiB and a 2 GiB export; target < ${TARGETS.peakRssMB} MB: ${met(peakRssMB < TARGETS.peakRssMB)}`,
        ],
      ],
    };
  };
}

export const backup = section('backup', 'tar -c | age -r');
export const restore = section('restore', 'age -d | tar -x');
