// The files of one vault folder grouped by the object they hold: the file itself and any copies a sync
// client made of it (conflict copies, duplicates). Placeholders that are not downloaded are left out.
import { groupByObject } from './sync-names.js';

/** For each object `isId(<id>)` in `names`: its readable files, the exact name first, then its copies. */
export function objectFiles(names: readonly string[], isId: (id: string) => boolean): Map<string, string[]> {
  const files = new Map<string, string[]>();
  const isName = (base: string) => base.endsWith('.age') && isId(base.slice(0, -4));
  for (const [base, group] of groupByObject(names, isName)) {
    const list = [...(group.exact ? [base] : []), ...group.copies];
    if (list.length > 0) files.set(base.slice(0, -4), list);
  }
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}
