// A reconciler in a process of its own, so that its CPU time and RSS are its own (see bench/watch.ts).
//   node --import tsx bench/watch-child.ts HOME QUIET_MS
// Prints JSON lines: {"type":"status","at","state","sources","pending"} on every status change, and
// {"type":"usage","at","user","system","rss"} (µs of CPU, bytes) for each "usage" line read from stdin.
// "stop" on stdin stops the reconciler and exits.
import { createInterface } from 'node:readline';
import { openProfile } from '../src/core/device.js';
import { Reconciler } from '../src/core/watch/reconciler.js';

const [home, quiet] = process.argv.slice(2);
if (!home) throw new Error('usage: watch-child.ts HOME QUIET_MS');
const send = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);

const profile = await openProfile(home);
const reconciler = new Reconciler({
  profile,
  quietMs: Number(quiet ?? 10_000),
  onStatus: (status) =>
    send({
      type: 'status',
      at: Date.now(),
      state: status.state,
      sources: Object.keys(status.lastBackupBySource).length,
      pending: status.pending.length,
    }),
});
await reconciler.start();

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'usage') {
    const { user, system } = process.cpuUsage();
    send({ type: 'usage', at: Date.now(), user, system, rss: process.memoryUsage().rss });
  } else if (line === 'stop') {
    break;
  }
}
await reconciler.stop();
process.exit(0);
