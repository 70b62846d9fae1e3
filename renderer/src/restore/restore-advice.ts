// A failed restore or listing in plain words: a headline, what to do next, and the wizard step that
// fixes it. The engine says what kind of failure it was (RestoreProblem); its message is shown as well.
import type { RestoreProblem } from '../../../src/shared/api.js';

export type FixStep = 'version' | 'unlock' | 'destination';

export interface RestoreAdvice {
  title: string;
  next: string;
  fixAt: FixStep;
}

const ADVICE: Record<RestoreProblem, RestoreAdvice> = {
  needsKit: {
    title: 'This backup needs your recovery kit',
    next: 'Load the recovery kit of this vault — the file you saved or printed during setup — and try again.',
    fixAt: 'unlock',
  },
  destination: {
    title: 'The destination folder already exists',
    next: 'Choose another folder name or another place. Puddleproof never writes into an existing folder.',
    fixAt: 'destination',
  },
  diskFull: {
    title: 'There is not enough space',
    next: 'Free some space on that disk or choose another place, then try again.',
    fixAt: 'destination',
  },
  notWritable: {
    title: 'Puddleproof cannot write there',
    next: 'Choose a folder you can write to, such as one in your home folder.',
    fixAt: 'destination',
  },
  damaged: {
    title: 'This backup is damaged',
    next: 'Choose an older version of this chat, and run “Verify all backups now” in Settings to find other damaged backups.',
    fixAt: 'version',
  },
  notSynced: {
    title: 'Part of this backup has not reached this computer yet',
    next: 'Your cloud folder’s sync app may still be downloading it: wait until it has finished (or open the folder so that it downloads the files), then try again. If it stays missing for days, choose an older version.',
    fixAt: 'version',
  },
  cancelled: {
    title: 'The restore was cancelled',
    next: 'Nothing was written. Start it again when you are ready.',
    fixAt: 'destination',
  },
  other: {
    title: 'The restore did not finish',
    next: 'Try again; if it fails again, choose an older version of this chat.',
    fixAt: 'destination',
  },
};

export function restoreAdvice(problem: RestoreProblem): RestoreAdvice {
  return ADVICE[problem];
}
