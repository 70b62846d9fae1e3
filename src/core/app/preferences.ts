// The app's preferences (quiet period, retention, start at login, notifications, pause, the kit drill), kept next to
// settings.json as preferences.json. A missing file means the defaults; a damaged one is reported.
import { join } from 'node:path';
import { writeFileAtomic } from '../fs-atomic.js';
import { DEFAULT_DRILL_MONTHS, DRILL_INTERVALS } from '../kit-drill.js';
import { ProfileError, readProfileJson } from '../profile.js';
import { DEFAULT_RETENTION, type RetentionPolicy, validatePolicy } from '../vault/retention.js';

export interface Preferences {
  quietSeconds: number;
  retention: RetentionPolicy;
  startAtLogin: boolean;
  notifyOnSuccess: boolean;
  paused: boolean;
  /** How often the app asks to check the recovery kit, in months (one of DRILL_INTERVALS; 0: never). */
  kitCheckMonths: number;
}

export const DEFAULT_PREFERENCES: Readonly<Preferences> = Object.freeze({
  quietSeconds: 10,
  retention: DEFAULT_RETENTION,
  startAtLogin: false,
  notifyOnSuccess: false,
  paused: false,
  kitCheckMonths: DEFAULT_DRILL_MONTHS,
});

function preferencesPath(home: string): string {
  return join(home, 'preferences.json');
}

/** Checks untrusted preferences field by field (missing fields take their defaults). */
export function validatePreferences(value: unknown): Preferences {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProfileError('preferences.json is not a JSON object');
  }
  const v = { ...DEFAULT_PREFERENCES, ...(value as Partial<Preferences>) };
  if (!Number.isInteger(v.quietSeconds) || v.quietSeconds < 1 || v.quietSeconds > 3600) {
    throw new ProfileError('preferences.json: "quietSeconds" must be a whole number from 1 to 3600');
  }
  for (const key of ['startAtLogin', 'notifyOnSuccess', 'paused'] as const) {
    if (typeof v[key] !== 'boolean')
      throw new ProfileError(`preferences.json: "${key}" must be true or false`);
  }
  if (!(DRILL_INTERVALS as readonly unknown[]).includes(v.kitCheckMonths)) {
    throw new ProfileError(
      `preferences.json: "kitCheckMonths" must be one of ${DRILL_INTERVALS.join(', ')} (0: never)`,
    );
  }
  return {
    quietSeconds: v.quietSeconds,
    retention: validatePolicy(v.retention),
    startAtLogin: v.startAtLogin,
    notifyOnSuccess: v.notifyOnSuccess,
    paused: v.paused,
    kitCheckMonths: v.kitCheckMonths,
  };
}

/** The profile's preferences, or the defaults when none were saved. */
export async function loadPreferences(home: string): Promise<Preferences> {
  const parsed = await readProfileJson(preferencesPath(home));
  return parsed === undefined ? { ...DEFAULT_PREFERENCES } : validatePreferences(parsed);
}

/** Writes the preferences atomically (validated first). */
export async function savePreferences(home: string, preferences: Preferences): Promise<void> {
  const clean = validatePreferences(preferences);
  await writeFileAtomic(preferencesPath(home), `${JSON.stringify(clean, null, 2)}\n`, 0o600);
}
