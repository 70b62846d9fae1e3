// watch: run the reconciler in the foreground until Ctrl-C, one line per state change.
import { openProfile } from '../../core/device.js';
import { profileHome } from '../../core/profile.js';
import { Reconciler } from '../../core/watch/reconciler.js';
import { describeActivity, type EngineStatus } from '../../shared/status.js';
import { parse, UsageError } from '../args.js';
import type { Command } from '../command.js';

/** What makes a new line: another kind of state, another export, or progress after a while. */
function lineKey(status: EngineStatus): string {
  const s = status.state;
  const name = 'exportName' in s ? s.exportName : '';
  const detail = s.kind === 'waitingForCloud' ? s.reason : s.kind === 'error' ? s.message : '';
  return `${s.kind}\0${name}\0${detail}`;
}

export const watchCommand: Command = {
  name: 'watch',
  summary: 'watch the export folder and back up every new export (until Ctrl-C)',
  help: `usage: puddleproof watch [--json] [--quiet-seconds N]

Backs up each export once it has stopped changing for N seconds (default 10), keeps the vault in step
after crashes and while the cloud folder is away, and applies the retention policy after each backup.
Prints one line per state change (and a backup's progress every few seconds, and when it ends), e.g.
"Backing up Alice.zip — 45% · 14 MB new so far": only what is new is written to the cloud folder, and
its sync app uploads it from there. --json prints JSON lines of the status model; while backing up,
state has doneBytes and totalBytes (read of the export) and uploadedBytes (written to the cloud folder
so far; absent when PUDDLEPROOF_WRITE_FORMAT=1 writes whole archives).`,
  async run(argv, env) {
    const { values } = parse(argv, { json: { type: 'boolean' }, 'quiet-seconds': { type: 'string' } });
    const quietSeconds = Number(values['quiet-seconds'] ?? 10);
    if (!Number.isFinite(quietSeconds) || quietSeconds < 0)
      throw new UsageError('--quiet-seconds takes seconds');
    const profile = await openProfile(profileHome(env));
    let lastKey = '';
    let lastPrinted = 0;
    /** A backup's progress not printed yet (it came too soon after the last line). */
    let held: EngineStatus | undefined;
    const write = (status: EngineStatus, now: number) => {
      const line = values.json
        ? JSON.stringify({ at: new Date(now).toISOString(), ...status })
        : `${new Date(now).toISOString()}  ${describeActivity(status.state, now)}`;
      process.stdout.write(`${line}\n`);
    };
    const print = (status: EngineStatus) => {
      const key = lineKey(status);
      const now = Date.now();
      if (key === lastKey && (status.state.kind !== 'backingUp' || now - lastPrinted < 2000)) {
        if (status.state.kind === 'backingUp') held = status;
        return;
      }
      // A backup's last progress (all it read and wrote) comes before what follows it.
      if (held && key !== lastKey) write(held, now);
      held = undefined;
      lastKey = key;
      lastPrinted = now;
      write(status, now);
    };
    const reconciler = new Reconciler({ profile, quietMs: quietSeconds * 1000, onStatus: print });
    await reconciler.start();
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    // A backup cut short here is cleaned up by the next run (its journal entry names it).
    void reconciler.stop();
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    process.exit(0);
  },
};
