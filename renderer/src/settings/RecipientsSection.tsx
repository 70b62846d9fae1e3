// Settings: the trusted recipients every backup is encrypted to (list, add with a label, remove).
import { type FormEvent, useId, useState } from 'react';
import type { RecipientView } from '../../../src/shared/api.js';
import { api, messageOf } from '../api.js';
import { FieldError } from '../components/FieldError.js';

export function RecipientsSection({ initial }: { initial: RecipientView[] }) {
  const id = useId();
  const [recipients, setRecipients] = useState(initial);
  const [recipient, setRecipient] = useState('');
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const apply = async (action: () => Promise<RecipientView[]>) => {
    setBusy(true);
    setError(null);
    try {
      setRecipients(await action());
      return true;
    } catch (err) {
      setError(messageOf(err));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (await apply(() => api.recipients.add({ recipient: recipient.trim(), label: label.trim() }))) {
      setRecipient('');
      setLabel('');
    }
  };

  return (
    <section className="card settings-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Who can open new backups</h2>
      <p className="field-hint">
        Every new backup is encrypted to all of these keys. Add another device's key (shown in its Settings)
        so it can open this device's backups too.
      </p>
      <ul className="recipients">
        {recipients.map((r) => (
          <li key={r.recipient}>
            <div className="recipient-text">
              <span className="choice-title">{r.label}</span>
              <span className="mono recipient-key">{r.recipient}</span>
            </div>
            {r.removable ? (
              <button
                type="button"
                className="small"
                disabled={busy}
                aria-label={`Remove ${r.label}`}
                onClick={() => apply(() => api.recipients.remove(r.recipient))}
              >
                Remove
              </button>
            ) : (
              <span className="muted small-text">Always kept</span>
            )}
          </li>
        ))}
      </ul>
      <form className="recipient-add" onSubmit={add}>
        <div className="field grow">
          <label className="field-label" htmlFor={`${id}-key`}>
            Public key (age1…)
          </label>
          <input
            id={`${id}-key`}
            type="text"
            className="mono"
            value={recipient}
            spellCheck={false}
            autoComplete="off"
            required
            onChange={(e) => setRecipient(e.target.value)}
          />
        </div>
        <div className="field">
          <label className="field-label" htmlFor={`${id}-label`}>
            Label
          </label>
          <input
            id={`${id}-label`}
            type="text"
            value={label}
            maxLength={100}
            required
            placeholder="e.g. Laptop"
            onChange={(e) => setLabel(e.target.value)}
          />
        </div>
        <button type="submit" disabled={busy || !recipient.trim() || !label.trim()}>
          Add
        </button>
      </form>
      <FieldError message={error} />
    </section>
  );
}
