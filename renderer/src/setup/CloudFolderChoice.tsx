// Where the encrypted backups go: a cloud-synced folder found on this machine, or one picked in the dialog.
import { useId, useState } from 'react';
import type { CloudFolderSuggestion } from '../../../src/shared/api.js';
import { api, messageOf } from '../api.js';
import { FieldError } from '../components/FieldError.js';
import { describedBy as idsOf } from '../folder-check.js';

interface CloudFolderChoiceProps {
  legend: string;
  suggestions: CloudFolderSuggestion[];
  path: string | null;
  onChange: (path: string) => void;
  /** The id of the folder check's note, when it says something. */
  describedBy?: string | undefined;
  /** The folder check refused the folders. */
  invalid?: boolean;
}

export function CloudFolderChoice({
  legend,
  suggestions,
  path,
  onChange,
  describedBy,
  invalid = false,
}: CloudFolderChoiceProps) {
  const name = useId();
  const [picked, setPicked] = useState<string | null>(
    path && !suggestions.some((s) => s.path === path) ? path : null,
  );
  const [error, setError] = useState<string | null>(null);
  const errorId = `${name}-error`;
  const described = idsOf(error && errorId, describedBy);
  const pick = async () => {
    setError(null);
    try {
      const chosen = await api.dialogs.pickFolder('cloud');
      if (chosen) {
        setPicked(chosen);
        onChange(chosen);
      }
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const options = [
    ...suggestions.map((s) => ({ title: s.provider, path: s.path })),
    ...(picked && !suggestions.some((s) => s.path === picked)
      ? [{ title: 'Chosen folder', path: picked }]
      : []),
  ];
  return (
    <fieldset className="field choice-list">
      <legend className="field-label">{legend}</legend>
      {suggestions.length === 0 && (
        <p className="field-hint">
          No Dropbox, iCloud Drive, OneDrive or Google Drive folder was found on this computer. Choose the
          folder your cloud service keeps in sync.
        </p>
      )}
      {options.map((option) => (
        <label key={option.path} className="choice">
          <input
            type="radio"
            name={name}
            value={option.path}
            checked={path === option.path}
            aria-describedby={described}
            aria-invalid={invalid && path === option.path ? true : undefined}
            onChange={() => onChange(option.path)}
          />
          <span className="choice-text">
            <span className="choice-title">{option.title}</span>
            <span className="path">{option.path}</span>
          </span>
        </label>
      ))}
      <div>
        <button type="button" onClick={pick} aria-describedby={described}>
          Choose another folder…
        </button>
      </div>
      <FieldError id={errorId} message={error} />
    </fieldset>
  );
}
