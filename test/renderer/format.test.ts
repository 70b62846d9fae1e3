// How the window shows sizes, rates, counts and times: units switch at 1000, "1 byte" vs "2 bytes",
// "just now" within a minute, countdowns never negative, the local calendar day, and what is said of
// chats: their app, message counts, date ranges, participants and the change since the previous version.
// Numbers and relative times are localized, so expected texts are built with Intl in the same locale.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  capitalized,
  count,
  formatAgo,
  formatBytes,
  formatDate,
  formatDateRange,
  formatDateTime,
  formatMessages,
  formatMessageTime,
  formatParticipants,
  formatRate,
  isoDay,
  messageChange,
  platformName,
  secondsUntil,
  uploadedText,
} from '../../renderer/src/format.js';

const number = (n: number) => new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 }).format(n);
const relative = (value: number, unit: Intl.RelativeTimeFormatUnit) =>
  new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }).format(value, unit);

describe('formatBytes', () => {
  test('below 1000 it counts bytes, with "byte" for exactly one', () => {
    assert.equal(formatBytes(0), '0 bytes');
    assert.equal(formatBytes(1), '1 byte');
    assert.equal(formatBytes(2), '2 bytes');
    assert.equal(formatBytes(999), '999 bytes');
  });

  test('decimal units switch at 1000, with at most one decimal', () => {
    assert.equal(formatBytes(1000), `${number(1)} KB`);
    assert.equal(formatBytes(1500), `${number(1.5)} KB`);
    assert.equal(formatBytes(1024), `${number(1)} KB`, '1.024 shows one decimal at most');
    assert.equal(formatBytes(999_000), `${number(999)} KB`);
    assert.equal(formatBytes(1_000_000), `${number(1)} MB`);
    assert.equal(formatBytes(1_234_567), `${number(1.2)} MB`);
    assert.equal(formatBytes(3 * 1024 * 1024 + 17), `${number(3.1)} MB`);
    assert.equal(formatBytes(2_500_000_000), `${number(2.5)} GB`);
    assert.equal(formatBytes(1e12), `${number(1)} TB`);
  });

  test('terabytes are the largest unit', () => {
    assert.equal(formatBytes(5e15), `${number(5000)} TB`);
  });

  test('a size that rounds up to 1000 of a unit is shown in the next unit', () => {
    // 999 999 bytes is 999.999 KB, which one decimal rounds to "1,000 KB" while 1 000 000 is "1 MB".
    assert.equal(formatBytes(999_999), `${number(1)} MB`);
    assert.equal(formatBytes(999_960_000), `${number(1)} GB`);
  });
});

describe('formatRate', () => {
  test('is a size per second', () => {
    assert.equal(formatRate(0), '0 bytes/s');
    assert.equal(formatRate(1), '1 byte/s');
    assert.equal(formatRate(12_500_000), `${number(12.5)} MB/s`);
  });

  test('a slow rate below 1000 bytes/s is shown in whole bytes', () => {
    // The engine's rate is doneBytes / seconds (src/core/watch/reconciler.ts), so it is rarely whole:
    // 300 bytes after 0.7 s.
    const rate = 300 / 0.7;
    assert.equal(formatRate(rate), '429 bytes/s');
  });
});

describe('count', () => {
  test('singular for exactly one, plural otherwise', () => {
    assert.equal(count(0, 'file'), '0 files');
    assert.equal(count(1, 'file'), '1 file');
    assert.equal(count(2, 'version'), '2 versions');
  });

  test('takes an irregular plural', () => {
    assert.equal(count(1, 'copy', 'copies'), '1 copy');
    assert.equal(count(3, 'copy', 'copies'), '3 copies');
  });

  test('large numbers are grouped in the locale', () => {
    assert.equal(count(12_345, 'file'), `${(12_345).toLocaleString()} files`);
  });
});

describe('formatAgo', () => {
  const now = Date.UTC(2026, 10, 26, 12, 0, 0);
  const ago = (seconds: number) => formatAgo(new Date(now - seconds * 1000).toISOString(), now);

  test('within a minute either way it is "just now"', () => {
    assert.equal(ago(0), 'just now');
    assert.equal(ago(59), 'just now');
    assert.equal(ago(-59), 'just now', 'another process’s clock may be slightly ahead');
  });

  test('from a minute on it names the largest fitting unit', () => {
    assert.equal(ago(60), relative(-1, 'minute'));
    assert.equal(ago(5 * 60), relative(-5, 'minute'));
    assert.equal(ago(2 * 3600), relative(-2, 'hour'));
    assert.equal(ago(24 * 3600), relative(-1, 'day'));
    assert.equal(ago(3 * 86_400), relative(-3, 'day'));
    assert.equal(ago(60 * 86_400), relative(-2, 'month'));
    assert.equal(ago(400 * 86_400), relative(-1, 'year'));
    assert.equal(ago(-2 * 60), relative(2, 'minute'));
  });

  test('rounds within a unit', () => {
    assert.equal(ago(5 * 60 + 40), relative(-6, 'minute'));
    assert.equal(ago(5 * 3600 + 10 * 60), relative(-5, 'hour'));
  });

  test('just under the next unit reads as one of the next unit, not 60 of this one', () => {
    assert.equal(ago(3599), relative(-1, 'hour'), '59.98 minutes');
    assert.equal(ago(86_399), relative(-1, 'day'), '23.99 hours');
  });

  test('compares with the current time by default', () => {
    assert.equal(formatAgo(new Date().toISOString()), 'just now');
    assert.equal(formatAgo(new Date(Date.now() - 3 * 3600 * 1000).toISOString()), relative(-3, 'hour'));
  });
});

describe('secondsUntil', () => {
  test('whole seconds, rounded up', () => {
    assert.equal(secondsUntil(5000, 0), 5);
    assert.equal(secondsUntil(5001, 0), 6);
    assert.equal(secondsUntil(4001, 0), 5);
    assert.equal(secondsUntil(1, 0), 1);
  });

  test('never negative once the moment has passed', () => {
    assert.equal(secondsUntil(1000, 1000), 0);
    assert.equal(secondsUntil(0, 5000), 0);
  });
});

describe('isoDay', () => {
  test('the local calendar date, zero-padded', () => {
    assert.equal(isoDay(new Date(2026, 0, 5, 23, 59, 59)), '2026-01-05');
    assert.equal(isoDay(new Date(2026, 11, 31, 0, 0, 0)), '2026-12-31');
    assert.equal(isoDay(new Date(2026, 10, 26, 12)), '2026-11-26');
  });
});

describe('formatDate and formatDateTime', () => {
  const morning = new Date(2026, 10, 26, 9, 15).toISOString();
  const minuteLater = new Date(2026, 10, 26, 9, 16).toISOString();
  const nextDay = new Date(2026, 10, 27, 9, 15).toISOString();

  test('the date names the day, not the time', () => {
    assert.match(formatDate(morning), /2026/);
    assert.equal(formatDate(morning), formatDate(minuteLater));
    assert.notEqual(formatDate(morning), formatDate(nextDay));
  });

  test('the date and time also tells minutes apart', () => {
    assert.match(formatDateTime(morning), /2026/);
    assert.notEqual(formatDateTime(morning), formatDateTime(minuteLater));
    assert.notEqual(formatDateTime(morning), formatDate(morning));
  });
});

describe('chats', () => {
  const medium = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
  const mediumTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

  test('the app, in words; null is a chat not identified yet', () => {
    assert.equal(platformName('whatsapp'), 'WhatsApp');
    assert.equal(platformName('telegram'), 'Telegram');
    assert.equal(platformName('discord'), 'Discord');
    assert.equal(platformName('other'), 'Other files');
    assert.equal(platformName(null), 'Not identified yet');
  });

  test('message counts are grouped in the locale, "1 message" for one', () => {
    assert.equal(formatMessages(0), '0 messages');
    assert.equal(formatMessages(1), '1 message');
    assert.equal(formatMessages(1_234_567), `${(1_234_567).toLocaleString()} messages`);
  });

  test('a date range from the first to the last message, one date for one day', () => {
    const first = '2021-03-12T08:15:00.000Z';
    const last = '2026-12-04T19:00:00.000Z';
    const range = formatDateRange(first, last);
    assert.equal(range, medium.formatRange(new Date(first), new Date(last)));
    assert.match(range ?? '', /2021.*2026/);
    assert.equal(formatDateRange(first, first), medium.format(new Date(first)));
    assert.equal(formatDateRange(last, first), range, 'reversed times still read from early to late');
    assert.equal(formatDateRange(null, last), medium.format(new Date(last)));
    assert.equal(formatDateRange(null, null), null);
    assert.equal(formatDateRange('not a time', null), null);
  });

  test('WhatsApp times without a zone are shown as the phone wrote them (local time)', () => {
    const local = '2022-12-31T11:40:26';
    assert.equal(formatMessageTime(local), mediumTime.format(new Date(2022, 11, 31, 11, 40, 26)));
    assert.equal(
      formatDateRange(local, '2023-01-01T00:05:00'),
      medium.formatRange(new Date(2022, 11, 31, 11, 40), new Date(2023, 0, 1, 0, 5)),
    );
    assert.equal(formatMessageTime('yesterday-ish'), 'yesterday-ish', 'not a time: shown as written');
  });

  test('participants: a few names, then how many more', () => {
    assert.equal(formatParticipants([]), '');
    assert.equal(formatParticipants(['Alice']), 'Alice');
    assert.equal(formatParticipants(['Alice', 'Bob', 'Carol']), 'Alice, Bob, Carol');
    assert.equal(formatParticipants(['Alice', 'Bob', 'Carol', 'Dan', 'Eve']), 'Alice, Bob, Carol +2 more');
    assert.equal(formatParticipants(['Alice', 'Bob', 'Carol'], 1), 'Alice +2 more');
  });

  test('the change since the previous version: more, the same, or fewer (a trimmed export?)', () => {
    assert.equal(messageChange(null), null, 'the first version has nothing to compare with');
    assert.deepEqual(messageChange(312), { tone: 'more', text: '+312 messages since the previous version' });
    assert.deepEqual(messageChange(1), { tone: 'more', text: '+1 message since the previous version' });
    assert.deepEqual(messageChange(0), { tone: 'same', text: 'No new messages since the previous version' });
    assert.deepEqual(messageChange(-18), {
      tone: 'fewer',
      text: '18 fewer messages than before — was the export trimmed?',
    });
    assert.equal(messageChange(-1)?.text, '1 fewer message than before — was the export trimmed?');
    assert.equal(
      messageChange(12_345)?.text,
      `+${(12_345).toLocaleString()} messages since the previous version`,
    );
  });
});

describe('uploadedText', () => {
  test('a deduplicated backup: what it uploaded of the export’s size', () => {
    assert.equal(uploadedText(2, 1_200_000, 150_000_000), `uploaded ${number(1.2)} MB of ${number(150)} MB`);
    assert.equal(uploadedText(2, 0, 1), 'uploaded 0 bytes of 1 byte');
  });

  test('it can begin a line', () => {
    assert.equal(capitalized(uploadedText(2, 0, 0)), 'Uploaded 0 bytes of 0 bytes');
    assert.equal(capitalized(''), '');
  });

  test('a format-1 backup uploaded its whole archive, and says so', () => {
    assert.equal(
      uploadedText(1, 150_300_000, 150_000_000),
      `uploaded ${number(150.3)} MB of ${number(150)} MB (whole archive)`,
    );
  });
});
