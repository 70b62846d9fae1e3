// "I lost my kit": says plainly what a new kit changes, then shows the new kit once as the first run does
// (save, print, QR code) and has the user type part of it back; only then is the new kit put in use.
// Leaving before that changes nothing (the engine forgets the new kit).
import { useState } from 'react';
import type { RecoveryKitView } from '../../../src/shared/api.js';
import { api, messageOf } from '../api.js';
import { FocusHeading } from '../components/FocusHeading.js';
import { Icon } from '../components/Icon.js';
import { Problem } from '../components/Problem.js';
import { KitCheckStep } from '../setup/KitCheckStep.js';
import { RecoveryKitStep } from '../setup/RecoveryKitStep.js';

type Stage =
  | { step: 'explain' }
  | { step: 'kit'; kit: RecoveryKitView }
  | { step: 'check'; kit: RecoveryKitView }
  | { step: 'done'; message: string };

/** What a new kit does to the backups, in plain words (shown before and after). */
export function RenewalFacts() {
  return (
    <ul className="kit-instructions">
      <li>The new kit opens all your backups, those made before too. Nothing is encrypted again.</li>
      <li>
        From now on, new backups open with the new kit and your devices only: the lost kit opens none of them.
      </li>
      <li>
        The lost kit still opens the backups made before today. It also still holds the vault’s index and
        authentication keys, so whoever finds it can see your backups’ history (chats, dates and file names)
        and could add records your devices would accept.
      </li>
    </ul>
  );
}

export function RenewKitScreen({ onDone }: { onDone: () => void }) {
  const [stage, setStage] = useState<Stage>({ step: 'explain' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const make = async () => {
    setBusy(true);
    setError(null);
    try {
      setStage({ step: 'kit', kit: await api.kit.renew() });
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  /** Back to Settings; a new kit not typed back is forgotten (nothing changed). */
  const leave = async () => {
    if (stage.step === 'kit' || stage.step === 'check') await api.kit.renewCancel().catch(() => undefined);
    onDone();
  };

  if (stage.step === 'kit') {
    return (
      <div className="screen">
        <RecoveryKitStep
          kit={stage.kit}
          heading="Your new recovery kit"
          onSave={api.kit.renewSave}
          intro={
            <p className="lead">
              This is your new recovery kit, shown only now. Save it or print it, then type part of it back:
              the new kit is put in use only then.
            </p>
          }
          onContinue={() => setStage({ step: 'check', kit: stage.kit })}
        />
        <div className="actions">
          <button type="button" onClick={leave}>
            Cancel: keep the old kit
          </button>
        </div>
      </div>
    );
  }
  if (stage.step === 'check') {
    return (
      <div className="screen">
        <KitCheckStep
          challenge={stage.kit.challenge}
          confirm={api.kit.renewConfirm}
          lead="To be sure you kept it, type these characters from the new kit you saved or printed. The new kit is put in use as soon as they match."
          submitLabel="Check and use the new kit"
          onBack={() => setStage({ step: 'kit', kit: stage.kit })}
          onConfirmed={() =>
            setStage({
              step: 'done',
              message: 'Your new recovery kit is in use.',
            })
          }
        />
      </div>
    );
  }
  return (
    <div className="screen" aria-busy={busy}>
      <FocusHeading>
        {stage.step === 'done' ? 'New recovery kit in use' : 'I lost my recovery kit'}
      </FocusHeading>
      {stage.step === 'done' ? (
        <p className="note note-ok" role="status">
          <Icon name="check" /> {stage.message} Keep it offline, and check it now and then in Settings.
        </p>
      ) : (
        <p className="lead">
          Puddleproof makes a new recovery kit for this vault. Until you have typed part of it back, nothing
          changes.
        </p>
      )}
      <section className="card settings-section" aria-label="What a new kit changes">
        <RenewalFacts />
      </section>
      {error && <Problem title="No new kit was made" message={error} />}
      <div className="actions">
        <button type="button" onClick={leave}>
          Back to Settings
        </button>
        {stage.step === 'explain' && (
          <>
            <span className="spacer" />
            <button type="button" className="primary" onClick={make} disabled={busy}>
              {busy ? 'Making a new kit…' : 'Make a new kit'}
            </button>
          </>
        )}
      </div>
    </div>
  );
}
