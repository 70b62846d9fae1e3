#!/usr/bin/env node
// Runs `npm test` several times in a row while stress-ng keeps both cores busy, as a shared CI machine
// would. Usage: node scripts/test-under-load.mjs [--runs N] [--load PERCENT] [--cpus N]
// Needs Debian's stress-ng (`apt-get install stress-ng`). Not part of .ci/run.
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    load: { type: 'string', default: '60' },
    cpus: { type: 'string', default: String(availableParallelism()) },
  },
});
const runs = Number(values.runs);
const load = Number(values.load);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(load) || load < 1 || load > 100) {
  console.error('usage: test-under-load.mjs [--runs N] [--load PERCENT 1-100] [--cpus N]');
  process.exit(2);
}
if (spawnSync('stress-ng', ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.error('stress-ng is not installed: sudo apt-get install stress-ng');
  process.exit(2);
}

const stress = spawn('stress-ng', ['--cpu', values.cpus, '--cpu-load', String(load), '--quiet'], {
  stdio: 'ignore',
  detached: true,
});
const stopStress = () => {
  try {
    process.kill(-stress.pid, 'SIGTERM');
  } catch {
    // already gone
  }
};
process.on('SIGINT', () => {
  stopStress();
  process.exit(130);
});

console.log(`stress-ng: ${values.cpus} CPU workers at ${load} % load; ${runs} runs of npm test`);
const results = [];
for (let run = 1; run <= runs; run++) {
  const started = Date.now();
  const r = spawnSync('npm', ['test'], { stdio: 'inherit' });
  const seconds = Math.round((Date.now() - started) / 1000);
  results.push({ run, status: r.status, seconds });
  console.log(`\n== run ${run} of ${runs}: ${r.status === 0 ? 'passed' : 'FAILED'} in ${seconds} s ==\n`);
}
stopStress();
for (const r of results)
  console.log(`run ${r.run}: ${r.status === 0 ? 'passed' : 'FAILED'} (${r.seconds} s)`);
process.exit(results.every((r) => r.status === 0) ? 0 : 1);
