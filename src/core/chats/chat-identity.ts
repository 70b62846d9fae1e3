// Which chat a new export belongs to. Telegram (JSON) and Discord exports carry the app's own chat id: the
// chat key is a keyed hash of it, so every device finds the same key without talking to the others.
// WhatsApp and Telegram HTML exports carry no id: a new export joins the chat whose stored message sample
// it shares enough messages with (exports of one chat under any file name), else it starts a new chat
// (two chats are never one by name alone). "Other files" are one item per full export name.
import { createHmac, randomBytes } from 'node:crypto';
import type { ChatSummary, MessageHashes } from './summary.js';

/** A backup's chat: its opaque, stable key and the summary of what the export held. */
export interface ChatRecord {
  key: string;
  summary: ChatSummary;
}

/** Shared sampled messages needed to call two exports one chat: at least this many… */
const MIN_SHARED = 3;
/** …and at least this share of the earlier export's sample. */
const MIN_SHARE = 0.1;

function keyed(authKey: Buffer, prefix: string, text: string): string {
  return `${prefix}${createHmac('sha256', authKey).update(`puddleproof/v1/chat\n${text}`).digest('hex').slice(0, 24)}`;
}

/** How many of an earlier export's sampled messages the new export holds. */
function shared(sample: readonly string[], hashes: MessageHashes): number {
  let n = 0;
  for (const h of sample) if (hashes.has(h)) n++;
  return n;
}

/**
 * The chat key of a new export with `summary` and message `hashes`, given the chats already in the vault
 * (`known`, newest last). Keys are opaque: nothing of the chat can be read from them.
 */
export function chatKeyFor(
  authKey: Buffer,
  summary: ChatSummary,
  hashes: MessageHashes,
  exportName: string,
  known: readonly ChatRecord[],
): string {
  if (summary.platform === 'other') return keyed(authKey, 'o', `other\n${exportName}`);
  if (summary.nativeId !== undefined) return keyed(authKey, 'n', `${summary.platform}\n${summary.nativeId}`);
  let best: { key: string; score: number; sameTitle: boolean } | null = null;
  for (const record of known) {
    const earlier = record.summary;
    if (earlier.platform !== summary.platform || earlier.nativeId !== undefined) continue;
    const sameTitle = earlier.title === summary.title;
    let score: number;
    if (earlier.sample.length === 0 || hashes.size === 0) {
      // Nothing to compare: only two exports without messages, of one name, are one chat.
      if (!(earlier.sample.length === 0 && hashes.size === 0 && sameTitle)) continue;
      score = 0;
    } else {
      score = shared(earlier.sample, hashes);
      // A chat of only a message or two: all of them, under the same name. Else enough of the sample.
      const small = earlier.sample.length < MIN_SHARED;
      if (
        small
          ? !(sameTitle && score === earlier.sample.length)
          : score < MIN_SHARED || score < MIN_SHARE * earlier.sample.length
      )
        continue;
    }
    // The strongest match wins; on a tie the same title, then the newest.
    const better = !best || score > best.score || (score === best.score && (sameTitle || !best.sameTitle));
    if (better) best = { key: record.key, score, sameTitle };
  }
  return best?.key ?? `m${randomBytes(12).toString('hex')}`;
}
