// The names sync clients give the files of a vault folder besides their own: conflict copies, duplicates and
// not-yet-downloaded placeholders. Pure, no I/O.
//
// A copy's decoration sits just before the file's last extension (Syncthing's `.sync-conflict-…` too), so a
// name is taken apart as body + extension and the decoration must end the body. A name is only ever called
// a copy or a placeholder of a base that `isObjectName` accepts, and a name `isObjectName` accepts is always
// the object itself, so nothing here invents an object or mistakes one for a copy.

/** How a file name relates to an object name: the object itself, a copy of it, its placeholder, or nothing. */
export type SyncedName =
  | { kind: 'object'; base: string } // exactly `base`, e.g. base = "<id>.age"
  | { kind: 'copy'; base: string } // a conflict copy / duplicate of `base`
  | { kind: 'placeholder'; base: string } // a not-yet-downloaded placeholder of `base`
  | { kind: 'other' }; // anything else: temporary files, copies of names that are no object, …

/** The decorations sync clients put at the end of a name's body (before its extension) for a second copy. */
const COPY_DECORATIONS: readonly RegExp[] = [
  // Dropbox: ` (conflicted copy 2026-12-07)`, ` (Anna's conflicted copy 2026-12-07)`, `… 2026-12-07 (1))`.
  / \((?:[^()/\\]+['’]s )?conflicted copy \d{4}-\d{2}-\d{2}(?: \([1-9]\d*\))?\)$/,
  // OneDrive: `-DESKTOP-AB12CD`, the Windows COMPUTERNAME (≤ 15 of A-Z 0-9 -, not digits only).
  /-(?=[A-Z0-9-]*[A-Z])[A-Z0-9](?:[A-Z0-9-]{0,13}[A-Z0-9])?$/,
  // Google Drive, browsers: ` (1)`.
  / \([1-9]\d*\)$/,
  // iCloud Drive: ` 2`.
  / [1-9]\d*$/,
  // Syncthing: `.sync-conflict-20261207-101112-ABCDEFG` (the short device id: 7 of base32, or none).
  /\.sync-conflict-\d{8}-\d{6}-(?:[A-Z2-7]{7})?$/,
  // Unison -copyonconflict: ` (conflict_on_2026-12-07)`, ` (conflict #1_on_2026-12-07)`, `…_was_deleted)`.
  / \(conflict(?: #[1-9]\d*)?_on_\d{4}-\d{2}-\d{2}(?:_was_deleted)?\)$/,
];

/** A copy of a copy is stripped again, up to this many decorations. */
const MAX_DECORATIONS = 3;

/** The object `name` is a (possibly repeated) copy of, or null. */
function copyOf(name: string, isObjectName: (base: string) => boolean, depth: number): string | null {
  if (depth === 0) return null;
  const ext = /\.[A-Za-z0-9]+$/.exec(name)?.[0];
  if (ext === undefined) return null;
  const body = name.slice(0, -ext.length);
  for (const decoration of COPY_DECORATIONS) {
    const m = decoration.exec(body);
    if (!m || m.index === 0) continue;
    const stripped = body.slice(0, m.index) + ext;
    if (isObjectName(stripped)) return stripped;
    const deeper = copyOf(stripped, isObjectName, depth - 1);
    if (deeper !== null) return deeper;
  }
  return null;
}

/** How a file name in a vault folder relates to the object names `isObjectName` accepts. */
export function classifyName(name: string, isObjectName: (base: string) => boolean): SyncedName {
  if (isObjectName(name)) return { kind: 'object', base: name };
  // iCloud Drive: `.<name>.icloud` stands for `<name>` until it is downloaded (a copy's placeholder is not).
  const inner = /^\.(.+)\.icloud$/.exec(name)?.[1];
  if (inner !== undefined && isObjectName(inner)) return { kind: 'placeholder', base: inner };
  const base = copyOf(name, isObjectName, MAX_DECORATIONS);
  return base === null ? { kind: 'other' } : { kind: 'copy', base };
}

/** Groups the names of one folder by the object they stand for: the exact file, its copies, and placeholders. */
export function groupByObject(
  names: readonly string[],
  isObjectName: (base: string) => boolean,
): Map<string, { exact: boolean; copies: string[]; placeholder: boolean }> {
  const groups = new Map<string, { exact: boolean; copies: string[]; placeholder: boolean }>();
  for (const name of names) {
    const c = classifyName(name, isObjectName);
    if (c.kind === 'other') continue;
    let group = groups.get(c.base);
    if (!group) {
      group = { exact: false, copies: [], placeholder: false };
      groups.set(c.base, group);
    }
    if (c.kind === 'object') group.exact = true;
    else if (c.kind === 'placeholder') group.placeholder = true;
    else group.copies.push(name);
  }
  return groups;
}
