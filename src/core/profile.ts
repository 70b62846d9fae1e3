// A profile: one config folder (PUDDLEPROOF_HOME) with non-secret settings; its secrets live in the
// OS keychain under a service name derived from the profile's id.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { writeFileAtomic } from './fs-atomic.js';

/** Non-secret settings, stored as settings.json in the profile folder. */
export interface Settings {
  version: 1;
  /** Random id of this profile; names its keychain entries. */
  profileId: string;
  /** Random id of this device within the vault (recorded in each backup's encrypted metadata). */
  deviceId: string;
  deviceName: string;
  watchDir: string;
  cloudDir: string;
}

/** The folder Electron uses as `userData` for an app named "Puddleproof" on this OS. */
export function defaultProfileHome(env = process.env, platform = process.platform): string {
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Puddleproof');
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Puddleproof');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'Puddleproof');
}

/** PUDDLEPROOF_HOME if set, else the default. */
export function profileHome(env = process.env): string {
  return env.PUDDLEPROOF_HOME || defaultProfileHome(env);
}

/** The keychain service under which this profile's secrets are stored. */
export function keychainService(settings: Pick<Settings, 'profileId'>): string {
  return `Puddleproof (profile ${settings.profileId})`;
}

export function settingsPath(home: string): string {
  return join(home, 'settings.json');
}

/** A profile folder's settings are missing or invalid. */
export class ProfileError extends Error {}

/** Checks a parsed settings object field by field; throws ProfileError naming the bad field. */
export function validateSettings(value: unknown): Settings {
  if (typeof value !== 'object' || value === null)
    throw new ProfileError('settings.json is not a JSON object');
  const v = value as Record<string, unknown>;
  if (v.version !== 1) throw new ProfileError(`settings.json has unsupported version ${String(v.version)}`);
  for (const key of ['profileId', 'deviceId', 'deviceName', 'watchDir', 'cloudDir'] as const) {
    if (typeof v[key] !== 'string' || v[key] === '')
      throw new ProfileError(`settings.json: "${key}" is missing`);
  }
  for (const key of ['watchDir', 'cloudDir'] as const) {
    if (!isAbsolute(v[key] as string))
      throw new ProfileError(`settings.json: "${key}" must be an absolute path`);
  }
  const { profileId, deviceId, deviceName, watchDir, cloudDir } = v as unknown as Settings;
  return { version: 1, profileId, deviceId, deviceName, watchDir, cloudDir };
}

/** Reads a JSON file of the profile: undefined when it does not exist, a ProfileError when it is not JSON. */
export async function readProfileJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ProfileError(`${path} is not valid JSON`);
  }
}

/** Loads and validates the settings; null when the profile was never set up. */
export async function loadSettings(home: string): Promise<Settings | null> {
  const parsed = await readProfileJson(settingsPath(home));
  return parsed === undefined ? null : validateSettings(parsed);
}

/** Writes the settings atomically (validated first). */
export async function saveSettings(home: string, settings: Settings): Promise<void> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  await writeFileAtomic(
    settingsPath(home),
    `${JSON.stringify(validateSettings(settings), null, 2)}\n`,
    0o600,
  );
}

/** Fresh ids for a new profile/device. */
export function newIds(): Pick<Settings, 'profileId' | 'deviceId'> {
  return { profileId: randomUUID(), deviceId: randomUUID() };
}
