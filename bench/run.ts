// Benchmarks. `npm run bench` prints a table; `npm run bench -- --json` prints one JSON object;
// `npm run bench -- codec` runs only the named sections. Progress goes to stderr.
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { responsiveness } from './app-responsiveness.js';
import { backup, restore } from './backup.js';
import { chats } from './chats.js';
import { cliStart } from './cli-start.js';
import { codec } from './codec.js';
import { floor } from './floor.js';
import { series } from './series.js';
import { watch } from './watch.js';

export interface SectionResult {
  /** The machine-readable results (the section's field in --json output). */
  values: Record<string, number>;
  /** Rows of the human-readable table: [measurement, result, target or note]. */
  rows: [string, string, string][];
}

/** Every section, in run order. A new one (backup, restore) is one more entry here. */
export const sections: Record<string, () => Promise<SectionResult>> = {
  codec,
  backup,
  restore,
  floor,
  watch,
  responsiveness,
  chats,
  cliStart,
  series,
};

function machine() {
  const list = cpus();
  return {
    cpuModel: list[0]?.model ?? 'unknown',
    cpuCount: list.length,
    node: process.version,
    date: new Date().toISOString(),
  };
}

function table(results: Record<string, SectionResult>): string {
  const rows: string[][] = [['section', 'measurement', 'result', 'target / note']];
  for (const [name, { rows: sectionRows }] of Object.entries(results)) {
    for (const row of sectionRows) rows.push([name, ...row]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? [];
  const line = (r: string[]) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0] ?? []), rule, ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const named = args.filter((a) => !a.startsWith('--'));
  const unknown = named.filter((n) => !(n in sections));
  if (unknown.length)
    throw new Error(`unknown section(s) ${unknown.join(', ')}; known: ${Object.keys(sections)}`);
  const results: Record<string, SectionResult> = {};
  for (const [name, run] of Object.entries(sections)) {
    if (named.length && !named.includes(name)) continue;
    process.stderr.write(`bench: ${name}…\n`);
    results[name] = await run();
  }
  const info = machine();
  if (json) {
    const values = Object.fromEntries(Object.entries(results).map(([n, r]) => [n, r.values]));
    process.stdout.write(`${JSON.stringify({ machine: info, ...values })}\n`);
  } else {
    process.stdout.write(`${info.cpuCount} × ${info.cpuModel}, Node ${info.node}, ${info.date}\n\n`);
    process.stdout.write(`${table(results)}\n`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
