// The files of one vault folder grouped by the object they hold: the file itself and any copies a sync
// client made of it (conflict copies, duplicates), so that an object a sync client renamed is still found.
import { access, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { classifyName, groupByObject } from './sync-names.js';

const isAgeName = (isId: (id: string) => boolean) => (base: string) =>
  base.endsWith('.age') && isId(base.slice(0, -4));

/** For each object `isId(<id>)` in `names`: its readable files, the exact name first, then its copies in name order. */
export function objectFiles(names: readonly string[], isId: (id: string) => boolean): Map<string, string[]> {
  const files = new Map<string, string[]>();
  for (const [base, group] of groupByObject(names, isAgeName(isId))) {
    const list = [...(group.exact ? [base] : []), ...[...group.copies].sort()];
    if (list.length > 0) files.set(base.slice(0, -4), list);
  }
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

/** The id of the object `name` is, or is a copy or placeholder of; null for any other name. */
export function objectIdOf(name: string, isId: (id: string) => boolean): string | null {
  const c = classifyName(name, isAgeName(isId));
  return c.kind === 'other' ? null : c.base.slice(0, -4);
}

/** Ids of the objects in `names` that are in the cloud: as a file, a copy, or a placeholder not downloaded yet. */
export function presentIds(names: readonly string[], isId: (id: string) => boolean): Set<string> {
  return new Set([...groupByObject(names, isAgeName(isId)).keys()].map((base) => base.slice(0, -4)));
}

/**
 * The file to read object `<id>.age` of `dir` from: the object itself, or else a copy a sync client made of
 * it (the only one left after a conflict); the object's own path when there is neither.
 */
export async function objectPath(dir: string, id: string, isId: (id: string) => boolean): Promise<string> {
  const exact = join(dir, `${id}.age`);
  try {
    await access(exact);
    return exact;
  } catch {
    const names = await readdir(dir).catch(() => [] as string[]);
    const copy = objectFiles(names, isId).get(id)?.[0];
    return copy ? join(dir, copy) : exact;
  }
}

/** Removes object `<id>.age` of `dir` with every copy and placeholder of it a sync client made. */
export async function removeObject(dir: string, id: string, isId: (id: string) => boolean): Promise<void> {
  await rm(join(dir, `${id}.age`), { force: true });
  const base = `${id}.age`;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const c = classifyName(name, isAgeName(isId));
    if (c.kind !== 'other' && c.base === base) await rm(join(dir, name), { force: true });
  }
}

/** Bytes of object `<id>.age` of `dir` as it is read (see objectPath); null when no file of it is here. */
export async function objectSize(
  dir: string,
  id: string,
  isId: (id: string) => boolean,
): Promise<number | null> {
  return (await stat(await objectPath(dir, id, isId)).catch(() => null))?.size ?? null;
}

/**
 * The bytes of every file of an object `<id>.age` of `dir` (the object and its copies: what removeObject
 * frees), by id; the folder is listed once, on the first call.
 */
export function objectBytesIn(dir: string, isId: (id: string) => boolean): (id: string) => Promise<number> {
  let files: Promise<Map<string, string[]>> | undefined;
  return async (id) => {
    files ??= readdir(dir).then(
      (names) => objectFiles(names, isId),
      () => new Map<string, string[]>(),
    );
    let bytes = 0;
    for (const name of (await files).get(id) ?? [])
      bytes += (await stat(join(dir, name)).catch(() => null))?.size ?? 0;
    return bytes;
  };
}

/** Where iCloud Drive keeps the placeholder of the file at `path` until it is downloaded (`.<name>.icloud`). */
export function placeholderPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.icloud`);
}
