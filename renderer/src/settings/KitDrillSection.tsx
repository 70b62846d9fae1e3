// Settings: when the recovery kit was last checked on this device ("Recovery kit last checked 12 days
// ago" or "never"), whether a check is due, how often to ask (never, every 1, 3, 6 or 12 months), and the
// way to "Check my recovery kit".
import { useId, useState } from 'react';
import type { KitDrill, SettingsUpdate } from '../../../src/shared/api.js';
import { messageOf } from '../api.js';
import { FieldError } from '../components/FieldError.js';
import { formatAgo } from '../format.js';

/** The choices of "Ask me to check my kit" (months; 0: never). */
export const KIT_CHECK_CHOICES: readonly { months: 0 | 1 | 3 | 6 | 12; label: string }[] = [
  { months: 0, label: 'never' },
  { months: 1, label: 'every month' },
  { months: 3, label: 'every 3 months' },
  { months: 6, label: 'every 6 months' },
  { months: 12, label: 'every 12 months' },
];

export function kitCheckedText(drill: KitDrill, now = Date.now()): string {
  return drill.lastCheckedAt
    ? `Recovery kit last checked ${formatAgo(drill.lastCheckedAt, now)}`
    : 'Recovery kit never checked on this device';
}

interface KitDrillSectionProps {
  drill: KitDrill;
  onCheck: () => void;
  /** "I lost my kit": a new kit. */
  onLost: () => void;
  /** Saves the interval (the section then reads the drill again). */
  onUpdate: (update: SettingsUpdate) => Promise<void>;
}

export function KitDrillSection({ drill, onCheck, onLost, onUpdate }: KitDrillSectionProps) {
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const choose = async (value: string) => {
    const choice = KIT_CHECK_CHOICES.find((c) => String(c.months) === value);
    if (!choice) return;
    setError(null);
    setSaving(true);
    try {
      await onUpdate({ kitCheckMonths: choice.months });
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setSaving(false);
    }
  };
  return (
    <section className="card settings-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Recovery kit</h2>
      <p className={drill.due ? 'note note-warning' : 'note'}>
        {kitCheckedText(drill)}.{drill.due && ' It is time to check it again.'}
      </p>
      <p className="field-hint">
        Your recovery kit is the only way back to your backups if you lose every device. Check now and then
        {drill.months > 0 && ` (every ${drill.months === 1 ? 'month' : `${drill.months} months`})`} that you
        still have it and that it opens your newest backup.
      </p>
      <div className="field">
        <label className="field-label" htmlFor={`${id}-months`}>
          Ask me to check my kit
        </label>
        <select
          id={`${id}-months`}
          value={String(drill.months)}
          disabled={saving}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-months-error` : undefined}
          onChange={(e) => void choose(e.target.value)}
        >
          {KIT_CHECK_CHOICES.map((c) => (
            <option key={c.months} value={String(c.months)}>
              {c.label}
            </option>
          ))}
        </select>
        <FieldError id={`${id}-months-error`} message={error} />
      </div>
      <div className="actions">
        <button type="button" onClick={onCheck}>
          Check my recovery kit
        </button>
        <button type="button" onClick={onLost}>
          I lost my kit…
        </button>
      </div>
    </section>
  );
}
