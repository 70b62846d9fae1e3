// Restore, step 2: which version of the chat, with the last messages of the chosen one.
import { useId } from 'react';
import type { SourceHistory } from '../../../src/shared/api.js';
import { FocusHeading } from '../components/FocusHeading.js';
import { count, formatBytes, formatDateTime, formatMessages, messageChange } from '../format.js';
import { VerificationBadge } from '../history/VerificationBadge.js';
import { StepActions } from './StepActions.js';
import { VersionPreview } from './VersionPreview.js';

interface ChooseVersionProps {
  source: SourceHistory;
  selected: string | null;
  onSelect: (id: string) => void;
  onBack: () => void;
  onNext: () => void;
}

export function ChooseVersion({ source, selected, onSelect, onBack, onNext }: ChooseVersionProps) {
  const name = useId();
  const chosen = source.versions.find((v) => v.id === selected);
  return (
    <div className="wizard-step">
      <FocusHeading level={2}>Which version of “{source.source}”?</FocusHeading>
      <div className="version-choice">
        <fieldset className="choice-list">
          <legend className="visually-hidden">Version</legend>
          {source.versions.map((version) => {
            const chat = version.chat && version.chat.platform !== 'other' ? version.chat : null;
            const change = chat ? messageChange(version.messagesSincePrevious) : null;
            return (
              <label key={version.id} className="choice">
                <input
                  type="radio"
                  name={name}
                  checked={selected === version.id}
                  onChange={() => onSelect(version.id)}
                />
                <span className="choice-text">
                  <span className="choice-title">{formatDateTime(version.createdAt)}</span>
                  {chat && <span>{formatMessages(chat.messages)}</span>}
                  {change && <span className={`version-change change-${change.tone}`}>{change.text}</span>}
                  <span className="muted">
                    {formatBytes(version.bytes)} · {count(version.files, 'file')} ·{' '}
                    {version.thisDevice ? 'this computer' : version.device}
                  </span>
                  <VerificationBadge verification={version.verification} />
                </span>
              </label>
            );
          })}
        </fieldset>
        {chosen ? (
          <VersionPreview key={chosen.id} version={chosen} />
        ) : (
          <p className="muted version-preview-hint">Choose a version to see its last messages.</p>
        )}
      </div>
      <StepActions onBack={onBack} onNext={onNext} canGo={Boolean(chosen)} />
    </div>
  );
}
