// The engine's status: one model for the tray, the window and the CLI (no Node or Electron imports).

/** What the engine is doing right now. */
export type ActivityState =
  | { kind: 'idle' }
  /** An export is still changing (or downloading); it is backed up once quiet until `readyAt`. */
  | { kind: 'settling'; exportName: string; readyAt: number }
  | {
      kind: 'backingUp';
      exportName: string;
      /** Bytes of the export read so far, of `totalBytes`. */
      doneBytes: number;
      totalBytes: number;
      bytesPerSecond: number;
      /**
       * Bytes this backup has written to the cloud folder so far: only what is new (packs of new chunks,
       * their indexes, the snapshot); the folder's sync client uploads them from there. Absent when the
       * backup is written in format 1, which writes the whole export as one archive.
       */
      uploadedBytes?: number;
    }
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
  /** The last time this device reclaimed space (absent until it has): see ReclaimStatus. */
  reclaim?: ReclaimStatus;
  /**
   * Changes to the vault's trusted list that the last sync refused (absent when none): they are found again
   * on every sync while their files are in the cloud folder, and nothing of them is ever applied.
   */
  trustRefused?: RefusedTrustChange[];
}

/** A change to the trusted list that the vault's keys do not prove: its id, and why it was refused. */
export interface RefusedTrustChange {
  id: string;
  problem: string;
}

/** What the last reclamation of unused packs did, and what it waits for. */
export interface ReclaimStatus {
  /** ISO time it ran. */
  at: string;
  freedBytes: number;
  /** Bytes of condemned packs still in the cloud folder, waiting to be deleted. */
  pendingBytes: number;
  /** Devices it waits for (they have not said that they saw what was condemned). */
  waitingFor: string[];
  /** Devices it no longer waits for: silent for too long (with the last time they were seen). */
  silent: { device: string; lastSeen: string }[];
  /** Versions made on this device while it was away that lost chunks, and whether they are stored again. */
  lost: { exportName: string; backUpAgain: boolean }[];
}

/** "1.2 MB", "14 MB", "0 bytes": decimal units, at most one decimal (for the CLI and the tray). */
export function formatSize(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = Math.max(0, Math.round(bytes));
  let unit = 0;
  // 999,960 bytes is "1 MB", not "1000 KB": move up while the shown (rounded) value reaches 1000.
  while (unit < units.length - 1 && (unit === 0 ? value : Math.round(value * 10) / 10) >= 1000) {
    value /= 1000;
    unit++;
  }
  if (unit === 0) return value === 1 ? '1 byte' : `${value} bytes`;
  return `${Math.round(value * 10) / 10} ${units[unit]}`;
}

/**
 * One line for people, e.g. "Backing up WhatsApp Chat - Alice.zip — 45% · 14 MB new so far" (the new
 * bytes written to the cloud folder, when the backup is deduplicated).
 */
export function describeActivity(state: ActivityState, now: number): string {
  const seconds = (at: number) => Math.max(0, Math.ceil((at - now) / 1000));
  switch (state.kind) {
    case 'idle':
      return 'Idle';
    case 'settling':
      return `Waiting for ${state.exportName} to finish changing (${seconds(state.readyAt)} s)`;
    case 'backingUp': {
      const percent = state.totalBytes > 0 ? Math.floor((100 * state.doneBytes) / state.totalBytes) : 100;
      const base = `Backing up ${state.exportName} — ${percent}%`;
      return state.uploadedBytes === undefined
        ? base
        : `${base} · ${formatSize(state.uploadedBytes)} new so far`;
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
