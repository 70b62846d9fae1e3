// The puddleproof command line: the same engine as the app, for headless use and scripts.
import { UsageError } from './args.js';
import type { Command } from './command.js';
import { backup } from './commands/backup.js';
import { chats, gc, list, status } from './commands/history.js';
import { prune } from './commands/prune.js';
import { recipients } from './commands/recipients.js';
import { restore, verify } from './commands/restore.js';
import { init, recover } from './commands/setup.js';
import { watchCommand } from './commands/watch.js';

const commands: Command[] = [
  init,
  backup,
  watchCommand,
  list,
  chats,
  restore,
  verify,
  recover,
  recipients,
  gc,
  prune,
  status,
];

function overview(): string {
  const rows = commands.map((c) => `  ${c.name.padEnd(11)} ${c.summary}`);
  return `usage: puddleproof COMMAND [OPTIONS]   (puddleproof COMMAND --help for details)\n\n${rows.join('\n')}\n
The profile folder is PUDDLEPROOF_HOME (default: the app's user data folder).`;
}

/** Runs the CLI; returns the exit code: 0 ok, 1 failure, 2 usage. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(overview());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`puddleproof: unknown command "${name}"\n\n${overview()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return 0;
  }
  try {
    return await command.run(rest, env);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`puddleproof ${name}: ${err.message}\n\n${command.help}`);
      return 2;
    }
    console.error(`puddleproof ${name}: ${(err as Error).message}`);
    return 1;
  }
}
