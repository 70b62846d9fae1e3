// First run, step 3: the user types a few characters of the kit back; backups start only then. "I lost my
// kit" uses it too: the new kit is put in use only then.
import { type FormEvent, type ReactNode, useId, useState } from 'react';
import type { RecoveryKitView } from '../../../src/shared/api.js';
import { api, messageOf } from '../api.js';
import { FocusHeading } from '../components/FocusHeading.js';
import { Problem } from '../components/Problem.js';

interface KitCheckStepProps {
  challenge: RecoveryKitView['challenge'];
  onBack: () => void;
  onConfirmed: () => void;
  /** Checks the typed characters (default: the kit made at setup). */
  confirm?: (typed: string) => Promise<{ ok: boolean; message: string }>;
  lead?: ReactNode;
  submitLabel?: string;
}

export function KitCheckStep({
  challenge,
  onBack,
  onConfirmed,
  confirm = api.setup.confirmKit,
  lead = 'To be sure you kept it, type these characters from the kit you saved or printed. Backups start as soon as they match.',
  submitLabel = 'Check and start backups',
}: KitCheckStepProps) {
  const id = useId();
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setRefusal(null);
    try {
      const result = await confirm(typed.trim());
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
      <p className="lead">{lead}</p>
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
          {busy ? 'Checking…' : submitLabel}
        </button>
      </div>
    </form>
  );
}
