// Restore, step 2: which version of the chat.
import { useId } from 'react';
import type { SourceHistory } from '../../../src/shared/api.js';
import { FocusHeading } from '../components/FocusHeading.js';
import { count, formatBytes, formatDateTime } from '../format.js';
import { VerificationBadge } from '../history/VerificationBadge.js';
import { StepActions } from './StepActions.js';

interface ChooseVersionProps {
  source: SourceHistory;
  selected: string | null;
  onSelect: (id: string) => void;
  onBack: () => void;
  onNext: () => void;
}

export function ChooseVersion({ source, selected, onSelect, onBack, onNext }: ChooseVersionProps) {
  const name = useId();
  return (
    <div className="wizard-step">
      <FocusHeading level={2}>Which version of “{source.source}”?</FocusHeading>
      <fieldset className="choice-list">
        <legend className="visually-hidden">Version</legend>
        {source.versions.map((version) => (
          <label key={version.id} className="choice">
            <input
              type="radio"
              name={name}
              checked={selected === version.id}
              onChange={() => onSelect(version.id)}
            />
            <span className="choice-text">
              <span className="choice-title">{formatDateTime(version.createdAt)}</span>
              <span className="muted">
                {formatBytes(version.bytes)} · {count(version.files, 'file')} ·{' '}
                {version.thisDevice ? 'this computer' : version.device}
              </span>
              <VerificationBadge verification={version.verification} />
            </span>
          </label>
        ))}
      </fieldset>
      <StepActions onBack={onBack} onNext={onNext} canGo={Boolean(selected)} />
    </div>
  );
}
