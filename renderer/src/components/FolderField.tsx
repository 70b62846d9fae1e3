// A folder chosen with the native folder picker: the path, and a button to choose another. Its own error
// (a refused choice) and any note the caller names in `describedBy` describe the button.
import { useId, useState } from 'react';
import type { FolderPurpose } from '../../../src/shared/api.js';
import { api, messageOf } from '../api.js';
import { describedBy as idsOf } from '../folder-check.js';
import { FieldError } from './FieldError.js';

interface FolderFieldProps {
  label: string;
  hint?: string;
  path: string | null;
  purpose: FolderPurpose;
  onPicked: (path: string) => void | Promise<void>;
  buttonText?: string;
  /** The id of a note elsewhere that speaks about this folder (e.g. the folder check). */
  describedBy?: string | undefined;
  /** The folder is refused by a check made elsewhere. */
  invalid?: boolean;
}

export function FolderField({
  label,
  hint,
  path,
  purpose,
  onPicked,
  buttonText = 'Choose…',
  describedBy,
  invalid = false,
}: FolderFieldProps) {
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const pick = async () => {
    setBusy(true);
    setError(null);
    try {
      const chosen = await api.dialogs.pickFolder(purpose);
      if (chosen) await onPicked(chosen);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="field folder-field">
      <span className="field-label" id={`${id}-label`}>
        {label}
      </span>
      {hint && (
        <span className="field-hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      <div className="folder-row">
        <output className="path" aria-labelledby={`${id}-label`}>
          {path ?? 'No folder chosen'}
        </output>
        <button
          type="button"
          onClick={pick}
          disabled={busy}
          aria-describedby={idsOf(hint && `${id}-hint`, error && `${id}-error`, describedBy)}
          aria-invalid={invalid || error !== null ? true : undefined}
          aria-label={`${buttonText.replace(/…$/, '')} — ${label}`}
        >
          {buttonText}
        </button>
      </div>
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}
