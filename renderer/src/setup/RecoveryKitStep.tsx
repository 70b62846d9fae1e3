// First run, step 2: the recovery kit — key, QR code and instructions — with Save and Print.
// Only the `.kit-sheet` part is printed (see print.css). A place inside the export or cloud folder is
// refused; one a sync client uploads is saved, with a warning. "I lost my kit" in Settings shows a new
// kit with it too (its own save, its own words above the kit).
import { type ReactNode, useState } from 'react';
import type { RecoveryKitView, SavedKit } from '../../../src/shared/api.js';
import { api, messageOf } from '../api.js';
import { FocusHeading } from '../components/FocusHeading.js';
import { FolderWarnings } from '../components/FolderCheckNote.js';
import { Problem } from '../components/Problem.js';
import { KitQrCode } from './KitQrCode.js';

interface RecoveryKitStepProps {
  kit: RecoveryKitView;
  onContinue: () => void;
  /** Saves the kit through a native dialog (default: the kit made at setup). */
  onSave?: () => Promise<SavedKit | null>;
  heading?: string;
  /** Said before the kit (not printed). */
  intro?: ReactNode;
}

export function RecoveryKitStep({
  kit,
  onContinue,
  onSave = api.setup.saveKit,
  heading = 'Your recovery kit',
  intro,
}: RecoveryKitStepProps) {
  const [saved, setSaved] = useState<SavedKit | null>(null);
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    setError(null);
    try {
      const result = await onSave();
      if (result) setSaved(result);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <div className="setup-step">
      {intro && <div className="no-print">{intro}</div>}
      <section className="kit-sheet" aria-labelledby="kit-heading">
        <FocusHeading id="kit-heading">{heading}</FocusHeading>
        <div className="kit-top">
          <KitQrCode keyLines={kit.keyLines} />
          <ul className="kit-instructions">
            <li>
              This kit opens all your backups. If you lose this computer, it is the only way back in:
              Puddleproof keeps no copy.
            </li>
            <li>
              Save it to a USB stick or print it, and keep it somewhere safe and offline — not in your cloud
              folder.
            </li>
            <li>Anyone who has it can read your backups. Do not share it.</li>
            <li>
              On a new computer, choose “I already have a vault” and load this kit. Without Puddleproof, the{' '}
              <code>age</code> tool opens a backup with it too (see the kit's text).
            </li>
          </ul>
        </div>
        <pre className="kit-text">{kit.text}</pre>
      </section>
      <div className="actions no-print">
        <button type="button" onClick={save}>
          Save…
        </button>
        <button type="button" onClick={() => window.print()}>
          Print…
        </button>
        <span className="spacer" />
        <button type="button" className="primary" onClick={onContinue}>
          I have saved or printed it
        </button>
      </div>
      <div aria-live="polite" className="kit-saved no-print">
        {saved && (
          <p className="note note-ok">
            Saved to <span className="path">{saved.path}</span>. Move it to a USB stick or print it, then
            delete any copy you do not need.
          </p>
        )}
        {saved && <FolderWarnings title="It is saved, but note:" warnings={saved.warnings} />}
      </div>
      {error && (
        <Problem title="The kit was not saved" message={error} next="Choose another place and try again." />
      )}
    </div>
  );
}
