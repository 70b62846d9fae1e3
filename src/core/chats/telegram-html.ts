// Telegram Desktop's HTML export: messages.html, messages2.html … (1000 messages each), the chat's name in
// the page header, each message a `<div class="message default clearfix [joined]" id="messageN">` with
// its time in the title of `date details` ("31.12.2022 11:40:26 UTC+01:00"), `from_name` (left out in a
// "joined" follow-up of the same sender) and `text`. Pages are read one at a time.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SummaryBuilder } from './summary.js';

/** The page files of an HTML export, in order: messages.html, messages2.html, … */
export function htmlPages(names: readonly string[]): string[] {
  const numbered = names
    .map((name) => ({ name, m: /^messages(\d*)\.html$/.exec(name) }))
    .filter((e) => e.m)
    .map((e) => ({ name: e.name, n: e.m?.[1] ? Number(e.m[1]) : 1 }));
  return numbered.sort((a, b) => a.n - b.n).map((e) => e.name);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Text of an HTML fragment: tags dropped, <br> as a new line, entities decoded, spaces trimmed. */
function textOf(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, e: string) => {
      if (e[0] === '#') {
        const code = e[1]?.toLowerCase() === 'x' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
        return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
      return ENTITIES[e.toLowerCase()] ?? whole;
    })
    .replace(/[ \t]*\n[ \t]*/g, '\n')
    .trim();
}

/** "31.12.2022 11:40:26 UTC+01:00" → an ISO 8601 instant (a local time when there is no zone). */
function timeOf(title: string): string | null {
  const m = /^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2}):(\d{2})(?: UTC([+-]\d{2}):?(\d{2}))?/.exec(
    title.trim(),
  );
  if (!m) return null;
  const local = `${m[3]}-${m[2]}-${m[1]}T${m[4]}:${m[5]}:${m[6]}`;
  if (!m[7]) return local;
  const instant = Date.parse(`${local}${m[7]}:${m[8]}`);
  return Number.isNaN(instant) ? local : new Date(instant).toISOString().replace('.000Z', 'Z');
}

const MESSAGE = /<div class="message default clearfix( joined)?" id="message(-?\d+)">/g;

/** Reads the pages of an HTML export in `dir` into `builder`; returns the chat's name (null: not one). */
export async function readTelegramHtml(
  dir: string,
  pages: readonly string[],
  builder: SummaryBuilder,
): Promise<string | null> {
  let title: string | null = null;
  let sender = '';
  for (const page of pages) {
    const html = await readFile(join(dir, page), 'utf8');
    if (title === null) {
      const header = /<div class="page_header">[\s\S]*?<div class="text bold">([\s\S]*?)<\/div>/.exec(html);
      if (!header) return null;
      title = textOf(header[1] ?? '');
    }
    const starts = [...html.matchAll(MESSAGE)];
    starts.forEach((m, i) => {
      const body = html.slice((m.index ?? 0) + m[0].length, starts[i + 1]?.index ?? html.length);
      const date = /<div class="pull_right date details" title="([^"]+)"/.exec(body);
      const time = date ? timeOf(date[1] ?? '') : null;
      if (time === null) return;
      const from = /<div class="from_name">([\s\S]*?)<\/div>/.exec(body);
      if (from) sender = textOf(from[1] ?? '').replace(/\s+\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}$/, '');
      else if (!m[1]) sender = '';
      const text = /<div class="text">([\s\S]*?)<\/div>/.exec(body);
      builder.message(sender, time, textOf(text?.[1] ?? ''), `${m[2]}\n${time}`);
    });
  }
  return title;
}
