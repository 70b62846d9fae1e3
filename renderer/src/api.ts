// The app's API as the window uses it, and the plain message of a failed call.
import type { PuddleproofApi } from '../../src/shared/api.js';

export const api: PuddleproofApi = window.puddleproof;

/** The message of a rejected call, without the "Error invoking remote method" wrapping Electron adds. */
export function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/^Error invoking remote method '[^']+': (?:Error: )?/, '');
}
