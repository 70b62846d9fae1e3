// What the tray shows, as a pure function of the engine's state: the icon's state, the tooltip and the
// menu (status line, Back up now, Pause/Resume watching, Open Puddleproof, Quit). An overdue recovery
// drill is a quiet badge on the idle icon and a menu line, "Time to check your recovery kit".
import { describeActivity, type EngineStatus } from '../../shared/status.js';

export type TrayIconState = 'idle' | 'working' | 'attention' | 'paused' | 'reminder';
export type TrayAction = 'backupNow' | 'toggleWatching' | 'open' | 'quit' | 'checkKit';

export type TrayMenuItem =
  | { kind: 'status'; label: string }
  | { kind: 'separator' }
  | { kind: 'action'; action: TrayAction; label: string; enabled: boolean };

export interface TrayModel {
  iconState: TrayIconState;
  tooltip: string;
  menu: TrayMenuItem[];
}

export interface TrayInput {
  /** The engine's last status; null until the first arrives. */
  status: EngineStatus | null;
  paused: boolean;
  /** Null until the engine has said whether setup is done. */
  setupDone: boolean | null;
  now: number;
  /** Why the engine is down (it crashed or could not start), until it reports again. */
  problem?: string | null;
  /** The recovery drill is due (kit:drill); false or missing: not due, or not known yet. */
  kitCheckDue?: boolean;
}

export const KIT_CHECK_LINE = 'Time to check your recovery kit';

/** Longest status line shown in the menu (Windows cuts tooltips at 127 characters). */
const MAX_LINE = 100;
/** Longest export name in a backup's status line, so that its progress always shows. */
const MAX_NAME = 48;

function shorten(text: string, max = MAX_LINE): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** "just now", "5 min ago", "3 h ago", "yesterday", "4 days ago". */
export function timeAgo(then: number, now: number): string {
  const minutes = Math.floor(Math.max(0, now - then) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  return days === 1 ? 'yesterday' : `${days} days ago`;
}

/** "Last backup 5 min ago", or "No backups yet". */
function lastBackupLine(status: EngineStatus, now: number): string {
  const times = Object.values(status.lastBackupBySource)
    .map((iso) => Date.parse(iso))
    .filter((t) => Number.isFinite(t));
  return times.length ? `Last backup ${timeAgo(Math.max(...times), now)}` : 'No backups yet';
}

/** The icon state and the status line (the tooltip's detail may be longer). */
function describe(input: TrayInput): { iconState: TrayIconState; line: string; detail?: string } {
  const { status, now } = input;
  if (input.problem) {
    return { iconState: 'attention', line: 'The backup engine stopped', detail: input.problem };
  }
  if (input.setupDone === false) return { iconState: 'attention', line: 'Setup not finished' };
  if (input.setupDone === null || !status) return { iconState: 'idle', line: 'Starting…' };
  if (input.paused) return { iconState: 'paused', line: 'Paused: not watching for exports' };
  const state = status.state;
  switch (state.kind) {
    case 'idle': {
      // A change to the trusted list that the vault's keys do not prove: someone wrote into the cloud folder.
      const refused = status.trustRefused?.length ?? 0;
      if (refused > 0)
        return {
          iconState: 'attention',
          line: 'Refused a change to your devices',
          detail: 'not proven by the vault’s keys, not applied: see Settings → Devices',
        };
      // Older backups identified in the background: said in the tooltip, without alarming the icon.
      const identifying = status.identifying;
      return {
        iconState: 'idle',
        line: lastBackupLine(status, now),
        ...(identifying && identifying.total > 0
          ? { detail: `identifying older backups: ${identifying.done} of ${identifying.total}` }
          : {}),
      };
    }
    case 'paused':
      return { iconState: 'paused', line: 'Paused: not watching for exports' };
    case 'backingUp':
      // "Backing up Alice.zip — 45% · 14 MB new so far": a long name is cut, never the progress.
      return {
        iconState: 'working',
        line: describeActivity({ ...state, exportName: shorten(state.exportName, MAX_NAME) }, now),
      };
    case 'settling':
      return { iconState: 'working', line: describeActivity(state, now) };
    case 'waitingForCloud':
      return { iconState: 'attention', line: 'Waiting for the cloud folder', detail: state.reason };
    case 'watchFolderMissing':
      return { iconState: 'attention', line: 'The export folder is missing', detail: state.path };
    case 'foldersRefused':
      return { iconState: 'attention', line: 'Needs attention: check the folders', detail: state.message };
    case 'error':
      return {
        iconState: 'attention',
        line: `Backup failed${state.exportName ? `: ${state.exportName}` : ''}`,
        detail: `${state.message} ${state.action}`,
      };
  }
}

/** The tray's icon state, tooltip and menu for `input`. */
export function trayModel(input: TrayInput): TrayModel {
  const described = describe(input);
  const { line, detail } = described;
  const engineUp = input.setupDone === true && input.status !== null && !input.problem;
  // Refused folders back nothing up until they are changed in the window ("Open Puddleproof").
  const foldersRefused = input.status?.state.kind === 'foldersRefused';
  // The drill is a quiet badge: only on the idle icon (working, paused and problems show as they are).
  const reminder = engineUp && input.kitCheckDue === true;
  const iconState = reminder && described.iconState === 'idle' ? 'reminder' : described.iconState;
  const tooltip = `Puddleproof: ${line}${detail ? ` (${detail})` : ''}`;
  return {
    iconState,
    tooltip: shorten(reminder ? `${tooltip}. ${KIT_CHECK_LINE}` : tooltip, 127),
    menu: [
      { kind: 'status', label: shorten(line) },
      ...(reminder
        ? [{ kind: 'action', action: 'checkKit', label: `${KIT_CHECK_LINE}…`, enabled: true } as const]
        : []),
      { kind: 'separator' },
      { kind: 'action', action: 'backupNow', label: 'Back up now', enabled: engineUp && !foldersRefused },
      {
        kind: 'action',
        action: 'toggleWatching',
        label: input.paused ? 'Resume watching' : 'Pause watching',
        enabled: engineUp,
      },
      { kind: 'separator' },
      { kind: 'action', action: 'open', label: 'Open Puddleproof', enabled: true },
      { kind: 'action', action: 'quit', label: 'Quit', enabled: true },
    ],
  };
}
