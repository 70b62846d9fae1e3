// The engine's status: one model for the tray, the window and the CLI (no Node or Electron imports).

/** What the engine is doing right now. */
export type ActivityState =
  | { kind: 'idle' }
  /** An export is still changing (or downloading); it is backed up once quiet until `readyAt`. */
  | { kind: 'settling'; exportName: string; readyAt: number }
  | { kind: 'backingUp'; exportName: string; doneBytes: number; totalBytes: number; bytesPerSecond: number }
  /** The cloud folder is missing, unmounted, read-only or full; the engine retries at `retryAt`. */
  | { kind: 'waitingForCloud'; reason: string; retryAt: number }
  | { kind: 'watchFolderMissing'; path: string }
  | { kind: 'paused' }
  /** The export and cloud folders are chosen so that backing up would leak chats or back up the vault. */
  | { kind: 'foldersRefused'; message: string }
  /** Something needs the user: what happened, and what to do. */
  | { kind: 'error'; exportName?: string; message: string; action: string };

export interface EngineStatus {
  state: ActivityState;
  /** ISO time of the last committed backup of each chat, by its label ("Alice — WhatsApp"). */
  lastBackupBySource: Record<string, string>;
  /** Exports that have no committed backup of their current content yet. */
  pending: string[];
  /**
   * Backups made before chats were recognised, being identified from their content in the background:
   * how many are done of how many (absent when there is nothing to do).
   */
  identifying?: { done: number; total: number };
}

/** One line for people, e.g. "Backing up WhatsApp Chat - Alice.zip — 45%". */
export function describeActivity(state: ActivityState, now: number): string {
  const seconds = (at: number) => Math.max(0, Math.ceil((at - now) / 1000));
  switch (state.kind) {
    case 'idle':
      return 'Idle';
    case 'settling':
      return `Waiting for ${state.exportName} to finish changing (${seconds(state.readyAt)} s)`;
    case 'backingUp': {
      const percent = state.totalBytes > 0 ? Math.floor((100 * state.doneBytes) / state.totalBytes) : 100;
      return `Backing up ${state.exportName} — ${percent}%`;
    }
    case 'waitingForCloud':
      return `Waiting for the cloud folder: ${state.reason} (retry in ${seconds(state.retryAt)} s)`;
    case 'watchFolderMissing':
      return `The export folder ${state.path} is missing; waiting for it to appear`;
    case 'paused':
      return 'Paused';
    case 'foldersRefused':
      return `Needs attention: ${state.message}`;
    case 'error':
      return `Error${state.exportName ? ` with ${state.exportName}` : ''}: ${state.message} ${state.action}`;
  }
}
