// Settings: how many backups of each chat retention keeps.
import { type FormEvent, useId, useState } from 'react';
import type { RetentionSettings } from '../../../src/shared/api.js';
import { messageOf } from '../api.js';
import { FieldError } from '../components/FieldError.js';

const RULES: { key: keyof RetentionSettings; label: string }[] = [
  { key: 'last', label: 'Most recent backups' },
  { key: 'hourly', label: 'Hours (one per hour)' },
  { key: 'daily', label: 'Days (one per day)' },
  { key: 'weekly', label: 'Weeks (one per week)' },
  { key: 'monthly', label: 'Months (one per month)' },
  { key: 'yearly', label: 'Years (one per year)' },
];

interface RetentionSectionProps {
  retention: RetentionSettings;
  onSave: (retention: RetentionSettings) => Promise<void>;
}

export function RetentionSection({ retention, onSave }: RetentionSectionProps) {
  const id = useId();
  const [values, setValues] = useState(() =>
    Object.fromEntries(RULES.map(({ key }) => [key, String(retention[key])])),
  );
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const parsed = Object.fromEntries(
    RULES.map(({ key }) => [key, Number(values[key])]),
  ) as unknown as RetentionSettings;
  const valid = RULES.every(
    ({ key }) => Number.isInteger(parsed[key]) && parsed[key] >= 0 && parsed[key] <= 1000,
  );
  const dirty = RULES.some(({ key }) => parsed[key] !== retention[key]);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    setError(null);
    try {
      await onSave(parsed);
      setSaved(true);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <section className="card settings-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Keep old backups</h2>
      <p className="field-hint" id={`${id}-hint`}>
        For each chat, Puddleproof keeps the newest backup of each of the last N hours, days, weeks, months
        and years that have one, plus the most recent ones. Its newest backup always stays; all zeros keeps
        everything.
      </p>
      <form onSubmit={submit}>
        <div className="retention-grid">
          {RULES.map(({ key, label }) => (
            <div className="field" key={key}>
              <label className="field-label" htmlFor={`${id}-${key}`}>
                {label}
              </label>
              <input
                id={`${id}-${key}`}
                type="number"
                min={0}
                max={1000}
                step={1}
                className="narrow"
                value={values[key]}
                aria-describedby={`${id}-hint`}
                onChange={(e) => {
                  setValues({ ...values, [key]: e.target.value });
                  setSaved(false);
                }}
              />
            </div>
          ))}
        </div>
        <div className="actions">
          <button type="submit" disabled={!dirty || !valid}>
            Save
          </button>
          <span aria-live="polite" className="muted">
            {saved && !dirty ? 'Saved.' : ''}
          </span>
        </div>
      </form>
      <FieldError message={error} />
    </section>
  );
}
