// How a folder control points to what the folder check said about it (pure, no React).
import type { FolderCheck } from '../../src/shared/api.js';

/** The folder check of the chosen folders, as the window keeps it. */
export interface FolderCheckState extends FolderCheck {
  /** The check itself failed (the folders are checked again when they are used). */
  problem: string | null;
}

/** No check yet (or not both folders chosen). */
export const UNCHECKED: FolderCheckState = { refused: null, warnings: [], problem: null };

/** The ids for aria-describedby, without the missing ones; undefined when none is left. */
export function describedBy(...ids: (string | false | null | undefined)[]): string | undefined {
  const present = ids.filter((id): id is string => Boolean(id));
  return present.length > 0 ? present.join(' ') : undefined;
}

/**
 * How a folder control refers to the check's note shown under `noteId`: described by it when the note
 * says anything, and invalid when the folders are refused.
 */
export function folderCheckAria(
  noteId: string,
  check: FolderCheckState,
): { describedBy: string | undefined; invalid: boolean } {
  const said = Boolean(check.refused || check.problem || check.warnings.length > 0);
  return { describedBy: said ? noteId : undefined, invalid: check.refused !== null };
}
