// The vault's real size over time, from the files in its folder now: every object's name begins with the
// second it was made (within which its modification time places it; other files count from that time), so
// the bytes of the files made up to a moment give the folder's size then, as far as what is still in it. What was deleted since (a pruned
// backup's packs, once reclaimed) no longer counts: the curve ends at what the folder holds now.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { timeOfId } from '../vault/layout.js';
import type { Vault } from '../vault/vault.js';

/** The time at the start of an object's name (`20261208T001637Z-…`, also of a copy or placeholder), or null. */
function timeOfName(name: string): number | null {
  const at = timeOfId(name.replace(/^\./, ''));
  return Number.isNaN(at) ? null : at;
}

/** Every file of the vault folder: its bytes, and when it was made. */
async function vaultFiles(root: string): Promise<{ at: number; bytes: number }[]> {
  const files: { at: number; bytes: number }[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const s = await stat(join(entry.parentPath, entry.name)).catch(() => null);
    // Made in the second its name says, and no later than it was last written (a sync client may give a
    // file that came from another device the time it arrived).
    const named = timeOfName(entry.name);
    if (s) files.push({ at: named === null ? s.mtimeMs : Math.min(named + 999, s.mtimeMs), bytes: s.size });
  }
  return files;
}

/**
 * The vault's size at each backup of `times` (ISO times, oldest first): the bytes of the files in its folder
 * made before the next backup began (all of them, for the last: the folder's size now).
 */
export async function vaultSizeOverTime(
  vault: Vault,
  times: readonly string[],
): Promise<{ at: string; bytes: number }[]> {
  const files = (await vaultFiles(vault.root)).sort((a, b) => a.at - b.at);
  let next = 0;
  let bytes = 0;
  return times.map((at, i) => {
    const following = times[i + 1];
    const until = following === undefined ? Infinity : Date.parse(following);
    for (; next < files.length && (files[next] as { at: number }).at < until; next++)
      bytes += (files[next] as { bytes: number }).bytes;
    return { at, bytes };
  });
}
