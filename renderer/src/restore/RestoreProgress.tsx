// Restore, running: progress and Cancel.
import { FocusHeading } from '../components/FocusHeading.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { formatBytes } from '../format.js';
import type { RunState } from './useRestoreRun.js';

export function RestoreProgress({
  run,
  onCancel,
}: {
  run: Extract<RunState, { phase: 'running' }>;
  onCancel: () => void;
}) {
  const done = run.progress?.doneBytes ?? 0;
  const total = run.progress?.totalBytes ?? 0;
  return (
    <div className="wizard-step">
      <FocusHeading level={2}>Restoring…</FocusHeading>
      <p className="lead">
        Puddleproof decrypts and checks every file in a hidden folder first; the new folder appears only once
        everything checked out.
      </p>
      <ProgressBar
        label="Restore progress"
        done={done}
        total={total}
        detail={total > 0 ? `${formatBytes(done)} of ${formatBytes(total)}` : 'Starting…'}
      />
      <div className="actions">
        <span className="spacer" />
        <button type="button" onClick={onCancel} disabled={run.cancelling || !run.runId}>
          {run.cancelling ? 'Cancelling…' : 'Cancel'}
        </button>
      </div>
    </div>
  );
}
