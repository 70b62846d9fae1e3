// Restore, finished: where the files are, whether they were verified, and "Show in folder".
import { useState } from 'react';
import type { RestoreOutcome } from '../../../src/shared/api.js';
import { api, messageOf } from '../api.js';
import { FieldError } from '../components/FieldError.js';
import { FocusHeading } from '../components/FocusHeading.js';
import { Icon } from '../components/Icon.js';
import { count, formatBytes } from '../format.js';

type Success = Extract<RestoreOutcome, { ok: true }>;

export function RestoreDone({ outcome, onAgain }: { outcome: Success; onAgain: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const show = () => api.restore.showInFolder(outcome.destination).catch((err) => setError(messageOf(err)));
  return (
    <div className="wizard-step">
      <FocusHeading level={2}>Your chat is back</FocusHeading>
      <p>
        Restored {count(outcome.files, 'file')} ({formatBytes(outcome.bytes)}) into{' '}
        <span className="path">{outcome.destination}</span>.
      </p>
      {outcome.authentic ? (
        <p className="note note-ok">
          <Icon name="shield" /> Verified: this backup is authentic — it was made with your vault's keys — and
          every file matched its checksum.
        </p>
      ) : (
        <p className="note note-warning">
          <Icon name="alert" /> Restored, but this backup could not be proven authentic: it may not have been
          made by one of your devices. Check its contents before you rely on them.
        </p>
      )}
      {outcome.warning && (
        <p className="note note-warning">
          <Icon name="alert" /> {outcome.warning}
        </p>
      )}
      <FieldError message={error} />
      <div className="actions">
        <button type="button" onClick={onAgain}>
          Restore something else
        </button>
        <span className="spacer" />
        <button type="button" className="primary" onClick={show}>
          Show in folder
        </button>
      </div>
    </div>
  );
}
