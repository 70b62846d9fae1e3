// Restore, step 1: which chat (by its title and app).
import { useId } from 'react';
import type { SourceHistory } from '../../../src/shared/api.js';
import { FocusHeading } from '../components/FocusHeading.js';
import { count, formatDateTime, formatMessages, platformName } from '../format.js';
import { StepActions } from './StepActions.js';

interface ChooseSourceProps {
  sources: SourceHistory[];
  /** The chosen chat's id. */
  selected: string | null;
  onSelect: (id: string) => void;
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
            const chat = latest?.chat;
            return (
              <label key={source.id} className="choice">
                <input
                  type="radio"
                  name={name}
                  checked={selected === source.id}
                  onChange={() => onSelect(source.id)}
                />
                <span className="choice-text">
                  <span className="choice-title">
                    {source.source}
                    <span className="choice-platform"> — {platformName(source.platform)}</span>
                  </span>
                  <span className="muted">
                    {chat && chat.platform !== 'other' && <>{formatMessages(chat.messages)} · </>}
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
