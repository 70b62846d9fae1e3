// First run on another computer: join an existing vault with its recovery kit (a file or pasted text), or
// without it, by pairing: this device shows a code and a check string, and waits until a device of the
// vault approves it (Settings → Devices → Add a device there).
import { type FormEvent, useEffect, useId, useState } from 'react';
import type { CloudFolderSuggestion, PairingRequestView } from '../../../src/shared/api.js';
import { api, messageOf } from '../api.js';
import { FocusHeading } from '../components/FocusHeading.js';
import { FolderCheckNote } from '../components/FolderCheckNote.js';
import { KitTextArea } from '../components/KitText.js';
import { Problem } from '../components/Problem.js';
import { folderCheckAria } from '../folder-check.js';
import { useFolderCheck } from '../hooks/useFolderCheck.js';
import { CloudFolderChoice } from './CloudFolderChoice.js';
import { QrCode } from './KitQrCode.js';
import { WatchFolderChoice } from './WatchFolderChoice.js';

interface JoinVaultProps {
  defaultWatchDir: string;
  cloudFolders: CloudFolderSuggestion[];
  onBack: () => void;
  onJoined: () => void;
}

export function JoinVault({ defaultWatchDir, cloudFolders, onBack, onJoined }: JoinVaultProps) {
  const kitId = useId();
  const [watchDir, setWatchDir] = useState(defaultWatchDir);
  const [cloudDir, setCloudDir] = useState<string | null>(cloudFolders[0]?.path ?? null);
  const [kitFrom, setKitFrom] = useState<'file' | 'paste' | 'pair'>('file');
  /** The code and check this device shows while it waits for its approval. */
  const [pairing, setPairing] = useState<PairingRequestView | null>(null);
  const [kitText, setKitText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Checked as soon as both folders are chosen: a refused pair cannot be submitted.
  const check = useFolderCheck(watchDir, cloudDir);
  const aria = folderCheckAria(`${kitId}-folders`, check);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!cloudDir) {
      setError(
        'Choose the cloud folder that holds your vault (the one with the “Puddleproof” folder in it).',
      );
      return;
    }
    if (check.refused) return;
    setBusy(true);
    setError(null);
    if (kitFrom === 'pair') {
      try {
        setPairing(await api.setup.requestPairing({ watchDir, cloudDir }));
      } catch (err) {
        setError(messageOf(err));
        setBusy(false);
      }
      return;
    }
    try {
      await api.setup.joinVault({ watchDir, cloudDir, ...(kitFrom === 'paste' ? { kitText } : {}) });
      onJoined();
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: one subscription while this screen shows.
  useEffect(
    () =>
      api.setup.onPaired((outcome) => {
        setPairing(null);
        if (outcome.ok) onJoined();
        else {
          setError(outcome.message);
          setBusy(false);
        }
      }),
    [],
  );
  const cancelPairing = async () => {
    await api.setup.cancelPairing().catch(() => undefined);
    setPairing(null);
    setBusy(false);
  };

  if (pairing) {
    return (
      <div className="setup-step">
        <FocusHeading>Pair this computer</FocusHeading>
        <p className="lead">
          On a computer of your vault, open Settings → Devices → Add a device, and enter this code:
        </p>
        <div className="pairing-top">
          <QrCode text={pairing.code} label="QR code of the pairing code" className="pairing-qr" />
          <p className="pairing-code mono">{pairing.code}</p>
        </div>
        <p>
          Check: <span className="mono pairing-check">{pairing.check}</span>. Approve there only if it shows
          the same check.
        </p>
        <p className="note" aria-live="polite">
          Waiting for the approval… This computer gets the vault’s keys once it is approved.
        </p>
        <div className="actions">
          <button type="button" onClick={cancelPairing}>
            Cancel
          </button>
        </div>
      </div>
    );
  }

  return (
    <form className="setup-step" onSubmit={submit} aria-busy={busy}>
      <FocusHeading>Use an existing vault</FocusHeading>
      <p className="lead">
        On a new computer, your recovery kit opens the backups you made elsewhere. This computer gets its own
        key and sees the whole history.
      </p>
      <CloudFolderChoice
        legend="Cloud folder that holds your vault"
        suggestions={cloudFolders}
        path={cloudDir}
        onChange={setCloudDir}
        {...aria}
      />
      <WatchFolderChoice path={watchDir} onChange={setWatchDir} {...aria} />
      <FolderCheckNote id={`${kitId}-folders`} check={check} />
      <fieldset className="field choice-list">
        <legend className="field-label">Your recovery kit</legend>
        <label className="choice">
          <input
            type="radio"
            name="kit-from"
            checked={kitFrom === 'file'}
            onChange={() => setKitFrom('file')}
          />
          <span className="choice-text">Open the kit file (you choose it next)</span>
        </label>
        <label className="choice">
          <input
            type="radio"
            name="kit-from"
            checked={kitFrom === 'paste'}
            onChange={() => setKitFrom('paste')}
          />
          <span className="choice-text">Paste the kit's text</span>
        </label>
        <label className="choice">
          <input
            type="radio"
            name="kit-from"
            checked={kitFrom === 'pair'}
            onChange={() => setKitFrom('pair')}
          />
          <span className="choice-text">No kit at hand: pair with a computer of the vault</span>
        </label>
        {kitFrom === 'paste' && (
          <div className="field">
            <label className="field-label" htmlFor={kitId}>
              Kit text
            </label>
            <KitTextArea
              id={kitId}
              rows={6}
              value={kitText}
              required
              onChange={(text) => {
                setKitText(text);
                setError(null);
              }}
            />
          </div>
        )}
      </fieldset>
      {error && (
        <Problem
          title="Could not join the vault"
          message={error}
          next="Check that you chose the cloud folder holding the vault and the kit made for it, then try again."
        />
      )}
      <div className="actions">
        <button type="button" onClick={onBack}>
          Back
        </button>
        <span className="spacer" />
        <button
          type="submit"
          className="primary"
          disabled={busy || check.refused !== null || (kitFrom === 'paste' && !kitText.trim())}
          aria-describedby={aria.describedBy}
        >
          {busy ? 'Joining…' : kitFrom === 'pair' ? 'Show the pairing code' : 'Join the vault'}
        </button>
      </div>
    </form>
  );
}
