// Restore, step 1: which chat.
import { useId } from 'react';
import type { SourceHistory } from '../../../src/shared/api.js';
import { FocusHeading } from '../components/FocusHeading.js';
import { count, formatDateTime } from '../format.js';
import { StepActions } from './StepActions.js';

interface ChooseSourceProps {
  sources: SourceHistory[];
  selected: string | null;
  onSelect: (source: string) => void;
  onNext: () => void;
}

export function ChooseSource({ sources, selected, onSelect, onNext }: ChooseSourceProps) {
  const name = useId();
  return (
    <div className="wizard-step">
      <FocusHeading level={2}>Which chat do you want to restore?</FocusHeading>
      {sources.length === 0 ? (
        <p className="empty">There are no backups to restore yet.</p>
      ) : (
        <fieldset className="choice-list">
          <legend className="visually-hidden">Chat</legend>
          {sources.map((source) => {
            const latest = source.versions[0];
            return (
              <label key={source.source} className="choice">
                <input
                  type="radio"
                  name={name}
                  checked={selected === source.source}
                  onChange={() => onSelect(source.source)}
                />
                <span className="choice-text">
                  <span className="choice-title">{source.source}</span>
                  <span className="muted">
                    {count(source.versions.length, 'version')}
                    {latest && <> · latest {formatDateTime(latest.createdAt)}</>}
                  </span>
                </span>
              </label>
            );
          })}
        </fieldset>
      )}
      <StepActions onNext={onNext} canGo={Boolean(selected)} />
    </div>
  );
}
