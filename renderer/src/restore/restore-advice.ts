// A failed restore in plain words: a headline, what to do next, and the wizard step that fixes it.

export type FixStep = 'version' | 'unlock' | 'destination';

export interface RestoreAdvice {
  title: string;
  next: string;
  fixAt: FixStep;
}

const RULES: { test: RegExp; advice: RestoreAdvice }[] = [
  {
    test: /another device|recovery kit|no identity|cannot be opened with/i,
    advice: {
      title: 'This backup needs your recovery kit',
      next: 'Load the recovery kit of this vault — the file you saved or printed during setup — and try again.',
      fixAt: 'unlock',
    },
  },
  {
    test: /already exists|not empty|is a file|never overwrite/i,
    advice: {
      title: 'The destination folder already exists',
      next: 'Choose another folder name or another place. Puddleproof never writes into an existing folder.',
      fixAt: 'destination',
    },
  },
  {
    test: /disk is full|no space|ENOSPC/i,
    advice: {
      title: 'There is not enough space',
      next: 'Free some space on that disk or choose another place, then try again.',
      fixAt: 'destination',
    },
  },
  {
    test: /permission|EACCES|EPERM|read-only/i,
    advice: {
      title: 'Puddleproof cannot write there',
      next: 'Choose a folder you can write to, such as one in your home folder.',
      fixAt: 'destination',
    },
  },
  {
    test: /damaged|corrupt|not authentic|truncated|authentication|cannot be read|does not match|missing or unreadable|ended before/i,
    advice: {
      title: 'This backup is damaged',
      next: 'Choose an older version of this chat, and run “Verify all backups now” in Settings to find other damaged backups.',
      fixAt: 'version',
    },
  },
];

const FALLBACK: RestoreAdvice = {
  title: 'The restore did not finish',
  next: 'Try again; if it fails again, choose an older version of this chat.',
  fixAt: 'destination',
};

export function restoreAdvice(message: string): RestoreAdvice {
  return RULES.find((rule) => rule.test.test(message))?.advice ?? FALLBACK;
}
