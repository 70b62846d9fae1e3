// The vault's backups as chats: one entry per chat (its key), with what its newest version holds.
import { createHash } from 'node:crypto';
import type { BackupMetadata } from '../vault/metadata.js';
import type { Platform } from './summary.js';

/** One chat as the CLI and the window list it. */
export interface ChatEntry {
  /** Stable and opaque: the chat's key (a backup made before chats were recognised: a hash of its old name). */
  id: string;
  title: string;
  platform: Platform;
  /** False for backups made before chats were recognised (never removed by retention until they are). */
  identified: boolean;
  versions: number;
  /** Of the newest version: messages people wrote, first and last message, media files, export bytes. */
  messages: number;
  first: string | null;
  last: string | null;
  media: number;
  bytes: number;
  /** The newest version's backup id and time. */
  newest: string;
  newestAt: string;
}

/** An opaque id for the versions of an old backup's name (they have no chat key until identified). */
export function legacyChatId(source: string): string {
  return `u${createHash('sha256').update(source).digest('hex').slice(0, 24)}`;
}

/** Groups backups (oldest first) into chats, the most recently backed up first. */
export function chatsOf(backups: readonly BackupMetadata[]): ChatEntry[] {
  const chats = new Map<string, ChatEntry>();
  for (const meta of backups) {
    const id = meta.chat?.key ?? legacyChatId(meta.source);
    const s = meta.chat?.summary;
    const earlier = chats.get(id);
    chats.set(id, {
      id,
      title: s?.title ?? meta.source,
      platform: s?.platform ?? 'other',
      identified: s !== undefined,
      versions: (earlier?.versions ?? 0) + 1,
      messages: s?.messages ?? 0,
      first: s?.first ?? null,
      last: s?.last ?? null,
      media: s?.media ?? 0,
      bytes: meta.bytes,
      newest: meta.id,
      newestAt: meta.createdAt,
    });
  }
  return [...chats.values()].sort((a, b) => b.newestAt.localeCompare(a.newestAt));
}
