// prune: remove old backups by a retention policy (restic's `forget --keep-*`, per source).
import { stat } from 'node:fs/promises';
import { chatLabel } from '../../core/chats/labels.js';
import { packUsage } from '../../core/dedup/pack-usage.js';
import { deviceIdentities, openDevice } from '../../core/device.js';
import { profileHome } from '../../core/profile.js';
import {
  DEFAULT_RETENTION,
  localTimeZone,
  planRetention,
  RETENTION_RULES,
  type RetentionPolicy,
  retentionCandidate,
  validatePolicy,
} from '../../core/vault/retention.js';
import { parse, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { formatBytes } from '../output.js';

const d = DEFAULT_RETENTION;

export const prune: Command = {
  name: 'prune',
  summary: 'remove old backups by a retention policy (see --help)',
  help: `usage: puddleproof prune [--dry-run] [--keep-last N] [--keep-hourly N] [--keep-daily N]
                         [--keep-weekly N] [--keep-monthly N] [--keep-yearly N]

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
removes the leftover later. Format-2 backups share packs of chunks; prune never deletes a pack (another
device's backup may use it before it has synced here) and says how much space unused packs take.`,
  async run(argv, env) {
    const { values, positionals } = parse(argv, {
      'dry-run': { type: 'boolean' },
      'keep-last': { type: 'string' },
      'keep-hourly': { type: 'string' },
      'keep-daily': { type: 'string' },
      'keep-weekly': { type: 'string' },
      'keep-monthly': { type: 'string' },
      'keep-yearly': { type: 'string' },
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
    const kept = backups.filter((b) => !removed.has(b.id));
    // Format-1 backups free their data objects at once; format-2 backups share packs.
    const dataBytes = (
      await Promise.all(
        backups.map(async (b) =>
          removed.has(b.id) && b.format === 1
            ? ((await stat(device.vault.paths.data(b.id)).catch(() => null))?.size ?? 0)
            : 0,
        ),
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
    const usage = await packUsage(device.vault, kept, deviceIdentities(device), device.secrets.authKey);
    if (usage.packs > 0) {
      console.log(
        `Packs: ${dryRun ? 'after this prune, ' : ''}${usage.unusedPacks} of ${usage.packs} ` +
          `${dryRun ? 'would be' : 'are'} used by no backup listed here ` +
          `(${formatBytes(usage.unusedBytes)}); used packs also hold ${formatBytes(usage.unneededInUsedPacks)} ` +
          'that no backup needs. Prune does not delete packs: a backup another device made may use them ' +
          'before it has synced here. That space stays in the cloud folder for now.',
      );
    }
    return 0;
  },
};
