// What the folder check says of the chosen folders, shown next to them: why they are refused, or the
// warnings that do not stop anything. The folder controls point to it (see folderCheckAria).
import type { FolderCheckState } from '../folder-check.js';
import { FieldError } from './FieldError.js';
import { Problem } from './Problem.js';

export function FolderCheckNote({ id, check }: { id: string; check: FolderCheckState }) {
  if (check.refused) {
    return <Problem id={id} title="These folders cannot be used together" message={check.refused} />;
  }
  if (check.problem) return <FieldError id={id} message={check.problem} />;
  return <FolderWarnings id={id} title="You can go on, but note:" warnings={check.warnings} />;
}

/** Warnings about a choice that is allowed (a folder a sync client uploads); nothing when there is none. */
export function FolderWarnings({ id, title, warnings }: { id?: string; title: string; warnings: string[] }) {
  if (warnings.length === 0) return null;
  return (
    <div className="note note-warning" id={id} role="status">
      <p className="note-title">{title}</p>
      <ul>
        {warnings.map((warning) => (
          <li key={warning}>{warning}</li>
        ))}
      </ul>
    </div>
  );
}
