// The history as the window shows it: backups grouped by chat, newest first, with sizes,
// devices and verification results, plus the vault's real size over time for the chart.
import type { ChatFacts, HistoryView, SourceHistory } from '../../shared/api.js';
import { legacyChatId } from '../chats/chat-list.js';
import type { ChatSummary } from '../chats/summary.js';
import { isBackupId } from '../vault/layout.js';
import type { BackupMetadata } from '../vault/metadata.js';
import { objectSize } from '../vault/synced-files.js';
import type { ListProblem, Vault } from '../vault/vault.js';
import { vaultSizeOverTime } from './vault-size.js';
import type { Verifications } from './verifications.js';

/**
 * What a backup added to the cloud folder (for its sync client to upload): what was new (format 2), or
 * its whole archive, the data object (format 1; null when that is missing).
 */
export async function storedBytesOf(vault: Vault, meta: BackupMetadata): Promise<number | null> {
  if (meta.format === 2) return meta.uploadedBytes;
  return objectSize(vault.paths.dataDir, meta.id, isBackupId);
}

/** Builds the view from the vault's listing (`backups` oldest first, as Vault.list returns them). */
export async function buildHistoryView(
  vault: Vault,
  listing: { backups: BackupMetadata[]; problems: ListProblem[] },
  deviceId: string,
  verifications: Verifications,
): Promise<HistoryView> {
  const byChat = new Map<string, SourceHistory>();
  for (const meta of listing.backups) {
    const storedBytes = (await storedBytesOf(vault, meta)) ?? 0;
    // One entry per chat; a backup made before chats were recognised goes by its old name.
    const id = meta.chat?.key ?? legacyChatId(meta.source);
    const group = byChat.get(id) ?? { id, source: meta.source, platform: null, versions: [] };
    const previous = group.versions[0]?.chat;
    const facts = meta.chat ? factsOf(meta.chat.summary) : null;
    group.versions.unshift({
      id: meta.id,
      exportName: meta.exportName,
      createdAt: meta.createdAt,
      device: meta.device,
      thisDevice: meta.deviceId === deviceId,
      files: meta.files,
      bytes: meta.bytes,
      format: meta.format,
      storedBytes,
      verification: await verifications.get(meta.id),
      chat: facts,
      messagesSincePrevious: facts && previous ? facts.messages - previous.messages : null,
    });
    group.source = meta.chat?.summary.title ?? group.source;
    group.platform = meta.chat?.summary.platform ?? group.platform;
    byChat.set(id, group);
  }
  const sources: SourceHistory[] = [...byChat.values()].sort((a, b) =>
    (b.versions[0]?.createdAt ?? '').localeCompare(a.versions[0]?.createdAt ?? ''),
  );
  return {
    sources,
    vaultSize: await vaultSizeOverTime(
      vault,
      listing.backups.map((m) => m.createdAt),
    ),
    problems: listing.problems.map((p) => `Backup ${p.id} cannot be read: ${p.problem}`),
  };
}

/** What the window shows of a version's chat (not the message sample: it stays in the engine). */
function factsOf(s: ChatSummary): ChatFacts {
  const { platform, messages, first, last, media, mediaBytes, participants, warnings } = s;
  return { platform, messages, first, last, media, mediaBytes, participants, warnings };
}
