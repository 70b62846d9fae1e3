// What people and the upgrade change about chats after the fact, kept in the vault so that every device
// sees it: a title given by hand, two chats that are one (merge), a version that is another chat
// (split), and the chat of a backup made before chats were recognised (identify). Each change is an
// object of its own in `chats/`, written once, age-encrypted like metadata and proven with the vault's
// authentication key; they are applied in time order to the backups' own chat records.
import { createHmac, randomBytes } from 'node:crypto';
import { type BackupMetadata, validChatRecord } from '../vault/metadata.js';
import type { ChatRecord } from './chat-identity.js';

/** One change. `at` is an ISO time; keys and ids are as in the metadata. */
export type ChatEdit =
  | { kind: 'rename'; chat: string; title: string; at: string }
  | { kind: 'merge'; from: string; into: string; at: string }
  | { kind: 'split'; backup: string; chat: string; at: string }
  | { kind: 'identify'; backup: string; chat: ChatRecord; at: string };

/** An edit of the expected shape, rebuilt field by field; throws for anything else. */
export function validEdit(value: unknown): ChatEdit {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const str = (x: unknown) => {
    if (typeof x !== 'string' || x.length === 0 || x.length > 1000) throw new Error('not a chat edit');
    return x;
  };
  const at = str(v.at);
  switch (v.kind) {
    case 'rename':
      return { kind: 'rename', chat: str(v.chat), title: str(v.title), at };
    case 'merge':
      return { kind: 'merge', from: str(v.from), into: str(v.into), at };
    case 'split':
      return { kind: 'split', backup: str(v.backup), chat: str(v.chat), at };
    case 'identify':
      return { kind: 'identify', backup: str(v.backup), chat: validChatRecord(v.chat), at };
    default:
      throw new Error('not a chat edit');
  }
}

/** A new chat key for a split-off version (random: it has no id of its own). */
export function newChatKey(): string {
  return `m${randomBytes(12).toString('hex')}`;
}

/** The proof of an edit: an HMAC of its canonical JSON under the vault's authentication key. */
export function editProof(authKey: Buffer, edit: ChatEdit): string {
  return createHmac('sha256', authKey)
    .update('puddleproof/v1/chat-edit\n')
    .update(JSON.stringify(canonicalEdit(edit)))
    .digest('hex');
}

/** An edit with its fields in a fixed order (what the proof covers). */
export function canonicalEdit(edit: ChatEdit): unknown[] {
  switch (edit.kind) {
    case 'rename':
      return ['rename', edit.chat, edit.title, edit.at];
    case 'merge':
      return ['merge', edit.from, edit.into, edit.at];
    case 'split':
      return ['split', edit.backup, edit.chat, edit.at];
    case 'identify':
      return ['identify', edit.backup, edit.chat, edit.at];
  }
}

/**
 * The backups as their chats are now: each backup's chat record with the edits applied, in time order
 * (a backup without a record gets one from an `identify` edit, if there is one). Backups keep their order.
 */
export function applyChatEdits(
  backups: readonly BackupMetadata[],
  edits: readonly ChatEdit[],
): BackupMetadata[] {
  const ordered = [...edits].sort((a, b) => a.at.localeCompare(b.at));
  const identified = new Map<string, ChatRecord>();
  const movedBackup = new Map<string, string>();
  const alias = new Map<string, string>();
  const resolve = (key: string): string => {
    const seen = new Set<string>();
    let k = key;
    while (alias.has(k) && !seen.has(k)) {
      seen.add(k);
      k = alias.get(k) ?? k;
    }
    return k;
  };
  const renames: { chat: string; title: string }[] = [];
  for (const edit of ordered) {
    if (edit.kind === 'identify') {
      if (!identified.has(edit.backup)) identified.set(edit.backup, edit.chat);
    } else if (edit.kind === 'split') movedBackup.set(edit.backup, edit.chat);
    else if (edit.kind === 'merge') {
      const from = resolve(edit.from);
      const into = resolve(edit.into);
      if (from !== into) alias.set(from, into);
    } else renames.push({ chat: edit.chat, title: edit.title });
  }
  const titles = new Map<string, string>();
  for (const r of renames) titles.set(resolve(r.chat), r.title);
  return backups.map((meta) => {
    const record = meta.chat ?? identified.get(meta.id);
    if (!record) return meta;
    const key = resolve(movedBackup.get(meta.id) ?? record.key);
    const title = titles.get(key) ?? record.summary.title;
    return { ...meta, source: title, chat: { key, summary: { ...record.summary, title } } };
  });
}
