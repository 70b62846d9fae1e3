// First run, step 1: the export folder, the cloud folder and this computer's name; then the keys are made.
import { type FormEvent, useId, useState } from 'react';
import type { CloudFolderSuggestion, RecoveryKitView } from '../../../src/shared/api.js';
import { api, messageOf } from '../api.js';
import { FocusHeading } from '../components/FocusHeading.js';
import { FolderCheckNote } from '../components/FolderCheckNote.js';
import { Problem } from '../components/Problem.js';
import { folderCheckAria } from '../folder-check.js';
import { useFolderCheck } from '../hooks/useFolderCheck.js';
import { CloudFolderChoice } from './CloudFolderChoice.js';
import { WatchFolderChoice } from './WatchFolderChoice.js';

interface FoldersStepProps {
  defaultWatchDir: string;
  cloudFolders: CloudFolderSuggestion[];
  pendingKit: boolean;
  onKit: (kit: RecoveryKitView) => void;
  onJoin: () => void;
}

export function FoldersStep({ defaultWatchDir, cloudFolders, pendingKit, onKit, onJoin }: FoldersStepProps) {
  const deviceId = useId();
  const [watchDir, setWatchDir] = useState(defaultWatchDir);
  const [cloudDir, setCloudDir] = useState<string | null>(cloudFolders[0]?.path ?? null);
  const [deviceName, setDeviceName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Checked as soon as both folders are chosen: a refused pair cannot be submitted.
  const check = useFolderCheck(watchDir, cloudDir);
  const aria = folderCheckAria(`${deviceId}-folders`, check);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!cloudDir) {
      setError('Choose the cloud folder your backups should go to.');
      return;
    }
    if (check.refused) return;
    setBusy(true);
    setError(null);
    try {
      const name = deviceName.trim();
      onKit(await api.setup.createKeys({ watchDir, cloudDir, ...(name ? { deviceName: name } : {}) }));
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };

  return (
    <form className="setup-step" onSubmit={submit} aria-busy={busy}>
      <FocusHeading>Set up Puddleproof</FocusHeading>
      <p className="lead">
        Puddleproof keeps encrypted copies of your chat exports in a cloud folder you already use. Even if you
        lose every device and forget every password, the recovery kit you are about to make still gets your
        chats back — and nobody without it can read them.
      </p>
      {pendingKit && (
        <div className="note">
          <p>
            Setup stopped before you confirmed your recovery kit. Continuing makes new keys and a new kit:
            throw away any kit you saved before, as it will not open this vault.
          </p>
        </div>
      )}
      <WatchFolderChoice path={watchDir} onChange={setWatchDir} {...aria} />
      <CloudFolderChoice
        legend="Cloud folder for the encrypted backups"
        suggestions={cloudFolders}
        path={cloudDir}
        onChange={setCloudDir}
        {...aria}
      />
      <FolderCheckNote id={`${deviceId}-folders`} check={check} />
      <div className="field">
        <label className="field-label" htmlFor={deviceId}>
          Name of this computer <span className="muted">(optional)</span>
        </label>
        <span className="field-hint" id={`${deviceId}-hint`}>
          Shown next to each backup made here. Leave empty to use the computer's own name.
        </span>
        <input
          id={deviceId}
          type="text"
          value={deviceName}
          maxLength={100}
          autoComplete="off"
          aria-describedby={`${deviceId}-hint`}
          onChange={(e) => setDeviceName(e.target.value)}
        />
      </div>
      {error && <Problem title="Setup could not continue" message={error} />}
      <div className="actions">
        <button type="button" className="link-button" onClick={onJoin}>
          I already have a vault
        </button>
        <span className="spacer" />
        <button
          type="submit"
          className="primary"
          disabled={busy || check.refused !== null}
          aria-describedby={aria.describedBy}
        >
          {busy ? 'Creating your keys…' : 'Create my keys'}
        </button>
      </div>
    </form>
  );
}
