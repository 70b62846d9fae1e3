// Retention: which backups a policy keeps, decided as restic's `forget --keep-*` decides it. Pure, no I/O.
//
// Backups are grouped by chat (the key recognition gave them, never a file name) and each chat is judged on
// its own, newest first; a backup whose chat is not known yet is never removed by a rule. A rule
// `n` keeps the newest backup of each of the last n periods (hours, days, ISO weeks, months, years) that
// have a backup; `last n` keeps the n newest. A backup kept by any rule is kept. Periods are calendar
// periods in a time zone, not distances from now: running the plan again later changes nothing until a
// new backup arrives.
import type { RetentionSettings } from '../../shared/api.js';
import type { BackupMetadata } from './metadata.js';

/** How many backups of each source to keep, per rule; 0 turns a rule off (the window edits the same shape). */
export type RetentionPolicy = RetentionSettings;

/** The rules, finest first (also the order of the reasons in a plan). */
export const RETENTION_RULES = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
type Rule = (typeof RETENTION_RULES)[number];

/**
 * The default policy: at most 10 + 14 + 8 + 12 + 3 = 47 backups per chat, usually far fewer since the
 * rules overlap, however often it is backed up.
 * - last 10: exports are made by hand and often in bursts (re-export after a fix, two phones); the last
 *   ten survive whatever their dates, so a bad export never pushes out the good one right before it.
 * - daily 14, weekly 8: two weeks day by day, then about two months week by week — the window in which
 *   one notices a deleted message or a broken export.
 * - monthly 12, yearly 3: a year month by month, then a backup per calendar year for three years; a chat
 *   export holds the whole history, so older ones matter only for what was deleted since.
 * - hourly 0: a person does not export a chat several times an hour on purpose; `last` covers bursts.
 */
export const DEFAULT_RETENTION: RetentionPolicy = Object.freeze({
  last: 10,
  hourly: 0,
  daily: 14,
  weekly: 8,
  monthly: 12,
  yearly: 3,
});

/** A retention policy that is not one (wrong type, negative or fractional count, unknown field). */
export class RetentionPolicyError extends Error {}

/** Checks an untrusted policy (settings file, flags); returns a clean copy. */
export function validatePolicy(value: unknown): RetentionPolicy {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RetentionPolicyError(
      `retention policy: expected an object with ${RETENTION_RULES.join(', ')}; got ${describe(value)}`,
    );
  }
  const fields = value as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!(RETENTION_RULES as readonly string[]).includes(key)) {
      throw new RetentionPolicyError(
        `retention policy: unknown field "${key}" (the fields are ${RETENTION_RULES.join(', ')})`,
      );
    }
  }
  const policy = {} as RetentionPolicy;
  for (const rule of RETENTION_RULES) {
    const count = fields[rule];
    if (count === undefined) throw new RetentionPolicyError(`retention policy: "${rule}" is missing`);
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
      throw new RetentionPolicyError(
        `retention policy: "${rule}" must be a whole number, 0 or more; got ${describe(count)}`,
      );
    }
    policy[rule] = count;
  }
  return policy;
}

/** What planRetention needs of a backup: its chat's key (null: not identified yet) and title. */
export interface RetentionCandidate {
  id: string;
  createdAt: string;
  chat: string | null;
  title: string;
}

/** A backup as retention sees it. */
export function retentionCandidate(meta: BackupMetadata): RetentionCandidate {
  return {
    id: meta.id,
    createdAt: meta.createdAt,
    chat: meta.chat?.key ?? null,
    title: meta.chat?.summary.title ?? meta.source,
  };
}

/** A backup the plan keeps, and which rules keep it (e.g. "last 10", "daily", "monthly"). */
export interface KeptBackup {
  id: string;
  reasons: string[];
}

/** A backup the plan removes, with the chat it belongs to. */
export interface RemovedBackup {
  id: string;
  chat: string;
  title: string;
  createdAt: string;
}

export interface RetentionPlan {
  keep: KeptBackup[];
  remove: RemovedBackup[];
}

/** The machine's time zone (an IANA name), as Intl sees it (honours TZ). */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * Decides which backups `policy` keeps. Periods are taken in `timeZone` (an IANA name such as
 * 'Europe/Berlin' or 'UTC'; default: the machine's zone). Each chat is judged on its own; its newest
 * backup is always kept; a policy whose counts are all 0 keeps everything; a backup whose chat is not
 * identified, or whose time cannot be read, is kept. Both lists are in the order of `backups`.
 */
export function planRetention(
  backups: readonly RetentionCandidate[],
  policy: RetentionPolicy,
  timeZone: string = localTimeZone(),
): RetentionPlan {
  const counts = validatePolicy(policy);
  const periodsOf = periodKeys(timeZone);
  const keepAll = RETENTION_RULES.every((rule) => counts[rule] === 0);

  const entries = backups.map((backup) => ({
    backup,
    time: Date.parse(backup.createdAt),
    reasons: [] as string[],
  }));
  const groups = new Map<string, typeof entries>();
  for (const entry of entries) {
    const chat = entry.backup.chat;
    if (keepAll) entry.reasons.push('empty policy');
    else if (chat === null) entry.reasons.push('chat not identified yet');
    else if (Number.isNaN(entry.time)) entry.reasons.push('unreadable date');
    else {
      const group = groups.get(chat) ?? [];
      group.push(entry);
      groups.set(chat, group);
    }
  }

  for (const group of groups.values()) {
    // Newest first; equal times in a fixed order (by id) so the plan never depends on input order.
    group.sort((a, b) => b.time - a.time || compare(b.backup.id, a.backup.id));
    const left: Record<Rule, number> = { ...counts };
    const lastPeriod = new Map<Rule, string>();
    group.forEach((entry, index) => {
      const periods = periodsOf(entry.time);
      for (const rule of RETENTION_RULES) {
        if (left[rule] === 0) continue;
        const period = rule === 'last' ? String(index) : periods[rule];
        if (period === lastPeriod.get(rule)) continue; // an older backup of a period already kept
        lastPeriod.set(rule, period);
        left[rule]--;
        entry.reasons.push(rule === 'last' ? `last ${counts.last}` : rule);
      }
    });
    const newest = group[0];
    if (newest && newest.reasons.length === 0) newest.reasons.push('newest');
  }

  const plan: RetentionPlan = { keep: [], remove: [] };
  for (const { backup, reasons } of entries) {
    if (reasons.length > 0) plan.keep.push({ id: backup.id, reasons });
    else
      plan.remove.push({
        id: backup.id,
        chat: backup.chat ?? '',
        title: backup.title,
        createdAt: backup.createdAt,
      });
  }
  return plan;
}

type Periods = Record<Exclude<Rule, 'last'>, string>;

/** A function giving the hour, day, ISO week, month and year of an instant in `timeZone`. */
function periodKeys(timeZone: string): (time: number) => Periods {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      hourCycle: 'h23',
    });
  } catch {
    throw new RangeError(`unknown time zone "${timeZone}" (expected an IANA name such as "Europe/Berlin")`);
  }
  return (time) => {
    const parts: Record<string, string> = {};
    for (const { type, value } of format.formatToParts(time)) parts[type] = value;
    const year = Number(parts.year);
    const month = Number(parts.month);
    const day = Number(parts.day);
    const hour = Number(parts.hour);
    const date = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
    const week = isoWeek(year, month, day);
    return {
      hourly: `${date}T${pad(hour, 2)}`,
      daily: date,
      weekly: `${pad(week.year, 4)}-W${pad(week.week, 2)}`,
      monthly: date.slice(0, 7),
      yearly: date.slice(0, 4),
    };
  };
}

/** The ISO 8601 week of a calendar date: weeks run Monday to Sunday and belong to the year of their Thursday. */
function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  const mondayBased = (date.getUTCDay() + 6) % 7;
  date.setUTCDate(date.getUTCDate() - mondayBased + 3); // the Thursday of that week
  const weekYear = date.getUTCFullYear();
  const january1 = new Date(0);
  january1.setUTCFullYear(weekYear, 0, 1);
  const dayOfYear = Math.round((date.getTime() - january1.getTime()) / 86_400_000);
  return { year: weekYear, week: Math.floor(dayOfYear / 7) + 1 };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}
