// A process that plays a `gc` of another process: whenever the journal folder in argv[2] changes it asks
// the journal for abandoned backups, until its stdin closes; then it prints what it was told, as JSON.
import { watch } from 'node:fs';
import { Journal } from '../../src/core/vault/journal.js';

const dir = process.argv[2] ?? '';
const journal = new Journal(dir);
let checking = true;
let checks = 0;
const abandoned = new Set<string>();
let changed: () => void = () => {};
const watcher = watch(dir, () => changed());
process.stdin.on('end', () => {
  checking = false;
  changed();
});
process.stdin.resume();
process.stdout.write('ready\n');
while (checking) {
  const next = new Promise<void>((resolve) => {
    changed = resolve;
  });
  for (const id of await journal.abandoned()) abandoned.add(id);
  checks++;
  await next;
}
watcher.close();
process.stdout.write(`${JSON.stringify({ abandoned: [...abandoned], checks })}\n`);
