// How a chat is named for people: its title and its app ("Alice — WhatsApp").
import type { BackupMetadata } from '../vault/metadata.js';
import type { Platform } from './summary.js';

const PLATFORM_NAMES: Record<Platform, string> = {
  whatsapp: 'WhatsApp',
  telegram: 'Telegram',
  discord: 'Discord',
  other: 'Other files',
};

/** "WhatsApp", "Telegram", "Discord" or "Other files". */
export function platformName(platform: Platform): string {
  return PLATFORM_NAMES[platform];
}

/** "Alice — WhatsApp"; a backup made before chats were recognised: its old name, "not identified yet". */
export function chatLabel(meta: Pick<BackupMetadata, 'chat' | 'source'>): string {
  if (!meta.chat) return `${meta.source} — not identified yet`;
  return `${meta.chat.summary.title} — ${platformName(meta.chat.summary.platform)}`;
}
