// Settings → Devices → "Add a device": the user types the code the new device shows, sees the new device's
// name and check string, confirms the other device shows the same check, and approves. The code goes to
// the engine only; nothing secret comes back.
import { type FormEvent, useId, useState } from 'react';
import type { DeviceView, PairingView } from '../../../src/shared/api.js';
import { api, messageOf } from '../api.js';
import { Problem } from '../components/Problem.js';

export function AddDevice({ onAdded }: { onAdded: (devices: DeviceView[], name: string) => void }) {
  const id = useId();
  const [code, setCode] = useState('');
  const [found, setFound] = useState<PairingView | null>(null);
  const [same, setSame] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const reset = () => {
    setFound(null);
    setSame(false);
    setError(null);
  };
  const find = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    reset();
    try {
      setFound(await api.pairing.find(code.trim()));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const approve = async () => {
    if (!found) return;
    setBusy(true);
    setError(null);
    try {
      const devices = await api.pairing.approve(code.trim());
      onAdded(devices, found.name);
      setCode('');
      reset();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="add-device" aria-busy={busy}>
      <h3 id={`${id}-title`}>Add a device</h3>
      <p className="field-hint">
        On the new computer, choose “I already have a vault”, then pairing (or run{' '}
        <span className="mono">puddleproof pair request</span>): it shows a code and a check. Enter the code
        here. The new device gets this vault’s keys, without the recovery kit.
      </p>
      <form className="recipient-add" onSubmit={find} aria-labelledby={`${id}-title`}>
        <div className="field grow">
          <label className="field-label" htmlFor={`${id}-code`}>
            Pairing code
          </label>
          <input
            id={`${id}-code`}
            type="text"
            className="mono"
            value={code}
            spellCheck={false}
            autoComplete="off"
            maxLength={64}
            placeholder="abcde-fghij-…"
            onChange={(e) => {
              setCode(e.target.value);
              reset();
            }}
          />
        </div>
        <button type="submit" disabled={busy || !code.trim()}>
          Find the device
        </button>
      </form>
      {found && (
        <section className="note" aria-labelledby={`${id}-found`}>
          <p className="note-title" id={`${id}-found`}>
            {found.name} asks to join this vault
          </p>
          <p>
            Check: <span className="mono pairing-check">{found.check}</span>
          </p>
          <p>Approve only if the new device shows exactly this check.</p>
          <label className="check">
            <input type="checkbox" checked={same} onChange={(e) => setSame(e.target.checked)} />
            The other device shows the same check
          </label>
          <div className="actions">
            <button type="button" disabled={busy} onClick={reset}>
              Cancel
            </button>
            <button type="button" className="primary" disabled={busy || !same} onClick={approve}>
              {busy ? 'Approving…' : `Approve ${found.name}`}
            </button>
          </div>
        </section>
      )}
      {error && (
        <Problem
          title="Pairing did not work"
          message={error}
          next="Check the code on the new device (and that its request has synced here), then try again."
        />
      )}
    </div>
  );
}
