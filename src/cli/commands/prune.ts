// prune: remove old backups by a retention policy (restic's `forget --keep-*`, per source).
import { chatLabel } from '../../core/chats/labels.js';
import { DEFAULT_RECLAIM_GRACE_MS, DEFAULT_SILENT_AFTER_MS, reclaim } from '../../core/dedup/reclaim.js';
import { cachesOf, deviceIdentities, openDevice, recordRecipients } from '../../core/device.js';
import { profileHome } from '../../core/profile.js';
import { isBackupId } from '../../core/vault/layout.js';
import {
  DEFAULT_RETENTION,
  localTimeZone,
  planRetention,
  RETENTION_RULES,
  type RetentionPolicy,
  retentionCandidate,
  validatePolicy,
} from '../../core/vault/retention.js';
import { objectBytesIn } from '../../core/vault/synced-files.js';
import { parse, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { formatBytes } from '../output.js';

const d = DEFAULT_RETENTION;

export const prune: Command = {
  name: 'prune',
  summary: 'remove old backups by a retention policy (see --help)',
  help: `usage: puddleproof prune [--dry-run] [--keep-last N] [--keep-hourly N] [--keep-daily N]
                         [--keep-weekly N] [--keep-monthly N] [--keep-yearly N]
                         [--grace DURATION] [--silent-after DURATION]

Keeps, for each source (chat) on its own:
  --keep-last N     the N newest backups                                  (default ${d.last})
  --keep-hourly N   the newest backup of each of the last N hours          (default ${d.hourly})
  --keep-daily N    ... of each of the last N days                         (default ${d.daily})
  --keep-weekly N   ... of each of the last N ISO weeks, Monday to Sunday  (default ${d.weekly})
  --keep-monthly N  ... of each of the last N calendar months              (default ${d.monthly})
  --keep-yearly N   ... of each of the last N calendar years               (default ${d.yearly})
and removes the rest. Only periods that have a backup count, in this machine's time zone (TZ). A backup
kept by any rule is kept; the newest backup of each source always is; with every N at 0 nothing is
removed. Flags override the defaults one by one (--keep-daily 0 turns the daily rule off).

Prints "keep ID SOURCE TIME (reasons)" or "remove ID SOURCE TIME" per backup. --dry-run removes nothing.
Backups this device cannot read are never removed. A backup's commit record goes first, then its data
(a format-1 archive, or a format-2 snapshot); if prune is interrupted in between, \`puddleproof gc\`
removes the leftover later.

Format-2 backups share packs of chunks, and other devices may be using a pack this device sees no use
for (their backups may not have synced here yet). So packs are reclaimed in two steps, over several runs:
prune condemns the packs no backup here uses (a "collection"), and copies what backups need out of the
packs this device wrote that are at least half unneeded (they are condemned too); every device
acknowledges it on its next
backup or prune; a later prune, on any device, deletes a condemned pack once every device has, none of
the backups they listed needs it, and the collection is older than the margin.
  --grace DURATION         the margin: packs younger than this are not condemned, collections younger
                           are not acted on (default ${days(DEFAULT_RECLAIM_GRACE_MS)})
  --silent-after DURATION  a device that has said nothing for this long is not waited for
                           (default ${days(DEFAULT_SILENT_AFTER_MS)})
DURATION is a whole number with s, m, h or d (e.g. 0s, 12h, 7d).`,
  async run(argv, env) {
    const { values, positionals } = parse(argv, {
      'dry-run': { type: 'boolean' },
      'keep-last': { type: 'string' },
      'keep-hourly': { type: 'string' },
      'keep-daily': { type: 'string' },
      'keep-weekly': { type: 'string' },
      'keep-monthly': { type: 'string' },
      'keep-yearly': { type: 'string' },
      grace: { type: 'string' },
      'silent-after': { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const policy: RetentionPolicy = { ...DEFAULT_RETENTION };
    for (const rule of RETENTION_RULES) {
      const text = values[`keep-${rule}`];
      if (text === undefined) continue;
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)))
        throw new UsageError(`--keep-${rule} takes a whole number, 0 or more (got "${text}")`);
      policy[rule] = Number(text);
    }
    validatePolicy(policy);
    const graceMs = duration(values.grace, '--grace') ?? DEFAULT_RECLAIM_GRACE_MS;
    const silentMs = duration(values['silent-after'], '--silent-after') ?? DEFAULT_SILENT_AFTER_MS;
    const dryRun = values['dry-run'] === true;

    const device = await openDevice(profileHome(env));
    const { backups, problems } = await device.vault.list(deviceIdentities(device), device.secrets.authKey);
    const timeZone = localTimeZone();
    const plan = planRetention(backups.map(retentionCandidate), policy, timeZone);
    const rules = RETENTION_RULES.filter((rule) => policy[rule] > 0).map((rule) => `${rule} ${policy[rule]}`);
    console.log(`Policy: ${rules.length > 0 ? `keep ${rules.join(', ')}` : 'keep everything'} (${timeZone})`);

    const reasons = new Map(plan.keep.map((k) => [k.id, k.reasons]));
    for (const b of backups) {
      const why = reasons.get(b.id);
      const chat = chatLabel(b);
      if (why) console.log(`keep ${b.id} ${chat} ${b.createdAt} (${why.join(', ')})`);
      else console.log(`remove ${b.id} ${chat} ${b.createdAt}`);
    }
    for (const p of problems)
      console.error(`warning: backup ${p.id} cannot be read, so it is kept: ${p.problem}`);

    const n = plan.remove.length;
    const removed = new Set(plan.remove.map((r) => r.id));
    // Format-1 backups free their data objects at once; format-2 backups share packs.
    const dataObjectBytes = objectBytesIn(device.vault.paths.dataDir, isBackupId);
    const dataBytes = (
      await Promise.all(
        backups.map(async (b) => (removed.has(b.id) && b.format === 1 ? await dataObjectBytes(b.id) : 0)),
      )
    ).reduce((a, b) => a + b, 0);
    if (!dryRun) await device.vault.forget([...removed]);
    console.log(
      dryRun
        ? `Dry run: would remove ${n} of ${backups.length} backups; nothing was removed.`
        : `Removed ${n} backups, kept ${plan.keep.length + problems.length}.`,
    );
    if (dataBytes > 0)
      console.log(`${dryRun ? 'Would free' : 'Freed'} ${formatBytes(dataBytes)} of format-1 backups.`);
    const r = await reclaim({
      vault: device.vault,
      device: { id: device.settings.deviceId, name: device.settings.deviceName },
      journal: device.journal,
      identities: deviceIdentities(device),
      authKey: device.secrets.authKey,
      recipients: await recordRecipients(device),
      packRecipients: device.secrets.recipients.map((r) => r.recipient),
      watchDir: device.settings.watchDir,
      // (In a dry run they are still in the vault: reclaim counts them as removed.)
      forgotten: [...removed],
      graceMs,
      silentMs,
      dryRun,
      ...cachesOf(device),
    });
    if (r.packs > 0) {
      const dry = dryRun ? 'Would delete' : 'Deleted';
      console.log(
        `Packs: ${dryRun ? 'after this prune, ' : ''}${r.unusedPacks} of ${r.packs} are used by no backup ` +
          `kept here (${formatBytes(r.unusedBytes)}).`,
      );
      console.log(
        `${dry} ${r.deletedPacks} packs (${formatBytes(r.freedBytes)}` +
          `${r.rescuedPacks ? `; ${r.rescuedPacks} of them once the chunks kept backups still needed were copied into new packs` : ''}).`,
      );
      console.log(
        `${dryRun ? 'Would condemn' : 'Condemned'} ${r.condemnedPacks} packs (${formatBytes(r.condemnedBytes)}` +
          `${r.repackedPacks ? `, ${r.repackedPacks} of them repacked` : ''}); ` +
          `${r.pendingPacks} condemned packs wait to be deleted (${formatBytes(r.pendingBytes)}).`,
      );
      if (r.youngPacks > 0)
        console.log(
          `${r.youngPacks} unused packs are younger than the margin (${values.grace ?? days(DEFAULT_RECLAIM_GRACE_MS)}) and are not condemned yet.`,
        );
    }
    for (const s of r.silent)
      console.log(`Not waiting for ${s.device}: silent since ${s.lastSeen} (see --silent-after).`);
    for (const w of r.waiting) console.log(`Waiting: ${w}`);
    for (const l of r.lost)
      console.log(
        `Lost while this device was away: backup ${l.id} (${l.exportName}) needs chunks of packs the other ` +
          (l.backUpAgain
            ? 'devices reclaimed; it was removed, and `puddleproof backup` stores the export again.'
            : 'devices reclaimed, and its export is not in the watch folder as it was backed up: it is kept, ' +
              'and cannot be repaired here.'),
      );
    return 0;
  },
};

function days(ms: number): string {
  return `${ms / 86_400_000}d`;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration flag (`0s`, `12h`, `7d`) in ms, or undefined when the flag is absent. */
function duration(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d{1,6})([smhd])$/.exec(text);
  if (!m) throw new UsageError(`${flag} takes a whole number with s, m, h or d, e.g. 7d (got "${text}")`);
  return Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1000);
}
