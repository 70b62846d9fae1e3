// What the CLI tests of chats share: the JSON of `chats --json`, and prune flags that leave only `--keep-last`.
import assert from 'node:assert/strict';
import type { ChatEntry } from '../../src/core/chats/chat-list.js';
import type { Sandbox } from './cli.js';

/** One entry of `puddleproof chats --json`. */
export type ChatJson = Omit<ChatEntry, 'newest' | 'newestAt'>;

/** Turns every retention rule but `--keep-last` off. */
export const ONLY_KEEP_LAST = [
  '--keep-daily',
  '0',
  '--keep-weekly',
  '0',
  '--keep-monthly',
  '0',
  '--keep-yearly',
  '0',
];

/** Runs `puddleproof ARGS --json` in the sandbox, asserts it succeeded and parses its output. */
export async function cliJson<T>(sb: Sandbox, args: string[]): Promise<T> {
  const r = await sb.run([...args, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}
