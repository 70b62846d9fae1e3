// How fast a first backup could be on this machine's cores, beside `tar -c | age -r` in the same run: the
// backup bench's 512 MiB export stored by two worker threads (bench/floor-worker.mjs), each taking half of
// the files by size, with none of a backup's bookkeeping. 'ids': fixed pieces read into the pack's memory,
// keyed ids, age-encrypted packs (the least an engine with keyed ids and age packs can do); 'engine': the
// engine's per-chunk work (keyed content-defined cuts, ids, CRCs, compression test, copy into the pack).
// Best of ROUNDS, the contenders in turn (reversed every other round), each after `sync`.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { makeExport } from './backup.js';
import type { SectionResult } from './run.js';

const SIZE = 512 * 1024 * 1024;
const ROUNDS = 6;
const THREADS = 2;
const TARGET_RATIO = 0.8;
const run = promisify(execFile);
const log = (message: string) => process.stderr.write(`  ${message}\n`);
const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

type Work = 'ids' | 'engine';

/** Every file under `dir`, with its size. */
async function filesOf(dir: string): Promise<{ path: string; size: number }[]> {
  const out: { path: string; size: number }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesOf(path)));
    else out.push({ path, size: (await stat(path)).size });
  }
  return out;
}

/** `files` in THREADS shares of about equal bytes (largest first, each to the lightest share). */
function shares(files: { path: string; size: number }[]): string[][] {
  const parts = Array.from({ length: THREADS }, () => ({ files: [] as string[], bytes: 0 }));
  for (const f of [...files].sort((a, b) => b.size - a.size)) {
    const lightest = parts.reduce((a, b) => (a.bytes <= b.bytes ? a : b));
    lightest.files.push(f.path);
    lightest.bytes += f.size;
  }
  return parts.map((p) => p.files);
}

/** Seconds for THREADS workers to store their shares, timed from when all have loaded; checks the output. */
async function storeInThreads(parts: string[][], recipients: string[], outDir: string, work: Work) {
  const workers = parts.map(
    (files, i) =>
      new Worker(new URL('./floor-worker.mjs', import.meta.url), {
        workerData: { files, recipients, outDir, work, tag: `t${i}` },
      }),
  );
  try {
    const next = (w: Worker) =>
      new Promise<{ ready?: true; packBytes?: number }>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
    await Promise.all(workers.map(next));
    const start = performance.now();
    const done = workers.map(next);
    for (const w of workers) w.postMessage('go');
    const packBytes = (await Promise.all(done)).reduce((sum, r) => sum + (r.packBytes ?? 0), 0);
    const seconds = (performance.now() - start) / 1000;
    // The packs hold the whole export, encrypted (compressed text may make them a little smaller).
    if (packBytes < SIZE * 0.95) throw new Error(`the ${work} floor wrote only ${packBytes} bytes`);
    return seconds;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

export async function floor(): Promise<SectionResult> {
  const dir = await mkdtemp(join(tmpdir(), 'puddleproof-floor-'));
  try {
    const exportPath = join(dir, 'ChatExport_2026-11-26');
    makeExport(exportPath, SIZE);
    // Two recipients, as a backup encrypts to this device and the recovery key.
    const recipients: string[] = [];
    for (const name of ['device', 'recovery']) {
      await run('age-keygen', ['-o', join(dir, name)]);
      recipients.push((await run('age-keygen', ['-y', join(dir, name)])).stdout.trim());
    }
    const parts = shares(await filesOf(exportPath));
    const out = join(dir, 'out');
    const best: Record<Work | 'reference', number> = { ids: Infinity, engine: Infinity, reference: Infinity };
    const steps: Record<keyof typeof best, () => Promise<number>> = {
      reference: async () => {
        const start = performance.now();
        await run('bash', [
          '-o',
          'pipefail',
          '-c',
          `tar -c -C ${q(dir)} ChatExport_2026-11-26 | age ${recipients.map((r) => `-r ${r}`).join(' ')} > ${q(join(out, 'reference.age'))}`,
        ]);
        return (performance.now() - start) / 1000;
      },
      ids: () => storeInThreads(parts, recipients, out, 'ids'),
      engine: () => storeInThreads(parts, recipients, out, 'engine'),
    };
    for (let round = 1; round <= ROUNDS; round++) {
      log(`round ${round}/${ROUNDS}`);
      const order = Object.keys(steps) as (keyof typeof best)[];
      for (const name of round % 2 ? order : order.reverse()) {
        await rm(out, { recursive: true, force: true });
        await mkdir(out);
        await run('sync', []);
        best[name] = Math.min(best[name], await steps[name]());
      }
    }
    const mbps = (seconds: number) => Math.round(SIZE / 1e6 / seconds);
    const ratio = (seconds: number) => best.reference / seconds;
    const row = (work: Work, label: string): [string, string, string] => [
      label,
      `${mbps(best[work])} MB/s`,
      `${ratio(best[work]).toFixed(2)}x tar -c | age -r (a backup's target: >= ${TARGET_RATIO}x)`,
    ];
    return {
      values: {
        idsMBps: mbps(best.ids),
        engineWorkMBps: mbps(best.engine),
        referenceMBps: mbps(best.reference),
      },
      rows: [
        row('ids', `ids, CRCs, age packs, ${THREADS} threads`),
        row('engine', `engine's chunk work, ${THREADS} threads`),
        [
          'tar -c | age -r',
          `${mbps(best.reference)} MB/s`,
          `the backup bench's 512 MiB export, best of ${ROUNDS}, each after sync; no fsync, index or snapshot`,
        ],
      ],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
