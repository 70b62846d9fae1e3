// Retention planning (restic's `forget --keep-*` rules) on generated histories with fixed dates.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_RETENTION,
  planRetention,
  type RetentionCandidate,
  type RetentionPolicy,
  RetentionPolicyError,
  validatePolicy,
} from '../../../src/core/vault/retention.js';

const DAY = 86_400_000;
const NONE: RetentionPolicy = { last: 0, hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 };

/** A fake clock: backups at fixed instants, ids that sort like their times. */
function backupAt(iso: string, source = 'WhatsApp Chat - Alice', n = 0): RetentionCandidate {
  const stamp = iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return { id: `${stamp}-${String(n).padStart(12, 'a')}`, chat: source, title: source, createdAt: iso };
}

/** One backup a day at 09:00 UTC for `days` days from `start` (YYYY-MM-DD). */
function daily(start: string, days: number, source?: string): RetentionCandidate[] {
  const t0 = Date.parse(`${start}T09:00:00.000Z`);
  return Array.from({ length: days }, (_, i) => backupAt(new Date(t0 + i * DAY).toISOString(), source, i));
}

function keptIds(plan: ReturnType<typeof planRetention>): Set<string> {
  return new Set(plan.keep.map((k) => k.id));
}

/** UTC date of a backup, YYYY-MM-DD. */
function dateOf(b: RetentionCandidate): string {
  return b.createdAt.slice(0, 10);
}

/**
 * The rules written as set definitions, independently of the implementation: per rule, the newest backup
 * of each period, the n newest periods. Weeks are counted from Monday 1970-01-05, so a week index is an
 * ISO week without any week-number arithmetic.
 */
function expectedUtc(backups: RetentionCandidate[], policy: RetentionPolicy): Map<string, string[]> {
  const keys: Record<keyof RetentionPolicy, (d: Date) => string> = {
    last: (d) => d.toISOString(),
    hourly: (d) => d.toISOString().slice(0, 13),
    daily: (d) => d.toISOString().slice(0, 10),
    weekly: (d) => String(Math.floor((Math.floor(d.getTime() / DAY) - 4) / 7)),
    monthly: (d) => d.toISOString().slice(0, 7),
    yearly: (d) => String(d.getUTCFullYear()),
  };
  const reasons = new Map<string, string[]>();
  for (const rule of ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const) {
    const newestOfPeriod = new Map<string, RetentionCandidate>();
    for (const b of backups) {
      const key = rule === 'last' ? b.id : keys[rule](new Date(b.createdAt));
      const seen = newestOfPeriod.get(key);
      if (!seen || seen.createdAt < b.createdAt) newestOfPeriod.set(key, b);
    }
    const chosen = [...newestOfPeriod.values()]
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, policy[rule]);
    for (const b of chosen) {
      const list = reasons.get(b.id) ?? [];
      list.push(rule === 'last' ? `last ${policy.last}` : rule);
      reasons.set(b.id, list);
    }
  }
  return reasons;
}

describe('planRetention', () => {
  test('a year of daily backups under the default policy keeps exactly the expected 29', () => {
    const year = daily('2025-03-10', 365); // Monday 2025-03-10 … Monday 2026-03-09
    const plan = planRetention(year, DEFAULT_RETENTION, 'UTC');

    // Worked out by hand from the rule definitions (newest first):
    // last 10 → 02-28 … 03-09; daily 14 → 02-24 … 03-09; weekly 8 → the Sundays 01-25 … 03-08 and
    // Monday 03-09 (its week is not over); monthly 12 → 03-09 and the last day of each month back to
    // 2025-04-30; yearly 3 → 2026-03-09 and 2025-12-31 (only two years have backups).
    const expected: Record<string, string[]> = {
      '2025-04-30': ['monthly'],
      '2025-05-31': ['monthly'],
      '2025-06-30': ['monthly'],
      '2025-07-31': ['monthly'],
      '2025-08-31': ['monthly'],
      '2025-09-30': ['monthly'],
      '2025-10-31': ['monthly'],
      '2025-11-30': ['monthly'],
      '2025-12-31': ['monthly', 'yearly'],
      '2026-01-25': ['weekly'],
      '2026-01-31': ['monthly'],
      '2026-02-01': ['weekly'],
      '2026-02-08': ['weekly'],
      '2026-02-15': ['weekly'],
      '2026-02-22': ['weekly'],
      '2026-02-24': ['daily'],
      '2026-02-25': ['daily'],
      '2026-02-26': ['daily'],
      '2026-02-27': ['daily'],
      '2026-02-28': ['last 10', 'daily', 'monthly'],
      '2026-03-01': ['last 10', 'daily', 'weekly'],
      '2026-03-02': ['last 10', 'daily'],
      '2026-03-03': ['last 10', 'daily'],
      '2026-03-04': ['last 10', 'daily'],
      '2026-03-05': ['last 10', 'daily'],
      '2026-03-06': ['last 10', 'daily'],
      '2026-03-07': ['last 10', 'daily'],
      '2026-03-08': ['last 10', 'daily', 'weekly'],
      '2026-03-09': ['last 10', 'daily', 'weekly', 'monthly', 'yearly'],
    };
    const byId = new Map(year.map((b) => [b.id, b]));
    const got = Object.fromEntries(
      plan.keep.map((k) => [dateOf(byId.get(k.id) as RetentionCandidate), k.reasons]),
    );
    assert.deepEqual(got, expected);

    // The same from the set definitions, computed independently.
    const reference = expectedUtc(year, DEFAULT_RETENTION);
    assert.deepEqual(new Map(plan.keep.map((k) => [k.id, k.reasons])), reference);

    // Everything else is removed, each exactly once, with its source and time.
    assert.equal(plan.keep.length + plan.remove.length, 365);
    assert.equal(plan.remove.length, 365 - 29);
    for (const r of plan.remove) {
      assert.ok(!reference.has(r.id), r.id);
      assert.deepEqual(r, byId.get(r.id));
    }
  });

  test('the plan does not depend on the order of the input', () => {
    const year = daily('2025-03-10', 365);
    const shuffled = [...year].sort((a, b) => (a.id.slice(-3) < b.id.slice(-3) ? -1 : 1)).reverse();
    assert.deepEqual(
      keptIds(planRetention(shuffled, DEFAULT_RETENTION, 'UTC')),
      keptIds(planRetention(year, DEFAULT_RETENTION, 'UTC')),
    );
  });

  test('several backups a day: only the newest of each day counts for daily', () => {
    const backups: RetentionCandidate[] = [];
    for (const day of ['2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05']) {
      for (const time of ['08:00', '12:30', '20:15']) backups.push(backupAt(`${day}T${time}:00.000Z`));
    }
    const plan = planRetention(backups, { ...NONE, daily: 3 }, 'UTC');
    const kept = plan.keep.map((k) => backups.find((b) => b.id === k.id)?.createdAt);
    assert.deepEqual(kept, [
      '2026-05-03T20:15:00.000Z',
      '2026-05-04T20:15:00.000Z',
      '2026-05-05T20:15:00.000Z',
    ]);
    assert.equal(plan.remove.length, 12);
    assert.deepEqual(keptIds(plan), new Set(expectedUtc(backups, { ...NONE, daily: 3 }).keys()));

    // hourly counts hours, not days; last counts backups.
    const hourly = planRetention(backups, { ...NONE, hourly: 4 }, 'UTC');
    assert.deepEqual(
      hourly.keep.map((k) => backups.find((b) => b.id === k.id)?.createdAt),
      [
        '2026-05-04T20:15:00.000Z',
        '2026-05-05T08:00:00.000Z',
        '2026-05-05T12:30:00.000Z',
        '2026-05-05T20:15:00.000Z',
      ],
    );
  });

  test('a period without backups does not count', () => {
    // Backups on three days spread over two months: daily 2 keeps the two newest days, however far apart.
    const backups = ['2026-01-03', '2026-01-20', '2026-02-27'].map((d) => backupAt(`${d}T10:00:00.000Z`));
    const plan = planRetention(backups, { ...NONE, daily: 2 }, 'UTC');
    assert.deepEqual(
      plan.keep.map((k) => k.id),
      [backups[1]?.id, backups[2]?.id],
    );
  });

  test('two sources are judged independently', () => {
    const alice = daily('2026-01-01', 30, 'WhatsApp Chat - Alice');
    const bob = daily('2026-01-01', 30, 'ChatExport').map((b, i) => ({
      ...b,
      id: b.id.replace(/a+\d+$/, `b${String(i).padStart(11, 'b')}`),
    }));
    const policy = { ...NONE, last: 3 };
    const plan = planRetention([...alice, ...bob], policy, 'UTC');
    const kept = keptIds(plan);
    assert.equal(kept.size, 6);
    for (const b of [...alice.slice(-3), ...bob.slice(-3)]) assert.ok(kept.has(b.id), b.id);
    // A source backed up once long ago keeps that backup even when another source has many newer ones.
    const old = backupAt('2020-06-01T12:00:00.000Z', 'Telegram Chat - Carol');
    const withOld = planRetention([old, ...alice], { ...NONE, daily: 7 }, 'UTC');
    assert.ok(keptIds(withOld).has(old.id));
  });

  test('keep-last alone keeps the n newest backups', () => {
    const backups = daily('2026-04-01', 9);
    const plan = planRetention(backups, { ...NONE, last: 4 }, 'UTC');
    assert.deepEqual(
      plan.keep.map((k) => k.id),
      backups.slice(-4).map((b) => b.id),
    );
    for (const k of plan.keep) assert.deepEqual(k.reasons, ['last 4']);
    assert.deepEqual(
      plan.remove.map((r) => r.id),
      backups.slice(0, 5).map((b) => b.id),
    );
    // Fewer backups than n: all kept.
    assert.equal(planRetention(backups, { ...NONE, last: 20 }, 'UTC').remove.length, 0);
  });

  test('a policy with nothing set keeps everything', () => {
    const backups = daily('2025-01-01', 100);
    const plan = planRetention(backups, NONE, 'UTC');
    assert.equal(plan.remove.length, 0);
    assert.equal(plan.keep.length, 100);
  });

  test('the newest backup of each source is always kept', () => {
    // yearly 1 with two backups in one year keeps the newest; a lone backup of another source stays too.
    const backups = [
      backupAt('2026-02-01T10:00:00.000Z', 'A'),
      backupAt('2026-07-01T10:00:00.000Z', 'A', 1),
      backupAt('2019-03-01T10:00:00.000Z', 'B', 2),
    ];
    for (const rule of ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const) {
      const plan = planRetention(backups, { ...NONE, [rule]: 1 }, 'UTC');
      assert.deepEqual(keptIds(plan), new Set([backups[1]?.id, backups[2]?.id]), rule);
    }
    // Equal times: a fixed choice by id, whatever the input order.
    const twins = [
      backupAt('2026-02-01T10:00:00.000Z', 'A', 1),
      backupAt('2026-02-01T10:00:00.000Z', 'A', 2),
    ];
    const a = planRetention(twins, { ...NONE, daily: 1 }, 'UTC');
    const b = planRetention([...twins].reverse(), { ...NONE, daily: 1 }, 'UTC');
    assert.deepEqual(keptIds(a), keptIds(b));
    assert.equal(a.keep.length, 1);
  });

  test('a backup whose time cannot be read is kept', () => {
    const backups = [
      ...daily('2026-01-01', 5),
      { id: 'x', chat: 'WhatsApp Chat - Alice', title: 'WhatsApp Chat - Alice', createdAt: 'soon' },
    ];
    const plan = planRetention(backups, { ...NONE, last: 1 }, 'UTC');
    assert.deepEqual(plan.keep.find((k) => k.id === 'x')?.reasons, ['unreadable date']);
    assert.equal(plan.remove.length, 4);
  });

  test('periods are taken in the given time zone: local dates around midnight', () => {
    // 04:30Z is 23:30 on Jan 14 in New York (EST, UTC-5); 05:30Z is 00:30 on Jan 15.
    const backups = [
      backupAt('2026-01-15T04:30:00.000Z'),
      backupAt('2026-01-15T05:30:00.000Z', undefined, 1),
    ];
    const policy = { ...NONE, daily: 2 };
    assert.equal(planRetention(backups, policy, 'America/New_York').keep.length, 2);
    assert.equal(planRetention(backups, policy, 'UTC').keep.length, 1);
    // East of UTC the other way round: 14:00Z and 16:00Z on Jan 14 are 23:00 on Jan 14 and 01:00 on
    // Jan 15 in Tokyo (UTC+9).
    const tokyo = [backupAt('2026-01-14T14:00:00.000Z'), backupAt('2026-01-14T16:00:00.000Z', undefined, 1)];
    assert.equal(planRetention(tokyo, policy, 'Asia/Tokyo').keep.length, 2);
    assert.equal(planRetention(tokyo, policy, 'UTC').keep.length, 1);
  });

  test('weeks are ISO weeks (Monday to Sunday) in the given time zone, across year ends', () => {
    // Sunday 2026-01-18 22:00 in New York is Monday 03:00 UTC: the week ends there, not in UTC.
    const sundayNight = backupAt('2026-01-19T03:00:00.000Z');
    const monday = backupAt('2026-01-19T15:00:00.000Z', undefined, 1);
    const weekly = { ...NONE, weekly: 2 };
    assert.equal(planRetention([sundayNight, monday], weekly, 'America/New_York').keep.length, 2);
    assert.equal(planRetention([sundayNight, monday], weekly, 'UTC').keep.length, 1);
    // 2025-12-28 is in week 52 of 2025; Monday 2025-12-29 starts week 1 of 2026 (with 2026-01-01).
    const yearEnd = ['2025-12-28', '2025-12-29', '2026-01-01'].map((d, i) =>
      backupAt(`${d}T12:00:00.000Z`, undefined, i),
    );
    assert.deepEqual(
      planRetention(yearEnd, { ...NONE, weekly: 5 }, 'UTC').keep.map((k) => k.id),
      [yearEnd[0]?.id, yearEnd[2]?.id],
    );
    // 2026 has 53 ISO weeks: Monday 2026-12-28 to Sunday 2027-01-03 is week 53; 2027-01-04 starts week 1.
    const week53 = ['2026-12-28', '2027-01-03', '2027-01-04'].map((d, i) =>
      backupAt(`${d}T12:00:00.000Z`, undefined, i),
    );
    assert.deepEqual(
      planRetention(week53, { ...NONE, weekly: 3 }, 'UTC').keep.map((k) => k.id),
      [week53[1]?.id, week53[2]?.id],
    );
  });

  test('months and years follow the local calendar too', () => {
    // 2026-01-01T03:00Z is still New Year's Eve 2025 in New York.
    const backups = [
      backupAt('2025-12-31T12:00:00.000Z'),
      backupAt('2026-01-01T03:00:00.000Z', undefined, 1),
    ];
    assert.equal(planRetention(backups, { ...NONE, yearly: 5 }, 'America/New_York').keep.length, 1);
    assert.equal(planRetention(backups, { ...NONE, yearly: 5 }, 'UTC').keep.length, 2);
    assert.equal(planRetention(backups, { ...NONE, monthly: 5 }, 'America/New_York').keep.length, 1);
    assert.equal(planRetention(backups, { ...NONE, monthly: 5 }, 'UTC').keep.length, 2);
  });

  test('an unknown time zone is a clear error; the default is the machine zone', () => {
    assert.throws(() => planRetention([], DEFAULT_RETENTION, 'Mars/Olympus_Mons'), /unknown time zone/);
    assert.deepEqual(planRetention(daily('2026-01-01', 3), { ...NONE, last: 1 }).keep.length, 1);
  });

  test('an invalid policy is refused before planning', () => {
    assert.throws(() => planRetention([], { ...DEFAULT_RETENTION, daily: -1 }, 'UTC'), RetentionPolicyError);
  });
});

describe('validatePolicy', () => {
  test('accepts whole numbers of 0 or more and returns a clean copy', () => {
    const input = { ...DEFAULT_RETENTION };
    const policy = validatePolicy(input);
    assert.deepEqual(policy, DEFAULT_RETENTION);
    assert.notEqual(policy, input);
    assert.deepEqual(validatePolicy(NONE), NONE);
  });

  test('the defaults are those documented', () => {
    assert.deepEqual(DEFAULT_RETENTION, {
      last: 10,
      hourly: 0,
      daily: 14,
      weekly: 8,
      monthly: 12,
      yearly: 3,
    });
  });

  test('errors name the field', () => {
    const bad: [unknown, RegExp][] = [
      [{ ...DEFAULT_RETENTION, daily: -1 }, /"daily" must be a whole number, 0 or more; got -1/],
      [{ ...DEFAULT_RETENTION, weekly: 1.5 }, /"weekly" must be a whole number.*got 1\.5/],
      [{ ...DEFAULT_RETENTION, monthly: '12' }, /"monthly" must be a whole number.*got "12"/],
      [{ ...DEFAULT_RETENTION, yearly: Number.NaN }, /"yearly" must be a whole number.*got NaN/],
      [{ ...DEFAULT_RETENTION, hourly: Number.POSITIVE_INFINITY }, /"hourly" must be a whole number/],
      [{ ...DEFAULT_RETENTION, last: null }, /"last" must be a whole number.*got null/],
      [{ last: 1, hourly: 0, daily: 0, weekly: 0, monthly: 0 }, /"yearly" is missing/],
      [{ ...DEFAULT_RETENTION, dayly: 3 }, /unknown field "dayly"/],
      [null, /expected an object with last, hourly, daily, weekly, monthly, yearly; got null/],
      [[1, 2], /expected an object.*got an array/],
      [7, /expected an object.*got 7/],
    ];
    for (const [value, message] of bad) {
      assert.throws(
        () => validatePolicy(value),
        (err: unknown) => {
          assert.ok(err instanceof RetentionPolicyError);
          assert.match(err.message, message);
          return true;
        },
      );
    }
  });
});

describe('never at a chat’s expense', () => {
  test('twelve chats exported on one day are twelve chats: each one’s only backup stays', () => {
    const day = Array.from({ length: 12 }, (_, i) => ({
      ...backupAt(`2026-11-26T10:${String(i).padStart(2, '0')}:00.000Z`, `telegram-chat-${i}`, i),
      title: i < 6 ? 'ChatExport' : `ChatExport (${i})`,
    }));
    const plan = planRetention(day, { ...NONE, daily: 1, last: 1 }, 'UTC');
    assert.equal(plan.remove.length, 0);
    assert.equal(plan.keep.length, 12);
  });

  test('a backup whose chat is not identified yet is never removed by a rule', () => {
    const identified = daily('2026-01-01', 5);
    const legacy = daily('2026-01-01', 5).map((b, i) => ({ ...b, id: `${b.id}-legacy${i}`, chat: null }));
    const plan = planRetention([...identified, ...legacy], { ...NONE, last: 1 }, 'UTC');
    assert.deepEqual(
      plan.remove.map((r) => r.id).sort(),
      identified
        .slice(0, 4)
        .map((b) => b.id)
        .sort(),
    );
    for (const b of legacy) {
      assert.deepEqual(plan.keep.find((k) => k.id === b.id)?.reasons, ['chat not identified yet']);
    }
  });

  test('removals name their chat and its title', () => {
    const plan = planRetention(daily('2026-01-01', 3, 'chat-key'), { ...NONE, last: 1 }, 'UTC');
    assert.deepEqual(
      plan.remove.map((r) => [r.chat, r.title]),
      [
        ['chat-key', 'chat-key'],
        ['chat-key', 'chat-key'],
      ],
    );
  });
});
