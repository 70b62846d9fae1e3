// Settings: "Verify all backups now": decrypts and checks every backup, with progress and the result.
import { useEffect, useRef, useState } from 'react';
import type { Progress, VerifyAllOutcome } from '../../../src/shared/api.js';
import { api, messageOf } from '../api.js';
import { FieldError } from '../components/FieldError.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { count, formatBytes } from '../format.js';

export function VerifySection() {
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [outcome, setOutcome] = useState<VerifyAllOutcome | null>(null);
  const [error, setError] = useState<string | null>(null);
  const runId = useRef<string | null>(null);
  const early = useRef<VerifyAllOutcome | null>(null);

  useEffect(() => {
    const offProgress = api.verify.onProgress((p) => {
      if (p.runId === runId.current) setProgress(p);
    });
    const offFinished = api.verify.onFinished((o) => {
      if (o.runId !== runId.current) {
        early.current = o;
        return;
      }
      setOutcome(o);
      setRunning(false);
    });
    return () => {
      offProgress();
      offFinished();
    };
  }, []);

  const start = async () => {
    setRunning(true);
    setProgress(null);
    setOutcome(null);
    setError(null);
    early.current = null;
    try {
      const { runId: id } = await api.verify.all();
      runId.current = id;
      // The run may have finished before `verify.all` answered.
      const seen = early.current as VerifyAllOutcome | null;
      if (seen?.runId === id) {
        setOutcome(seen);
        setRunning(false);
      }
    } catch (err) {
      setError(messageOf(err));
      setRunning(false);
    }
  };

  return (
    <section className="card settings-section" aria-labelledby="verify-title">
      <h2 id="verify-title">Check your backups</h2>
      <p className="field-hint">
        Decrypts every backup without writing anything, and checks that each one is complete and authentic.
      </p>
      <div className="actions">
        <button type="button" onClick={start} disabled={running}>
          {running ? 'Verifying…' : 'Verify all backups now'}
        </button>
      </div>
      {running && (
        <ProgressBar
          label="Verification progress"
          done={progress?.doneBytes ?? 0}
          total={progress?.totalBytes ?? 0}
          detail={
            progress
              ? `${formatBytes(progress.doneBytes)} of ${formatBytes(progress.totalBytes)}`
              : 'Starting…'
          }
        />
      )}
      <div aria-live="polite">
        {outcome && (
          <div className={outcome.failed.length > 0 ? 'note note-problem' : 'note note-ok'}>
            <p className="note-title">
              {count(outcome.verified, 'backup')} verified
              {outcome.failed.length > 0 && `, ${count(outcome.failed.length, 'problem')}`}.
            </p>
            {outcome.failed.length > 0 && (
              <ul>
                {outcome.failed.map((f) => (
                  <li key={`${f.id}:${f.problem}`}>
                    {f.id && <span className="mono">{f.id}: </span>}
                    {f.problem}
                  </li>
                ))}
              </ul>
            )}
            {outcome.skipped > 0 && (
              <p>
                {count(outcome.skipped, 'backup')} from other devices skipped: load your recovery kit in
                Restore to check them too.
              </p>
            )}
          </div>
        )}
      </div>
      <FieldError message={error} />
    </section>
  );
}
