// History: the live status, the vault's size over time, and every chat's backups on a timeline.
import { useEffect, useRef } from 'react';
import { api } from '../api.js';
import { FocusHeading } from '../components/FocusHeading.js';
import { Problem } from '../components/Problem.js';
import { useLoad } from '../hooks/useLoad.js';
import { useStatus } from '../hooks/useStatus.js';
import { SourceTimeline } from './SourceTimeline.js';
import { StatusPanel } from './StatusPanel.js';
import { VaultSizeChart } from './VaultSizeChart.js';

interface HistoryScreenProps {
  onRestore: (id: string) => void;
  /** Opens Settings (where the folders are fixed). */
  onOpenSettings: () => void;
}

export function HistoryScreen({ onRestore, onOpenSettings }: HistoryScreenProps) {
  const status = useStatus();
  const [history, reload] = useLoad(api.history.list);
  const [settings] = useLoad(api.settings.get);
  const [kitDrill] = useLoad(api.kit.drill);
  // Older backups identified in the background change the chats too: read again after each one.
  const backupsKey = status
    ? JSON.stringify([status.lastBackupBySource, status.identifying?.done ?? null])
    : null;
  const seenKey = useRef<string | null>(null);

  // A new backup (or one removed by retention) changes the last backup times: read the history again.
  useEffect(() => {
    if (backupsKey === null) return;
    if (seenKey.current !== null && seenKey.current !== backupsKey) reload();
    seenKey.current = backupsKey;
  }, [backupsKey, reload]);
  useEffect(() => api.verify.onFinished(() => reload()), [reload]);

  return (
    <div className="screen">
      <FocusHeading>Backups</FocusHeading>
      <StatusPanel
        status={status}
        onOpenSettings={onOpenSettings}
        {...(settings.state === 'ready' ? { watchDir: settings.value.watchDir } : {})}
        {...(kitDrill.state === 'ready' ? { kitDrill: kitDrill.value } : {})}
      />
      {history.state === 'loading' && <p className="muted">Reading the backup history…</p>}
      {history.state === 'failed' && (
        <Problem
          title="The backup history could not be read"
          message={history.message}
          next="Check that the cloud folder is available, then try again."
        >
          <button type="button" onClick={reload}>
            Try again
          </button>
        </Problem>
      )}
      {history.state === 'ready' && (
        <>
          {history.value.vaultSize.length > 0 && <VaultSizeChart points={history.value.vaultSize} />}
          {history.value.problems.length > 0 && (
            <div className="note note-warning">
              <p className="note-title">Some backups could not be read</p>
              <ul>
                {history.value.problems.map((problem) => (
                  <li key={problem}>{problem}</li>
                ))}
              </ul>
            </div>
          )}
          <h2 className="section-title">Chats</h2>
          {history.value.sources.length === 0 ? (
            <p className="empty">
              No backups yet. They appear here as soon as the first export is backed up.
            </p>
          ) : (
            history.value.sources.map((source) => (
              <SourceTimeline key={source.id} source={source} onRestore={onRestore} />
            ))
          )}
        </>
      )}
    </div>
  );
}
