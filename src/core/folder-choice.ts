// The one check of a folder choice, used by `init`, `recover`, the window's setup and Settings: the
// export folder, the cloud folder and the recovery kit must be kept apart, or the vault backs itself up,
// plaintext chats reach the cloud, or the one offline secret does. Paths are compared as the file system
// sees them: symbolic links resolved, and folders compared by identity (device and inode), so that a
// case-insensitive file system or a second name for a folder cannot slip past.
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { findCloudFolders, type MachinePlaces } from './app/cloud-folders.js';

/** The folders (and kit file) a person chose. Paths may not exist yet (the watch folder, the kit). */
export interface FolderChoice {
  watchDir: string;
  cloudDir: string;
  kitPath?: string;
}

/** What the check found: a reason to refuse (null when none), and warnings that do not refuse. */
export interface FolderCheck {
  refused: string | null;
  warnings: string[];
}

/** A folder choice that is refused; nothing has been written. */
export class FolderChoiceError extends Error {}

/** Where a path is: its deepest existing ancestor (resolved) and the names below it that do not exist. */
interface Located {
  /** The path as given (absolute). */
  path: string;
  /** The real path of the deepest existing ancestor. */
  real: string;
  /** Its identity. */
  dev: number;
  ino: number;
  /** The names below it, not there (yet). */
  rest: string[];
}

async function locate(path: string): Promise<Located> {
  const rest: string[] = [];
  let current = resolve(path);
  for (;;) {
    try {
      const real = await realpath(current);
      const info = await stat(real);
      return { path: resolve(path), real, dev: info.dev, ino: info.ino, rest };
    } catch {
      const parent = dirname(current);
      if (parent === current) throw new FolderChoiceError(`${path} cannot be reached.`);
      rest.unshift(basename(current));
      current = parent;
    }
  }
}

async function identity(path: string): Promise<{ dev: number; ino: number } | null> {
  const info = await stat(path).catch(() => null);
  return info ? { dev: info.dev, ino: info.ino } : null;
}

function same(a: { dev: number; ino: number }, b: { dev: number; ino: number }): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** Whether names in `dir` are matched without regard to case (macOS and Windows by default, casefold). */
async function caseInsensitive(dir: string): Promise<boolean> {
  const here = await identity(dir);
  for (let probe = dir; here; ) {
    const name = basename(probe);
    const swapped = [...name]
      .map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()))
      .join('');
    if (swapped !== name) {
      const other = await identity(join(dirname(probe), swapped));
      const original = await identity(probe);
      return Boolean(other && original && same(other, original));
    }
    const parent = dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  return process.platform === 'win32' || process.platform === 'darwin';
}

/** Whether the path `inner` is `outer` or below it, by name alone (before links are resolved). */
function belowByName(inner: string, outer: string): boolean {
  const rel = relative(resolve(outer), resolve(inner));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Whether `inner` is `outer` or inside it, as the file system resolves them, or as the paths are named. */
async function within(inner: Located, outer: Located): Promise<boolean> {
  return belowByName(inner.path, outer.path) || (await withinResolved(inner, outer));
}

async function withinResolved(inner: Located, outer: Located): Promise<boolean> {
  if (outer.rest.length === 0) {
    // `outer` exists: walk up from what exists of `inner`, comparing folder identities.
    for (let dir = inner.real; ; ) {
      const id = await identity(dir);
      if (id && same(id, outer)) return true;
      const parent = dirname(dir);
      if (parent === dir) return false;
      dir = parent;
    }
  }
  // `outer` does not exist yet: `inner` can only be inside it through the same missing names.
  if (!same(inner, outer) || inner.rest.length < outer.rest.length) return false;
  const fold = (await caseInsensitive(inner.real)) ? (s: string) => s.toLowerCase() : (s: string) => s;
  return outer.rest.every(
    (name, i) => fold(name.normalize('NFC')) === fold((inner.rest[i] ?? '').normalize('NFC')),
  );
}

/**
 * Why a folder choice is refused, or null: the export and cloud folders being one, or either inside the
 * other, or the recovery kit inside either. The message names both folders and what to choose instead.
 */
export async function folderRefusal(choice: FolderChoice): Promise<string | null> {
  const watch = await locate(choice.watchDir);
  const cloud = await locate(choice.cloudDir);
  const watchDir = resolve(choice.watchDir);
  const cloudDir = resolve(choice.cloudDir);
  const watchInCloud = await within(watch, cloud);
  const cloudInWatch = await within(cloud, watch);
  if (watchInCloud && cloudInWatch) {
    const names = watchDir === cloudDir ? watchDir : `${watchDir} and ${cloudDir}`;
    return `The export folder and the cloud folder are the same folder (${names}). Choose an export folder outside the cloud folder, for example "Chat exports" in your home folder.`;
  }
  if (watchInCloud) {
    return `The export folder ${watchDir} is inside the cloud folder ${cloudDir}: your chats would be uploaded unencrypted. Choose an export folder outside the cloud folder, for example "Chat exports" in your home folder.`;
  }
  if (cloudInWatch) {
    return `The cloud folder ${cloudDir} is inside the export folder ${watchDir}: Puddleproof would back up its own vault, again and again. Choose a cloud folder outside the export folder, or an export folder that does not hold it.`;
  }
  if (choice.kitPath === undefined) return null;
  const kitPath = resolve(choice.kitPath);
  const kit = await locate(kitPath);
  if (await within(kit, cloud)) {
    return `The recovery kit ${kitPath} would be saved inside the cloud folder ${cloudDir}: the one secret that must stay offline would be uploaded with your backups. Save it outside the cloud folder (on a memory stick, or print it) and keep it offline.`;
  }
  if (await within(kit, watch)) {
    return `The recovery kit ${kitPath} would be saved inside the export folder ${watchDir}, which is backed up. Save it outside the export folder (on a memory stick, or print it) and keep it offline.`;
  }
  return null;
}

/** Warnings that do not refuse: the kit or the export folder inside another folder a sync client uploads. */
async function syncedFolderWarnings(choice: FolderChoice, places?: MachinePlaces): Promise<string[]> {
  const warnings: string[] = [];
  const watchDir = resolve(choice.watchDir);
  const watch = await locate(watchDir);
  const kit = choice.kitPath === undefined ? undefined : await locate(choice.kitPath);
  for (const synced of await findCloudFolders(places)) {
    const place = await locate(synced.path);
    if (kit && (await within(kit, place))) {
      warnings.push(
        `The recovery kit is saved in ${synced.path} (${synced.provider}), a folder a sync client uploads: it is then no longer offline. Save it on a memory stick, or print it, instead.`,
      );
    }
    if (await within(watch, place)) {
      warnings.push(
        `The export folder ${watchDir} is inside ${synced.path} (${synced.provider}): the exports in it are already uploaded there unencrypted. Choose an export folder outside it, for example "Chat exports" in your home folder.`,
      );
    }
  }
  return warnings;
}

/** Checks a folder choice: the reason it is refused (or null), and the warnings that do not refuse. */
export async function checkFolderChoice(choice: FolderChoice, places?: MachinePlaces): Promise<FolderCheck> {
  const refused = await folderRefusal(choice);
  return { refused, warnings: refused ? [] : await syncedFolderWarnings(choice, places) };
}

/** Checks a folder choice; throws FolderChoiceError when it is refused, else returns the warnings. */
export async function assertFolderChoice(choice: FolderChoice, places?: MachinePlaces): Promise<string[]> {
  const { refused, warnings } = await checkFolderChoice(choice, places);
  if (refused) throw new FolderChoiceError(refused);
  return warnings;
}

/** Whether `path` is `folder`, inside it, or holds it (an export that would carry the vault with it). */
export async function overlaps(path: string, folder: string): Promise<boolean> {
  const a = await locate(path);
  const b = await locate(folder);
  return (await within(a, b)) || (await within(b, a));
}
