// Settings: the vault's trusted devices (who added each, when), removing another device after a
// confirmation that says what it means (new backups are no longer readable by it; older ones stay
// readable), and the list's recent changes, with the ones refused.
import { useId, useState } from 'react';
import type { DeviceView, TrustHistory } from '../../../src/shared/api.js';
import { api, messageOf } from '../api.js';
import { FieldError } from '../components/FieldError.js';
import { formatDate } from '../format.js';
import { AddDevice } from './AddDevice.js';
import { TrustChanges } from './TrustChanges.js';

interface DevicesSectionProps {
  initial: DeviceView[];
  initialHistory: TrustHistory;
}

export function DevicesSection({ initial, initialHistory }: DevicesSectionProps) {
  const id = useId();
  const [devices, setDevices] = useState(initial);
  const [history, setHistory] = useState(initialHistory);
  const [confirming, setConfirming] = useState<DeviceView | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** What changed last, said once: "… was removed" or "… was added". */
  const [changed, setChanged] = useState<string | null>(null);

  /** Reads the list's changes again, after a change made here. */
  const reloadHistory = () => api.devices.changes().then(setHistory, (err) => setError(messageOf(err)));

  const remove = async (device: DeviceView) => {
    setBusy(true);
    setError(null);
    try {
      setDevices(await api.devices.remove(device.id));
      reloadHistory();
      setChanged(
        `${device.name} was removed. New backups are no longer readable by it; backups made before stay readable by it.`,
      );
      setConfirming(null);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card settings-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Devices</h2>
      <p className="field-hint">
        Every device of your vault can open every backup, without the recovery kit. New backups are encrypted
        to each of them.
      </p>
      <ul className="recipients devices">
        {devices.map((d) => (
          <li key={d.id}>
            <div className="recipient-text">
              <span className="choice-title">
                {d.name}
                {d.thisDevice && <span className="muted small-text"> (this device)</span>}
              </span>
              <span className="muted small-text">
                Added by {d.addedBy} on {formatDate(d.addedAt)}
              </span>
            </div>
            {!d.thisDevice && (
              <button
                type="button"
                className="small"
                disabled={busy}
                aria-label={`Remove ${d.name}`}
                onClick={() => {
                  setError(null);
                  setChanged(null);
                  setConfirming(d);
                }}
              >
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      {confirming && (
        <section
          className="note note-warning"
          aria-labelledby={`${id}-confirm`}
          aria-describedby={`${id}-confirm-detail`}
        >
          <p className="note-title" id={`${id}-confirm`}>
            Remove {confirming.name} from this vault?
          </p>
          <p id={`${id}-confirm-detail`}>
            New backups will no longer be readable by {confirming.name}. Backups made before stay readable by
            it: it keeps the keys it already has.
          </p>
          <div className="actions">
            <button type="button" disabled={busy} onClick={() => setConfirming(null)}>
              Cancel
            </button>
            <button type="button" className="primary" disabled={busy} onClick={() => remove(confirming)}>
              {busy ? 'Removing…' : `Yes, remove ${confirming.name}`}
            </button>
          </div>
        </section>
      )}
      <div aria-live="polite">{changed && <p className="note note-ok">{changed}</p>}</div>
      <FieldError message={error} />
      <TrustChanges history={history} />
      <AddDevice
        onAdded={(next, name) => {
          setDevices(next);
          reloadHistory();
          setConfirming(null);
          setChanged(
            `${name} was added. It gets this vault’s keys when the cloud folder syncs, and opens every backup.`,
          );
        }}
      />
    </section>
  );
}
