// How a new export finds its chat: by native id, by shared messages, never by name alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ChatRecord, chatKeyFor } from '../../../src/core/chats/chat-identity.js';
import { type ChatSummary, messageHasher } from '../../../src/core/chats/summary.js';

const KEY = Buffer.alloc(32, 5);
const hash = messageHasher(KEY);
const hashesOf = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => hash('A', `t${from + i}`, `m${from + i}`));

function summary(over: Partial<ChatSummary>): ChatSummary {
  return {
    platform: 'whatsapp',
    title: 'Alice',
    participants: [],
    messages: 0,
    first: null,
    last: null,
    media: 0,
    mediaBytes: 0,
    preview: [],
    sample: [],
    warnings: [],
    ...over,
  };
}

test('native ids give the same key on every device; other files go by their full name', () => {
  const tg = summary({ platform: 'telegram', nativeId: '42' });
  const a = chatKeyFor(KEY, tg, new Set(), 'ChatExport_2026-11-26', []);
  assert.equal(chatKeyFor(KEY, tg, new Set(), 'renamed', []), a);
  assert.notEqual(chatKeyFor(KEY, summary({ platform: 'telegram', nativeId: '43' }), new Set(), 'x', []), a);
  const other = summary({ platform: 'other', title: 'notes.pdf' });
  assert.equal(
    chatKeyFor(KEY, other, new Set(), 'notes.pdf', []),
    chatKeyFor(KEY, other, new Set(), 'notes.pdf', []),
  );
  assert.notEqual(
    chatKeyFor(KEY, other, new Set(), 'notes.pdf', []),
    chatKeyFor(KEY, other, new Set(), 'notes 2.pdf', []),
  );
});

test('shared messages decide; a name alone never does', () => {
  const earlier: ChatRecord = { key: 'mearlier', summary: summary({ sample: hashesOf(50) }) };
  const grown = new Set(hashesOf(80));
  assert.equal(chatKeyFor(KEY, summary({}), grown, 'x.zip', [earlier]), 'mearlier');
  const stranger = new Set(hashesOf(80, 1000));
  assert.notEqual(chatKeyFor(KEY, summary({}), stranger, 'x.zip', [earlier]), 'mearlier');
  // Two shared messages out of fifty are not enough.
  const twoShared = new Set([...hashesOf(2), ...hashesOf(80, 1000)]);
  assert.notEqual(chatKeyFor(KEY, summary({}), twoShared, 'x.zip', [earlier]), 'mearlier');
});

test('a chat of one or two messages is found again with all of them, under its name', () => {
  const tiny: ChatRecord = { key: 'mtiny', summary: summary({ sample: hashesOf(2) }) };
  const later = new Set(hashesOf(30));
  assert.equal(chatKeyFor(KEY, summary({}), later, 'x.zip', [tiny]), 'mtiny');
  assert.notEqual(chatKeyFor(KEY, summary({ title: 'Bob' }), later, 'x.zip', [tiny]), 'mtiny');
  assert.notEqual(chatKeyFor(KEY, summary({}), new Set(hashesOf(30, 1)), 'x.zip', [tiny]), 'mtiny');
});

test('the strongest match wins, then the same title, then the newest', () => {
  const weak: ChatRecord = { key: 'mweak', summary: summary({ sample: hashesOf(20) }) };
  const strong: ChatRecord = { key: 'mstrong', summary: summary({ sample: hashesOf(40) }) };
  assert.equal(chatKeyFor(KEY, summary({}), new Set(hashesOf(40)), 'x', [strong, weak]), 'mstrong');
  const same = { key: 'msame', summary: summary({ sample: hashesOf(20) }) };
  const other = { key: 'mother', summary: summary({ title: 'Bob', sample: hashesOf(20) }) };
  assert.equal(chatKeyFor(KEY, summary({}), new Set(hashesOf(20)), 'x', [same, other]), 'msame');
});
