// What a person can change about chats: rename one, merge two that are the same chat, split off a
// version that is another chat. Each is checked against the vault's chats, then written as a chat edit
// that every device applies.
import { type Device, deviceIdentities, recordRecipients } from '../device.js';
import type { BackupMetadata } from '../vault/metadata.js';
import { type ChatEdit, newChatKey } from './chat-edits.js';

/** A change that does not fit the vault's chats (unknown id, a chat merged with itself…). */
export class ChatChangeError extends Error {}

async function backupsOf(device: Device): Promise<BackupMetadata[]> {
  return (await device.vault.list(deviceIdentities(device), device.secrets.authKey)).backups;
}

async function write(device: Device, edit: ChatEdit): Promise<void> {
  const { secrets } = device;
  await device.vault.writeChatEdit(edit, await recordRecipients(device), secrets.authKey);
}

function requireChat(backups: readonly BackupMetadata[], chat: string): BackupMetadata[] {
  const versions = backups.filter((b) => b.chat?.key === chat);
  if (versions.length === 0)
    throw new ChatChangeError(`There is no chat ${chat} (see \`puddleproof chats\`).`);
  return versions;
}

/** Gives a chat a title of the person's choosing (it stays through later versions). */
export async function renameChat(device: Device, chat: string, title: string): Promise<void> {
  const clean = title.trim();
  if (!clean || clean.length > 200) throw new ChatChangeError('A chat title is 1 to 200 characters.');
  requireChat(await backupsOf(device), chat);
  await write(device, { kind: 'rename', chat, title: clean, at: new Date().toISOString() });
}

/** Makes `from` part of `into`: their versions are one chat from now on (retention judges them together). */
export async function mergeChats(device: Device, from: string, into: string): Promise<void> {
  if (from === into) throw new ChatChangeError('A chat cannot be merged with itself.');
  const backups = await backupsOf(device);
  const a = requireChat(backups, from);
  const b = requireChat(backups, into);
  if (a[0]?.chat?.summary.platform !== b[0]?.chat?.summary.platform) {
    throw new ChatChangeError('Chats of different apps cannot be one chat.');
  }
  await write(device, { kind: 'merge', from, into, at: new Date().toISOString() });
}

/** Moves one version out of its chat into a chat of its own; returns the new chat's id. */
export async function splitVersion(device: Device, backup: string): Promise<string> {
  const meta = (await backupsOf(device)).find((b) => b.id === backup);
  if (!meta) throw new ChatChangeError(`There is no backup ${backup} (see \`puddleproof list\`).`);
  if (!meta.chat)
    throw new ChatChangeError(`Backup ${backup} has no chat yet: it was made before chats were recognised.`);
  const chat = newChatKey();
  await write(device, { kind: 'split', backup, chat, at: new Date().toISOString() });
  return chat;
}
