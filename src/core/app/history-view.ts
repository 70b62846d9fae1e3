// The history as the window shows it: backups grouped by source (chat), newest first, with sizes,
// devices and verification results, plus the vault's size after each backup for the chart.
import { stat } from 'node:fs/promises';
import type { BackupVersion, HistoryView, SourceHistory } from '../../shared/api.js';
import type { BackupMetadata } from '../vault/metadata.js';
import type { ListProblem, Vault } from '../vault/vault.js';
import type { Verifications } from './verifications.js';

/** Builds the view from the vault's listing (`backups` oldest first, as Vault.list returns them). */
export async function buildHistoryView(
  vault: Vault,
  listing: { backups: BackupMetadata[]; problems: ListProblem[] },
  deviceId: string,
  verifications: Verifications,
): Promise<HistoryView> {
  const bySource = new Map<string, BackupVersion[]>();
  const vaultSize: HistoryView['vaultSize'] = [];
  let total = 0;
  for (const meta of listing.backups) {
    const storedBytes = (await stat(vault.paths.data(meta.id)).catch(() => null))?.size ?? 0;
    total += storedBytes;
    vaultSize.push({ at: meta.createdAt, bytes: total });
    const version: BackupVersion = {
      id: meta.id,
      exportName: meta.exportName,
      createdAt: meta.createdAt,
      device: meta.device,
      thisDevice: meta.deviceId === deviceId,
      files: meta.files,
      bytes: meta.bytes,
      storedBytes,
      verification: await verifications.get(meta.id),
    };
    bySource.set(meta.source, [version, ...(bySource.get(meta.source) ?? [])]);
  }
  const sources: SourceHistory[] = [...bySource]
    .map(([source, versions]) => ({ source, versions }))
    .sort((a, b) => (b.versions[0]?.createdAt ?? '').localeCompare(a.versions[0]?.createdAt ?? ''));
  return {
    sources,
    vaultSize,
    problems: listing.problems.map((p) => `Backup ${p.id} cannot be read: ${p.problem}`),
  };
}
