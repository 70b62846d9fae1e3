// "Check my recovery kit" (the recovery drill): the user loads or pastes the kit, or scans its QR code
// with the camera where there is one; the engine checks it is this vault's current kit and opens the
// newest backup with it alone, in memory. Nothing of the kit is kept, here or in the engine: only when
// the check passed. A scanned kit goes straight to the check and is never held in the screen's state.
import { useRef, useState } from 'react';
import type { KitCheckResult } from '../../../src/shared/api.js';
import { api, messageOf } from '../api.js';
import { FocusHeading } from '../components/FocusHeading.js';
import { Icon } from '../components/Icon.js';
import { KitPasteForm } from '../components/KitText.js';
import { Problem } from '../components/Problem.js';
import { useHasCamera } from '../hooks/useHasCamera.js';
import { KitScanner } from './KitScanner.js';

export function KitCheckScreen({ onDone }: { onDone: () => void }) {
  const [pasted, setPasted] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<KitCheckResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const camera = useHasCamera();
  const [scanning, setScanning] = useState(false);
  const [cameraError, setCameraError] = useState<string | null>(null);
  // After "Stop the camera", focus returns to the button that started it.
  const refocusScan = useRef(false);

  const check = async (action: () => Promise<KitCheckResult | null>) => {
    setBusy(true);
    setScanning(false);
    setError(null);
    setCameraError(null);
    setResult(null);
    try {
      const checked = await action();
      if (checked) {
        setResult(checked);
        setPasted('');
      }
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const startScan = () => {
    setError(null);
    setResult(null);
    setCameraError(null);
    setScanning(true);
  };
  const scanned = (text: string) => void check(() => api.kit.check(text));

  return (
    <div className="screen" aria-busy={busy}>
      <FocusHeading>Check my recovery kit</FocusHeading>
      <p className="lead">
        Prove you still have your recovery kit: Puddleproof checks that it is this vault’s current kit and
        opens your newest backup with it alone, in memory. Nothing of the kit is kept.
      </p>
      <section className="card settings-section" aria-label="Your recovery kit">
        <div className="actions">
          <button type="button" onClick={() => check(api.kit.checkFile)} disabled={busy}>
            Open the kit file…
          </button>
          {camera && !scanning && (
            <button
              type="button"
              onClick={startScan}
              disabled={busy}
              ref={(button) => {
                if (button && refocusScan.current) {
                  refocusScan.current = false;
                  button.focus();
                }
              }}
            >
              Scan the QR code with the camera
            </button>
          )}
        </div>
        {scanning && (
          <KitScanner
            onKit={scanned}
            onProblem={(message) => {
              setScanning(false);
              setCameraError(message);
            }}
            onStop={() => {
              refocusScan.current = true;
              setScanning(false);
            }}
          />
        )}
        {cameraError && (
          <Problem
            title="The camera did not work"
            message={cameraError}
            next="Open the kit file or paste its text instead."
          />
        )}
        <KitPasteForm
          rows={5}
          value={pasted}
          onChange={(text) => {
            setPasted(text);
            setError(null);
          }}
          onSubmit={() => void check(() => api.kit.check(pasted))}
          busy={busy}
          submit={busy ? 'Checking…' : 'Check the pasted kit'}
        />
        <div aria-live="polite">
          {result && (
            <p className="note note-ok">
              <Icon name="check" /> Recovery kit checked: it opened your newest backup of {result.chat}.
            </p>
          )}
        </div>
        {error && (
          <Problem
            title="That kit did not pass the check"
            message={error}
            next={`${/Nothing was changed/.test(error) ? '' : 'Nothing was changed. '}Choose the recovery kit you saved or printed for this vault, and try again.`}
          />
        )}
      </section>
      <div className="actions">
        <button type="button" onClick={onDone}>
          Back to Settings
        </button>
      </div>
    </div>
  );
}
