// The live status: what the engine is doing, a progress bar while backing up, what to do when stuck
// (with a button to Settings when that is where it is fixed), changes to the trusted list that were
// refused, older backups being identified, and the "Back up now" and Pause/Resume buttons; and, quietly,
// when the recovery kit was last checked.
import { useState } from 'react';
import type { EngineStatus, KitDrill } from '../../../src/shared/api.js';
import { api, messageOf } from '../api.js';
import { FieldError } from '../components/FieldError.js';
import { Icon } from '../components/Icon.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { useNow } from '../hooks/useNow.js';
import { kitCheckedText } from '../settings/KitDrillSection.js';
import { identifyingView, reclaimLines, statusView, trustRefusedLines } from './status-view.js';

const ICONS = { ok: 'check', busy: 'sync', waiting: 'clock', attention: 'alert', paused: 'pause' } as const;

interface StatusPanelProps {
  status: EngineStatus | null;
  watchDir?: string;
  /** Opens Settings. */
  onOpenSettings: () => void;
  /** When the recovery kit was last checked (one quiet line; never a nag). */
  kitDrill?: KitDrill;
}

export function StatusPanel({ status, watchDir, onOpenSettings, kitDrill }: StatusPanelProps) {
  const kind = status?.state.kind;
  const now = useNow(kind === 'settling' || kind === 'waitingForCloud');
  const [busy, setBusy] = useState<'now' | 'pause' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const act = async (what: 'now' | 'pause', action: () => Promise<void>) => {
    setBusy(what);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(null);
    }
  };
  if (!status) {
    return (
      <section className="status-panel" aria-label="Status">
        <p className="muted">Checking the status…</p>
      </section>
    );
  }
  const view = statusView(status, now, watchDir);
  const paused = kind === 'paused';
  const identifying = identifyingView(status);
  const reclaim = reclaimLines(status, now);
  const refused = trustRefusedLines(status);
  return (
    <section className={`status-panel tone-${view.tone}`} aria-labelledby="status-title">
      <div className="status-main">
        <span className="status-icon">
          <Icon name={ICONS[view.tone]} />
        </span>
        <div className="status-text">
          <h2 id="status-title" className="status-title" aria-live="polite">
            {view.title}
          </h2>
          {view.detail && <p className="status-detail">{view.detail}</p>}
          {view.action && <p className="status-action">{view.action}</p>}
        </div>
        <div className="status-buttons">
          {view.settingsButton ? (
            // Backing up cannot help until it is fixed there.
            <button type="button" className="primary" onClick={onOpenSettings}>
              {view.settingsButton}
            </button>
          ) : (
            <button
              type="button"
              className="primary"
              disabled={busy !== null || paused}
              onClick={() => act('now', api.backup.now)}
            >
              {busy === 'now' ? 'Starting…' : 'Back up now'}
            </button>
          )}
          <button
            type="button"
            disabled={busy !== null}
            onClick={() => act('pause', paused ? api.watching.resume : api.watching.pause)}
          >
            {paused ? 'Resume' : 'Pause'}
          </button>
        </div>
      </div>
      {view.progress && (
        <ProgressBar
          label="Backup progress"
          done={view.progress.done}
          total={view.progress.total}
          detail={view.progress.detail}
        />
      )}
      {refused.map((line) => (
        <p key={line} className="note note-warning status-note">
          {line}
        </p>
      ))}
      {reclaim.map((line) => (
        <p key={line} className="muted status-note">
          {line}
        </p>
      ))}
      {identifying && (
        <div className="identifying">
          <ProgressBar label={identifying.label} done={identifying.done} total={identifying.total} />
        </div>
      )}
      {status.pending.length > 0 && kind !== 'backingUp' && (
        <p className="muted pending">Not backed up yet: {status.pending.join(', ')}</p>
      )}
      {kitDrill && (
        <p className="muted status-note kit-drill-note">
          {kitCheckedText(kitDrill)}
          {kitDrill.due ? ': time to check it again, in Settings.' : '.'}
        </p>
      )}
      <FieldError message={error} />
    </section>
  );
}
