// prune: remove old backups by a retention policy (restic's `forget --keep-*`, per source).
import { chatLabel } from '../../core/chats/labels.js';
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
Backups this device cannot read are never removed. A backup's commit record goes first, then its data;
if prune is interrupted in between, \`puddleproof gc\` removes the leftover data later.`,
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
    if (dryRun) {
      console.log(`Dry run: would remove ${n} of ${backups.length} backups; nothing was removed.`);
      return 0;
    }
    await device.vault.forget(plan.remove.map((r) => r.id));
    console.log(`Removed ${n} backups, kept ${plan.keep.length + problems.length}.`);
    return 0;
  },
};
