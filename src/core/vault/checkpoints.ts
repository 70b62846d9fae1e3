// Device checkpoints (`devices/<name>.age`): each device's acknowledgement of the collections it has seen,
// with the format-2 backups it has made that may still use what they condemned. Each device rewrites only
// its own file, in place, so another device always sees one whole version of it, never none.
import { createHmac } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs-atomic.js';
import { isBackupId } from './layout.js';
import { idsField, openRecord, RecordError, sealRecord, stringField } from './records.js';
import { objectFiles, presentIds } from './synced-files.js';
import type { ListProblem, Vault } from './vault.js';

const KIND = 'checkpoint';
const NAME_PATTERN = /^[0-9a-f]{32}$/;

/** What a device last told the others. */
export interface Checkpoint {
  format: 1;
  deviceId: string;
  device: string;
  writtenAt: string;
  /**
   * Collections this device has seen and will avoid: none of its backups made after this checkpoint uses a
   * pack they condemned.
   */
  acked: string[];
  /** This device's format-2 backups (committed, not removed as far as it knows): the only ones of it that may. */
  backups: string[];
}

/** The file name of a device's checkpoint: a keyed hash of its id, so names say nothing about devices. */
export function checkpointName(authKey: Buffer, deviceId: string): string {
  return createHmac('sha256', authKey)
    .update('puddleproof/v1/device-file\n')
    .update(deviceId)
    .digest('hex')
    .slice(0, 32);
}

function rebuild(v: Record<string, unknown>): Checkpoint {
  if (v.format !== 1) throw new RecordError(`${KIND}: unsupported format ${String(v.format)}`);
  return {
    format: 1,
    deviceId: stringField(v, 'deviceId', KIND),
    device: stringField(v, 'device', KIND),
    writtenAt: stringField(v, 'writtenAt', KIND),
    acked: idsField(v, 'acked', KIND, isBackupId),
    backups: idsField(v, 'backups', KIND, isBackupId),
  };
}

/** Replaces this device's checkpoint. */
export async function writeCheckpoint(
  vault: Vault,
  checkpoint: Omit<Checkpoint, 'format'>,
  authKey: Buffer,
  recipients: readonly string[],
): Promise<void> {
  const body = {
    format: 1,
    deviceId: checkpoint.deviceId,
    device: checkpoint.device,
    writtenAt: checkpoint.writtenAt,
    acked: [...new Set(checkpoint.acked)].sort(),
    backups: [...new Set(checkpoint.backups)].sort(),
  };
  const sealed = await sealRecord(KIND, body, authKey, recipients);
  await writeFileAtomic(vault.paths.device(checkpointName(authKey, checkpoint.deviceId)), sealed, 0o644);
}

/**
 * The newest checkpoint of every device this device can read and prove (a sync client's conflict copy may
 * hold a newer or older version: the newest wins), by device id; the unreadable ones, and those only a sync
 * client's placeholder here (not downloaded yet), as problems by file name. `only` limits it to the given
 * file names.
 */
export async function readCheckpoints(
  vault: Vault,
  identities: readonly string[],
  authKey: Buffer,
  only?: readonly string[],
): Promise<{ checkpoints: Map<string, Checkpoint>; problems: ListProblem[] }> {
  const checkpoints = new Map<string, Checkpoint>();
  const problems: ListProblem[] = [];
  const dir = vault.paths.devicesDir;
  const names = await readdir(dir).catch(() => [] as string[]);
  const wanted = (n: string) => NAME_PATTERN.test(n) && (!only || only.includes(n));
  const readable = objectFiles(names, wanted);
  for (const [name, files] of readable) {
    let best: Checkpoint | null = null;
    let last: Error | null = null;
    for (const file of files) {
      try {
        const record = await openRecord(KIND, await readFile(join(dir, file)), identities, authKey, rebuild);
        if (checkpointName(authKey, record.deviceId) !== name)
          throw new RecordError(`${KIND} ${name} is another device's checkpoint`);
        if (!best || record.writtenAt > best.writtenAt) best = record;
      } catch (err) {
        // A file replaced while it was read is simply read again next time.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') last = err as Error;
      }
    }
    if (best) checkpoints.set(best.deviceId, best);
    else if (last) problems.push({ id: name, problem: `device checkpoint: ${last.message}` });
  }
  for (const name of presentIds(names, wanted))
    if (!readable.has(name))
      problems.push({ id: name, problem: 'device checkpoint: not downloaded here yet' });
  return { checkpoints, problems };
}
