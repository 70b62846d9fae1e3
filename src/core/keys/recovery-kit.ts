// The recovery kit: a valid age identity file (so `age -d -i kit.txt` works) that also carries the
// vault's index and authentication keys. Written once at init; the app keeps no copy of the recovery key.
import { readFile } from 'node:fs/promises';

/** What the kit holds. */
export interface RecoveryKit {
  /** Opens every backup's data (its recipient is on every device's trusted list). */
  recoveryIdentity: string;
  /** Opens every backup's metadata. */
  indexIdentity: string;
  /** Authenticates backups. */
  authKey: Buffer;
}

const AUTH_PREFIX = '# puddleproof-auth-key: ';
const INDEX_LABEL = '# Vault index key (lets a new device list the backup history):';
const RECOVERY_LABEL = '# Recovery key (opens every backup):';

/** The kit file's text: plain instructions as comments, then the key lines. */
export function formatRecoveryKit(kit: RecoveryKit, createdAt: Date): string {
  return [
    '# Puddleproof recovery kit',
    `# Created ${createdAt.toISOString().slice(0, 10)}.`,
    '#',
    '# This file opens every backup in your Puddleproof vault. Keep it offline: print it, or keep it',
    '# on a USB stick in a safe place. Anyone who has it can read your backups; without it, nobody',
    '# can (not even Puddleproof) once you lose all your devices.',
    '#',
    '# On a new computer with Puddleproof:',
    '#   puddleproof recover --cloud CLOUD-FOLDER --watch EXPORT-FOLDER --recovery-kit THIS-FILE',
    '# Without Puddleproof, with the age tool (https://age-encryption.org) and tar: follow',
    '# Puddleproof/RESTORE.txt in your cloud folder (it runs: sh restore-with-age.sh THIS-FILE ...).',
    '#',
    `${AUTH_PREFIX}${kit.authKey.toString('base64')}`,
    INDEX_LABEL,
    kit.indexIdentity,
    RECOVERY_LABEL,
    kit.recoveryIdentity,
    '',
  ].join('\n');
}

/** The kit's key lines alone, without the instructions (also a valid kit: what the app's QR code holds). */
export function keyLinesOf(kitText: string): string {
  const lines = kitText.split('\n');
  return lines
    .slice(lines.findIndex((l) => l.startsWith(AUTH_PREFIX)))
    .join('\n')
    .trimEnd();
}

/** The kit file is not a Puddleproof recovery kit, or it is damaged. */
export class RecoveryKitError extends Error {}

/** Parses a kit's text; throws RecoveryKitError with a plain reason. */
export function parseRecoveryKit(text: string): RecoveryKit {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const after = (label: string) => {
    const at = lines.indexOf(label);
    const value = at >= 0 ? lines[at + 1] : undefined;
    if (!value?.startsWith('AGE-SECRET-KEY-')) {
      throw new RecoveryKitError('This is not a Puddleproof recovery kit, or a key line in it is damaged.');
    }
    return value;
  };
  const authLine = lines.find((l) => l.startsWith(AUTH_PREFIX));
  const authKey = Buffer.from(authLine?.slice(AUTH_PREFIX.length) ?? '', 'base64');
  if (authKey.length !== 32) {
    throw new RecoveryKitError('This recovery kit has no valid authentication key line (it may be damaged).');
  }
  return { recoveryIdentity: after(RECOVERY_LABEL), indexIdentity: after(INDEX_LABEL), authKey };
}

/** Reads and parses a kit file. */
export async function readRecoveryKit(path: string): Promise<RecoveryKit> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new RecoveryKitError(`Cannot read the recovery kit ${path}: ${(err as Error).message}`);
  }
  return parseRecoveryKit(text);
}
