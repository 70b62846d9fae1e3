// Start at login on Linux, where Electron's setLoginItemSettings does nothing: an XDG autostart entry
// (~/.config/autostart/puddleproof.desktop) that desktop sessions run at login. No electron import.
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../core/fs-atomic.js';

/** Where the autostart entry lives for this user. */
export function autostartPath(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'autostart', 'puddleproof.desktop');
}

/** Quotes one Exec argument as the Desktop Entry spec asks (double quotes; \, ", ` and $ escaped). */
function quoteExecArgument(arg: string): string {
  return `"${arg.replace(/[\\"`$]/g, (c) => `\\${c}`)}"`;
}

/** The entry's text; `command` is the AppImage (APPIMAGE) or the executable that runs the app. */
export function autostartEntry(command: string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Puddleproof',
    'Comment=Encrypted backups of your chat exports',
    `Exec=${command.map(quoteExecArgument).join(' ')}`,
    'Icon=puddleproof',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/**
 * Adds or removes the autostart entry. It is written atomically (a desktop session starting, or another
 * instance, never reads half an entry), through a temporary name that does not end in `.desktop`.
 */
export async function setLinuxAutostart(
  enabled: boolean,
  command: string[],
  path = autostartPath(),
): Promise<void> {
  if (!enabled) return rm(path, { force: true });
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.puddleproof-${randomBytes(8).toString('hex')}.tmp`);
  await writeFileAtomic(path, autostartEntry(command), 0o644, temp);
}
