// The puddleproof command line: the same engine as the app, for headless use and scripts.
// Each command's module (and the engine behind it) is imported only when that command runs, so that
// `puddleproof --help` and a mistyped command start at once.
import { UsageError } from './args.js';
import type { Command } from './command.js';

/** A command as the overview lists it; `load` imports its implementation. */
interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

const commands: CommandEntry[] = [
  {
    name: 'init',
    summary: 'create a new vault, this device’s keys and a recovery kit',
    load: async () => (await import('./commands/setup.js')).init,
  },
  {
    name: 'backup',
    summary: 'back up exports (default: every export in the watch folder)',
    load: async () => (await import('./commands/backup.js')).backup,
  },
  {
    name: 'watch',
    summary: 'watch the export folder and back up every new export (until Ctrl-C)',
    load: async () => (await import('./commands/watch.js')).watchCommand,
  },
  {
    name: 'list',
    summary: 'list committed backups, and what each uploaded',
    load: async () => (await import('./commands/history.js')).list,
  },
  {
    name: 'chats',
    summary: 'list the chats backed up; rename, merge or split them',
    load: async () => (await import('./commands/history.js')).chats,
  },
  {
    name: 'restore',
    summary: 'restore a backup into a new folder',
    load: async () => (await import('./commands/restore.js')).restore,
  },
  {
    name: 'verify',
    summary: 'decrypt backups end to end and check their integrity and authenticity',
    load: async () => (await import('./commands/restore.js')).verify,
  },
  {
    name: 'recover',
    summary: 'set up a new device for an existing vault, with the recovery kit',
    load: async () => (await import('./commands/setup.js')).recover,
  },
  {
    name: 'recipients',
    summary: 'list, add or remove the recipients every backup is encrypted to',
    load: async () => (await import('./commands/recipients.js')).recipients,
  },
  {
    name: 'kit',
    summary: 'check that the recovery kit is at hand and opens today’s backups (the recovery drill)',
    load: async () => (await import('./commands/kit.js')).kit,
  },
  {
    name: 'pair',
    summary: 'join this device to a vault without the kit, approved on a device of the vault',
    load: async () => (await import('./commands/pair.js')).pair,
  },
  {
    name: 'devices',
    summary: 'the vault’s trusted devices, and removing one',
    load: async () => (await import('./commands/devices.js')).devices,
  },
  {
    name: 'gc',
    summary: 'remove unfinished objects (data without a commit record, temporary files)',
    load: async () => (await import('./commands/history.js')).gc,
  },
  {
    name: 'prune',
    summary: 'remove old backups by a retention policy (see --help)',
    load: async () => (await import('./commands/prune.js')).prune,
  },
  {
    name: 'status',
    summary: 'show what needs backing up, and the last backup of each source',
    load: async () => (await import('./commands/history.js')).status,
  },
];

/** The usage overview: every command with its summary. */
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
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    console.error(`puddleproof: unknown command "${name}"\n\n${overview()}`);
    return 2;
  }
  const command = await entry.load();
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
