// Grants of the vault's data keys (`keys/<id>.age`): a data key's age identity, encrypted to the devices
// that may hold it and to the recovery key (never to the index key, which every device ever joined keeps),
// and proven with the vault authentication key. See trust.ts for how data keys are made and rotated.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs-atomic.js';
import { isBackupId, newBackupId } from './layout.js';
import { openRecord, RecordError, sealRecord, stringField } from './records.js';
import { objectFiles } from './synced-files.js';
import type { Vault } from './vault.js';

const KIND = 'data-key';

/** Writes a grant of `identity` to `grantees` (age recipients). */
export async function writeDataKeyGrant(
  vault: Vault,
  identity: string,
  authKey: Buffer,
  grantees: readonly string[],
  now = new Date(),
): Promise<void> {
  const id = newBackupId(now);
  await writeFileAtomic(
    join(vault.paths.keysDir, `${id}.age`),
    await sealRecord(KIND, { format: 1, id, identity }, authKey, grantees),
    0o644,
  );
}

/** The data keys granted to any of `identities` (grants that do not open or prove are passed over). */
export async function grantedDataKeys(
  vault: Vault,
  identities: readonly string[],
  authKey: Buffer,
): Promise<string[]> {
  const keys = new Set<string>();
  const dir = vault.paths.keysDir;
  for (const [id, files] of objectFiles(await readdir(dir).catch(() => []), isBackupId)) {
    try {
      const grant = await openRecord(
        KIND,
        await readFile(join(dir, files[0] as string)),
        identities,
        authKey,
        (v) => {
          if (v.format !== 1) throw new RecordError(`${KIND}: unsupported format`);
          return { format: 1, id: stringField(v, 'id', KIND), identity: stringField(v, 'identity', KIND) };
        },
      );
      if (grant.id === id) keys.add(grant.identity);
    } catch {
      // Granted to other devices only, or not genuine: nothing to keep.
    }
  }
  return [...keys];
}
