// How fast the installed command starts: the built bin/puddleproof.js running `--help` (no engine) and
// `list` (a profile with one backup, keys in the keychain), each a fresh process, beside a bare
// `node -e 0`. Wall time from spawn to exit, median of ROUNDS; the three run in turn in each round so
// that a busy moment of the machine weighs on all of them alike. Target: ≤ 0.3 s for both.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { initVault } from '../src/core/device.js';
import { deleteVaultSecrets } from '../src/core/keys/vault-secrets.js';
import type { SectionResult } from './run.js';

const ROUNDS = 11;
const TARGET_MS = 300;
const BIN = fileURLToPath(new URL('../bin/puddleproof.js', import.meta.url));
const run = promisify(execFile);

/** Milliseconds from spawning `node ARGS` to its exit. */
async function timeNode(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const start = performance.now();
  await run(process.execPath, args, { env });
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export async function cliStart(): Promise<SectionResult> {
  const dir = await mkdtemp(join(tmpdir(), 'puddleproof-bench-cli-'));
  const watch = join(dir, 'exports');
  const cloud = join(dir, 'cloud');
  await mkdir(join(watch, 'ChatExport_2026-12-05'), { recursive: true });
  await mkdir(cloud);
  await writeFile(join(watch, 'ChatExport_2026-12-05', 'messages.html'), '<div class="message">Hi</div>\n');
  const device = await initVault({
    home: join(dir, 'home'),
    watchDir: watch,
    cloudDir: cloud,
    kitPath: join(dir, 'kit.txt'),
  });
  const env = { ...process.env, PUDDLEPROOF_HOME: join(dir, 'home') };
  try {
    await run(process.execPath, [BIN, 'backup'], { env });
    const times = { node: [] as number[], help: [] as number[], list: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      times.node.push(await timeNode(['-e', '0'], env));
      times.help.push(await timeNode([BIN, '--help'], env));
      times.list.push(await timeNode([BIN, 'list'], env));
    }
    const nodeMs = Math.round(median(times.node));
    const helpMs = Math.round(median(times.help));
    const listMs = Math.round(median(times.list));
    const verdict = (ms: number) => `target ≤ ${TARGET_MS} ms: ${ms <= TARGET_MS ? 'met' : 'NOT MET'}`;
    return {
      values: { nodeMs, helpMs, listMs },
      rows: [
        ['node -e 0', `${nodeMs} ms`, `bare Node start, median of ${ROUNDS}`],
        ['puddleproof --help', `${helpMs} ms`, verdict(helpMs)],
        ['puddleproof list', `${listMs} ms`, `one backup; ${verdict(listMs)}`],
      ],
    };
  } finally {
    await deleteVaultSecrets(device.store);
    await rm(dir, { recursive: true, force: true });
  }
}
