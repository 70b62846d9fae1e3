// What the status panel says for each engine state: a tone, a title, details and what to do.
import type { EngineStatus } from '../../../src/shared/api.js';
import { count, formatAgo, formatBytes, formatRate, secondsUntil } from '../format.js';

export type Tone = 'ok' | 'busy' | 'waiting' | 'attention' | 'paused';

export interface StatusView {
  tone: Tone;
  title: string;
  detail?: string;
  /** What the user can do about it. */
  action?: string;
  /** The label of a button that opens Settings, where it can be fixed. */
  settingsButton?: string;
  progress?: { done: number; total: number; detail: string };
}

function lastBackup(status: EngineStatus): string | null {
  const times = Object.values(status.lastBackupBySource).sort();
  return times.at(-1) ?? null;
}

export function statusView(status: EngineStatus, now: number, watchDir?: string): StatusView {
  const state = status.state;
  switch (state.kind) {
    case 'idle': {
      const last = lastBackup(status);
      if (status.pending.length > 0) {
        return {
          tone: 'ok',
          title: 'Watching for new exports',
          detail: `${count(status.pending.length, 'export')} not backed up yet.`,
        };
      }
      if (!last) {
        return {
          tone: 'ok',
          title: 'Watching for new exports',
          detail: `Export a chat from WhatsApp or Telegram into ${watchDir ?? 'the export folder'}; it is backed up on its own.`,
        };
      }
      return { tone: 'ok', title: 'Up to date', detail: `Last backup ${formatAgo(last, now)}.` };
    }
    case 'settling':
      return {
        tone: 'busy',
        title: `Waiting for ${state.exportName} to finish changing`,
        detail: `It is backed up once nothing has changed for a moment (in about ${secondsUntil(state.readyAt, now)} s).`,
      };
    case 'backingUp': {
      // Deduplicated (format 2): what is new so far, written to the cloud folder for its sync app.
      const fresh = state.uploadedBytes;
      const reading = `Reading ${formatBytes(state.doneBytes)} of ${formatBytes(state.totalBytes)}`;
      return {
        tone: 'busy',
        title: `Backing up ${state.exportName}`,
        ...(fresh === undefined
          ? {}
          : {
              detail: 'Only what is new goes into the cloud folder; its sync app uploads it from there.',
            }),
        progress: {
          done: state.doneBytes,
          total: state.totalBytes,
          detail:
            fresh === undefined
              ? `${reading} · ${formatRate(state.bytesPerSecond)}`
              : `${reading} · ${formatBytes(fresh)} new so far · ${formatRate(state.bytesPerSecond)}`,
        },
      };
    }
    case 'waitingForCloud':
      return {
        tone: 'waiting',
        title: 'Waiting for the cloud folder',
        detail: state.reason,
        action: `Check that the cloud folder is connected and has free space (is its sync app running and signed in?). Puddleproof tries again in ${secondsUntil(state.retryAt, now)} s.`,
      };
    case 'watchFolderMissing':
      return {
        tone: 'attention',
        title: 'The export folder is missing',
        detail: state.path,
        action:
          'Create the folder again or choose another one in Settings; Puddleproof picks it up as soon as it exists.',
      };
    case 'paused':
      return {
        tone: 'paused',
        title: 'Backups are paused',
        detail: 'New exports are not backed up until you resume.',
      };
    case 'foldersRefused':
      return {
        tone: 'attention',
        title: 'Backups are stopped: the folders need your attention',
        detail: state.message,
        action:
          'Choose other folders in Settings. Nothing has been lost; backups start again once the folders are apart.',
        settingsButton: 'Choose other folders',
      };
    case 'error':
      return {
        tone: 'attention',
        title: state.exportName ? `Could not back up ${state.exportName}` : 'Something needs your attention',
        detail: state.message,
        action: state.action,
      };
  }
}

/** "Identifying older backups: 3 of 12" while backups made before chats were recognised are identified. */
export function identifyingView(status: EngineStatus): { label: string; done: number; total: number } | null {
  const identifying = status.identifying;
  if (!identifying || identifying.total <= 0) return null;
  const done = Math.min(identifying.done, identifying.total);
  return {
    label: `Identifying older backups: ${done.toLocaleString()} of ${identifying.total.toLocaleString()}`,
    done,
    total: identifying.total,
  };
}

/**
 * What the status panel says about reclaiming the space of removed versions: what waits to be freed and for
 * whom, devices no longer waited for, and versions made while this device was away that were stored again.
 */
export function reclaimLines(status: EngineStatus, now: number): string[] {
  const r = status.reclaim;
  if (!r) return [];
  const lines: string[] = [];
  if (r.pendingBytes > 0) {
    const who =
      r.waitingFor.length > 0
        ? ` once ${r.waitingFor.join(', ')} ${r.waitingFor.length > 1 ? 'have' : 'has'} synced and made a backup`
        : '';
    lines.push(`${formatBytes(r.pendingBytes)} of removed versions will be freed in the cloud folder${who}.`);
  }
  for (const s of r.silent)
    lines.push(
      `Not waiting for ${s.device} to free space: it has not been seen since ${formatAgo(s.lastSeen, now)}. When it comes back, versions it made while away are checked and stored again if needed.`,
    );
  for (const l of r.lost)
    lines.push(
      l.backUpAgain
        ? `${l.exportName}: a version made while this computer was away lost parts freed by your other devices; it is being backed up again.`
        : `${l.exportName}: a version made while this computer was away lost parts freed by your other devices; the export folder no longer holds it as it was, so that version is kept as it is.`,
    );
  return lines;
}

/**
 * What the status panel says of changes to the vault's trusted list that were refused: what happened, that
 * nothing was applied, and who could have written it. Said for as long as the change is in the cloud folder.
 */
export function trustRefusedLines(status: EngineStatus): string[] {
  return (status.trustRefused ?? []).map(
    (r) =>
      `Refused a change to the trusted list that the vault’s keys do not prove (${r.id}). Nothing of it was applied. Only someone or something that can write to your cloud folder could have put it there; if you did not expect this, check who can write to that folder. Settings → Devices lists it.`,
  );
}
