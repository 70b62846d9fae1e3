// Restores a committed backup by its metadata, in whichever format it was written.

import type { IndexCache } from '../dedup/chunk-store.js';
import { isBackupId } from '../vault/layout.js';
import type { BackupMetadata } from '../vault/metadata.js';
import { objectPath } from '../vault/synced-files.js';
import type { Vault } from '../vault/vault.js';
import { type RestoreResult, restoreBackup, restoreThroughStaging } from './restore.js';
import { readSnapshotFiles } from './snapshot-restore.js';

/** A backup of the vault to restore into `to` (a new or empty folder). */
export interface VaultRestoreRequest {
  vault: Vault;
  /** The backup's authenticated metadata (Vault.readMetadata). */
  meta: BackupMetadata;
  identities: readonly string[];
  authKey: Buffer;
  to: string;
  only?: readonly string[];
  /** Format 1 only: restore a backup whose proof is missing or wrong. */
  allowUnauthenticated?: boolean;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  signal?: AbortSignal;
  /** Format 2: this device's copy of the pack indexes (see SnapshotReadRequest). */
  indexCache?: IndexCache;
  /** Format 2: awaited before any pack is read (see SnapshotReadRequest). */
  beforePlacing?: () => Promise<void>;
}

/** Restores the backup; a failed restore leaves nothing behind (see RestoreError). */
export async function restoreFromVault(req: VaultRestoreRequest): Promise<RestoreResult> {
  const { meta, vault, ...rest } = req;
  if (meta.format === 1)
    return restoreBackup({
      ...rest,
      dataPath: await objectPath(vault.paths.dataDir, meta.id, isBackupId),
      expected: meta,
    });
  return restoreThroughStaging(req.to, true, (staging) => readSnapshotFiles({ ...req, meta }, staging));
}
