// Restore, step 5: a new folder (named after the export and today) inside a folder the user picks.
import { type FormEvent, useId, useState } from 'react';
import type { BackupVersion } from '../../../src/shared/api.js';
import { FocusHeading } from '../components/FocusHeading.js';
import { FolderField } from '../components/FolderField.js';
import { isoDay } from '../format.js';

/** "WhatsApp Chat - Alice (restored 2026-11-26)". */
export function defaultFolderName(exportName: string, today: Date): string {
  const base = exportName.replace(/\.zip$/i, '').trim() || 'Chat';
  return `${base} (restored ${isoDay(today)})`;
}

/** Why a folder name cannot be used, or null. */
function folderNameProblem(name: string): string | null {
  if (name.trim() === '') return 'Give the new folder a name.';
  if (/[/\\]/.test(name)) return 'A folder name cannot contain / or \\.';
  if (name.trim() !== name) return 'A folder name cannot start or end with a space.';
  if (name === '.' || name === '..') return 'Choose another folder name.';
  return null;
}

interface ChooseDestinationProps {
  version: BackupVersion;
  parent: string | null;
  onParent: (path: string) => void;
  onBack: () => void;
  onStart: (folderName: string) => void;
}

export function ChooseDestination({ version, parent, onParent, onBack, onStart }: ChooseDestinationProps) {
  const id = useId();
  const [name, setName] = useState(() => defaultFolderName(version.exportName, new Date()));
  const problem = folderNameProblem(name);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (parent && !problem) onStart(name);
  };
  return (
    <form className="wizard-step" onSubmit={submit}>
      <FocusHeading level={2}>Where to restore</FocusHeading>
      <p className="lead">
        Puddleproof restores into a new folder and never overwrites anything. It checks every file before it
        puts the folder in place.
      </p>
      <FolderField
        label="Put the new folder in"
        path={parent}
        purpose="restoreDestination"
        onPicked={onParent}
        buttonText="Choose folder…"
      />
      <div className="field">
        <label className="field-label" htmlFor={id}>
          Name of the new folder
        </label>
        <input
          id={id}
          type="text"
          value={name}
          maxLength={255}
          aria-invalid={problem !== null}
          aria-describedby={problem ? `${id}-problem` : undefined}
          onChange={(e) => setName(e.target.value)}
        />
        {problem && (
          <span className="field-error" id={`${id}-problem`}>
            {problem}
          </span>
        )}
      </div>
      <div className="actions">
        <button type="button" onClick={onBack}>
          Back
        </button>
        <span className="spacer" />
        <button type="submit" className="primary" disabled={!parent || problem !== null}>
          Start restore
        </button>
      </div>
    </form>
  );
}
