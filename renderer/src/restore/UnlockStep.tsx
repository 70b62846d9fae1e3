// Restore, step 3: which key opens the backup — this computer's, or the recovery kit for backups made elsewhere.
import { useState } from 'react';
import type { BackupVersion } from '../../../src/shared/api.js';
import { FocusHeading } from '../components/FocusHeading.js';
import { Icon } from '../components/Icon.js';
import { KitLoader } from './KitLoader.js';
import { StepActions } from './StepActions.js';

interface UnlockStepProps {
  version: BackupVersion;
  onBack: () => void;
  onNext: () => void;
}

export function UnlockStep({ version, onBack, onNext }: UnlockStepProps) {
  const [kitLoaded, setKitLoaded] = useState(false);
  const [useKit, setUseKit] = useState(!version.thisDevice);
  const canGo = version.thisDevice || kitLoaded;
  return (
    <div className="wizard-step">
      <FocusHeading level={2}>Unlock the backup</FocusHeading>
      {version.thisDevice ? (
        <>
          <p className="note note-ok">
            <Icon name="shield" /> This backup was made on this computer: the key in its keychain opens it.
          </p>
          {!useKit && (
            <button type="button" className="link-button" onClick={() => setUseKit(true)}>
              Use the recovery kit instead
            </button>
          )}
        </>
      ) : (
        <p className="lead">
          This backup was made on {version.device}. Its key is on that computer; your recovery kit opens it
          here.
        </p>
      )}
      {useKit && <KitLoader onStatus={(status) => setKitLoaded(status.loaded)} />}
      <StepActions onBack={onBack} onNext={onNext} canGo={canGo} />
    </div>
  );
}
