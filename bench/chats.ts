// Summarising exports reads only their text: a 100,000-message WhatsApp chat (target < 1 s) and a 500 MB
// Telegram result.json (target: < 100 MB of memory above the process's baseline), each recognised in a
// process of its own (bench/chats-child.ts).
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeChat, writeWhatsAppAndroid } from '../test/helpers/chat-exports/index.js';
import type { SectionResult } from './run.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const MB = 1e6;
const ROUNDS = 3;

interface ChildResult {
  ms: number;
  baselineRss: number;
  peakRss: number;
  messages: number;
  platform: string;
}

async function recogniseInChild(path: string): Promise<ChildResult> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', join(root, 'bench', 'chats-child.ts'), path],
    {
      cwd: root,
      maxBuffer: 1024 * 1024,
    },
  );
  return JSON.parse(stdout) as ChildResult;
}

/** A Telegram result.json of about `bytes`, written as a stream (one message per write). */
async function writeBigTelegramJson(dir: string, bytes: number): Promise<{ path: string; messages: number }> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'result.json');
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('{\n "name": "Big group",\n "type": "private_supergroup",\n "id": 1234567890,\n "messages": [');
  let written = 0;
  let messages = 0;
  const start = Date.UTC(2018, 0, 1) / 1000;
  while (written < bytes) {
    const id = messages + 1;
    const m = {
      id,
      type: id % 50 === 0 ? 'service' : 'message',
      date: new Date((start + id * 60) * 1000).toISOString().slice(0, 19),
      date_unixtime: String(start + id * 60),
      from: `Member ${id % 37}`,
      from_id: `user${1000 + (id % 37)}`,
      text:
        id % 7 === 0
          ? ['Look at ', { type: 'link', text: 'https://example.org/' }, ' please']
          : `Message number ${id}: ${'lorem ipsum dolor sit amet '.repeat(1 + (id % 9))}`,
    };
    const text = `${messages === 0 ? '' : ','}\n  ${JSON.stringify(m)}`;
    await write(text);
    written += Buffer.byteLength(text);
    messages++;
  }
  await write('\n ]\n}\n');
  out.end();
  await once(out, 'finish');
  return { path: dir, messages };
}

export async function chats(): Promise<SectionResult> {
  const dir = await mkdtemp(join(tmpdir(), 'puddleproof-bench-chats-'));
  try {
    const chat = makeChat({
      title: 'Big family',
      participants: ['Ana', 'Ben', 'Carla', 'Dev', 'Eli'],
      count: 100_000,
      start: new Date('2019-01-01T08:00:00Z'),
      seed: 1,
      mediaEvery: 0,
      systemEvery: 200,
    });
    const txt = await writeWhatsAppAndroid(dir, chat, {
      zip: false,
      locale: 'en',
      clock: '24h',
      dateOrder: 'dmy',
    });
    const txtBytes = (await stat(txt)).size;
    const wa: ChildResult[] = [];
    for (let i = 0; i < ROUNDS; i++) wa.push(await recogniseInChild(txt));
    const waBest = Math.min(...wa.map((r) => r.ms));
    if (wa[0]?.messages !== 100_000) throw new Error(`the WhatsApp chat read as ${wa[0]?.messages} messages`);

    process.stderr.write('  writing a 500 MB result.json…\n');
    const tg = await writeBigTelegramJson(join(dir, 'ChatExport_2026-12-05'), 500 * MB);
    const tgBytes = (await stat(join(tg.path, 'result.json'))).size;
    const t = await recogniseInChild(tg.path);
    const above = t.peakRss - t.baselineRss;
    return {
      values: {
        whatsappMs: waBest,
        whatsappBytes: txtBytes,
        telegramMs: t.ms,
        telegramBytes: tgBytes,
        telegramRssAboveBaseline: above,
        telegramMessages: t.messages,
      },
      rows: [
        [
          'WhatsApp, 100,000 messages',
          `${(waBest / 1000).toFixed(2)} s`,
          `${(txtBytes / MB).toFixed(1)} MB Android .txt, best of ${ROUNDS}; target < 1 s: ${waBest < 1000 ? 'met' : 'NOT MET'}`,
        ],
        [
          'Telegram result.json, memory',
          `${(above / MB).toFixed(0)} MB`,
          `above the process's baseline (${(t.baselineRss / MB).toFixed(0)} MB) for ${(tgBytes / MB).toFixed(0)} MB; target < 100 MB: ${above < 100 * MB ? 'met' : 'NOT MET'}`,
        ],
        [
          'Telegram result.json, time',
          `${(t.ms / 1000).toFixed(1)} s`,
          `${t.messages} messages, ${(tgBytes / MB / (t.ms / 1000)).toFixed(0)} MB/s`,
        ],
      ],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
