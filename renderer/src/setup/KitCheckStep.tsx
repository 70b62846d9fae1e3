// First run, step 3: the user types a few characters of the kit back; backups start only then.
import { type FormEvent, useId, useState } from 'react';
import type { RecoveryKitView } from '../../../src/shared/api.js';
import { api, messageOf } from '../api.js';
import { FocusHeading } from '../components/FocusHeading.js';
import { Problem } from '../components/Problem.js';

interface KitCheckStepProps {
  challenge: RecoveryKitView['challenge'];
  onBack: () => void;
  onConfirmed: () => void;
}

export function KitCheckStep({ challenge, onBack, onConfirmed }: KitCheckStepProps) {
  const id = useId();
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setRefusal(null);
    try {
      const result = await api.setup.confirmKit(typed.trim());
      if (result.ok) {
        onConfirmed();
        return;
      }
      setRefusal(result.message);
    } catch (err) {
      setRefusal(messageOf(err));
    }
    setBusy(false);
  };
  return (
    <form className="setup-step" onSubmit={submit} aria-busy={busy}>
      <FocusHeading>Check your recovery kit</FocusHeading>
      <p className="lead">
        To be sure you kept it, type these characters from the kit you saved or printed. Backups start as soon
        as they match.
      </p>
      <div className="field">
        <label className="field-label" htmlFor={id}>
          Type {challenge.description}
        </label>
        <input
          id={id}
          className="mono challenge-input"
          type="text"
          value={typed}
          maxLength={challenge.length + 8}
          size={Math.max(challenge.length, 8) + 2}
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          required
          onChange={(e) => setTyped(e.target.value)}
        />
      </div>
      {refusal && <Problem title="That does not match your kit" message={refusal} />}
      <div className="actions">
        <button type="button" onClick={onBack}>
          Show the kit again
        </button>
        <span className="spacer" />
        <button type="submit" className="primary" disabled={busy || typed.trim() === ''}>
          {busy ? 'Checking…' : 'Check and start backups'}
        </button>
      </div>
    </form>
  );
}
