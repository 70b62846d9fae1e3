// Backups made before chats were recognised have no chat in their metadata. They are identified from
// their content after the upgrade: each is restored into a private temporary folder in the profile
// (verified as any restore is), recognised, and its chat written as an `identify` chat edit; the
// temporary copy is removed at once. One backup at a time, so it can stop anywhere and go on later: a
// backup with an `identify` edit is done. Backups this device cannot open (made on another device,
// without the kit loaded) stay unidentified, and retention keeps them.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { deviceIdentities, type Profile, recordRecipients } from '../device.js';
import { restoreFromVault } from '../restore/restore-from-vault.js';
import type { BackupMetadata } from '../vault/metadata.js';
import type { Vault } from '../vault/vault.js';
import { applyChatEdits } from './chat-edits.js';
import { chatKeyFor } from './chat-identity.js';
import { recogniseExport } from './recognize.js';

/** How the upgrade stands: backups identified so far, still to do, and those this device cannot open. */
export interface IdentifyProgress {
  done: number;
  total: number;
  unreadable: number;
}

/** The backups still without a chat (edits applied), oldest first. */
export async function unidentified(
  vault: Vault,
  profile: Profile,
  kit?: Parameters<typeof deviceIdentities>[1],
) {
  const { backups } = await vault.list(deviceIdentities(profile, kit), profile.secrets.authKey);
  return { all: backups, todo: backups.filter((b) => !b.chat) };
}

/**
 * Identifies every backup without a chat, one at a time, reporting progress; `signal` stops it between
 * backups (what is done stays done). Returns how it stands at the end.
 */
export async function identifyOldBackups(
  vault: Vault,
  profile: Profile,
  opts: {
    onProgress?: (p: IdentifyProgress) => void;
    signal?: AbortSignal;
    kit?: Parameters<typeof deviceIdentities>[1];
    /** Backups not to try (this device could not open them earlier); they count as unreadable. */
    skip?: ReadonlySet<string>;
    /** Told of each backup this device cannot open. */
    onUnreadable?: (id: string) => void;
  } = {},
): Promise<IdentifyProgress> {
  const identities = deviceIdentities(profile, opts.kit);
  const { authKey } = profile.secrets;
  const { all, todo: found } = await unidentified(vault, profile, opts.kit);
  const todo = found.filter((m) => !opts.skip?.has(m.id));
  const progress: IdentifyProgress = { done: 0, total: found.length, unreadable: found.length - todo.length };
  opts.onProgress?.({ ...progress });
  const recipients = await recordRecipients(profile);
  let known: BackupMetadata[] = all;
  const scratch = join(profile.home, 'identify');
  for (const meta of todo) {
    if (opts.signal?.aborted) break;
    const to = join(scratch, meta.id);
    await rm(to, { recursive: true, force: true });
    await mkdir(scratch, { recursive: true, mode: 0o700 });
    try {
      await restoreFromVault({ vault, meta, identities, authKey, to });
      const found = await recogniseExport(join(to, meta.exportName), authKey);
      if (found) {
        const records = known.flatMap((m) => (m.chat && m.id !== meta.id ? [m.chat] : []));
        const key = chatKeyFor(authKey, found.summary, found.hashes, meta.exportName, records);
        const chat = { key, summary: found.summary };
        await vault.writeChatEdit(
          { kind: 'identify', backup: meta.id, chat, at: new Date().toISOString() },
          recipients,
          authKey,
        );
        known = applyChatEdits(known, [{ kind: 'identify', backup: meta.id, chat, at: '' }]);
      }
      progress.done++;
    } catch {
      progress.unreadable++;
      opts.onUnreadable?.(meta.id);
    } finally {
      await rm(to, { recursive: true, force: true });
    }
    opts.onProgress?.({ ...progress });
  }
  await rm(scratch, { recursive: true, force: true });
  return progress;
}
