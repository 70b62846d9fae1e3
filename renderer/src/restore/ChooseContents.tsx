// Restore, step 4: everything, or chosen files and folders from the backup's listing.
import { useId, useMemo, useState } from 'react';
import type { BackupVersion, RestoreFailure } from '../../../src/shared/api.js';
import { api } from '../api.js';
import { FocusHeading } from '../components/FocusHeading.js';
import { Problem } from '../components/Problem.js';
import { count, formatBytes } from '../format.js';
import { useLoad } from '../hooks/useLoad.js';
import { FileTree } from './FileTree.js';
import { allLeaves, buildTree, pathsToRestore } from './file-tree.js';
import { type FixStep, restoreAdvice } from './restore-advice.js';
import { StepActions } from './StepActions.js';

interface ChooseContentsProps {
  version: BackupVersion;
  onBack: (to: FixStep) => void;
  /** `null`: everything. */
  onNext: (paths: string[] | null) => void;
}

export function ChooseContents({ version, onBack, onNext }: ChooseContentsProps) {
  const name = useId();
  const [listing, reload] = useLoad(() => api.history.files(version.id));
  const entries = listing.state === 'ready' && listing.value.ok ? listing.value.entries : null;
  const roots = useMemo(() => (entries ? buildTree(entries) : []), [entries]);
  const [some, setSome] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const chosen = pathsToRestore(roots, selected);
  const everything = selected.size === allLeaves(roots).length;

  const failure: RestoreFailure | null =
    listing.state === 'failed'
      ? { ok: false, problem: 'other', message: listing.message }
      : listing.state === 'ready' && !listing.value.ok
        ? listing.value
        : null;
  if (failure) {
    const advice = restoreAdvice(failure.problem);
    return (
      <div className="wizard-step">
        <FocusHeading level={2}>What to restore</FocusHeading>
        <Problem title={advice.title} message={failure.message} next={advice.next} />
        <div className="actions">
          <button
            type="button"
            onClick={() => onBack(advice.fixAt === 'destination' ? 'version' : advice.fixAt)}
          >
            {advice.fixAt === 'unlock' ? 'Load the recovery kit' : 'Choose another version'}
          </button>
          <button type="button" onClick={reload}>
            Try again
          </button>
        </div>
      </div>
    );
  }
  const files = entries ? entries.filter((e) => e.type === 'file') : [];
  return (
    <div className="wizard-step">
      <FocusHeading level={2}>What to restore</FocusHeading>
      {listing.state === 'loading' ? (
        <p className="muted" aria-live="polite">
          Opening the backup to list its files…
        </p>
      ) : (
        <>
          <fieldset className="choice-list">
            <legend className="visually-hidden">What to restore</legend>
            <label className="choice">
              <input type="radio" name={name} checked={!some} onChange={() => setSome(false)} />
              <span className="choice-text">
                <span className="choice-title">Everything</span>
                <span className="muted">
                  {count(files.length, 'file')} · {formatBytes(files.reduce((sum, f) => sum + f.size, 0))}
                </span>
              </span>
            </label>
            <label className="choice">
              <input type="radio" name={name} checked={some} onChange={() => setSome(true)} />
              <span className="choice-text">
                <span className="choice-title">Only the files and folders I choose</span>
              </span>
            </label>
          </fieldset>
          {some && (
            <fieldset className="tree-box">
              <legend className="visually-hidden">Files and folders in the backup</legend>
              <FileTree roots={roots} selected={selected} onChange={setSelected} />
            </fieldset>
          )}
        </>
      )}
      <StepActions
        onBack={() => onBack('unlock')}
        onNext={() => onNext(some && !everything ? chosen : null)}
        canGo={listing.state === 'ready' && !(some && chosen.length === 0)}
      />
    </div>
  );
}
