// Builds exports with awkward names and compares folder trees byte for byte, with modes and mtimes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const MTIME = new Date('2026-03-14T15:09:26Z');

/** A Telegram-style export folder with names and shapes that trip up archivers. */
export async function makeTrickyExport(parent: string, name = 'ChatExport_2026-11-26'): Promise<string> {
  const root = join(parent, name);
  const files: [string, Buffer | string, number?][] = [
    ['messages.html', '<html>Meet at the old mill at nine — Alice</html>\n'],
    ['with space and emoji 🐸.txt', 'frog\n'],
    ['caf\u00e9 NFC.txt', 'composed\n'],
    ['cafe\u0301 NFD.txt', 'decomposed\n'],
    [`${'long-name-'.repeat(24)}.txt`, 'a name of 244 bytes\n'],
    [`deep/${'nested-folder/'.repeat(12)}leaf.txt`, 'deep\n'],
    ['empty-file', ''],
    ['photos/exactly-64KiB.jpg', randomBytes(64 * 1024)],
    ['photos/large.mp4', randomBytes(3 * 1024 * 1024 + 17)],
    ['scripts/run.sh', '#!/bin/sh\necho hi\n', 0o755],
    ['private.txt', 'only me\n', 0o600],
  ];
  for (const [rel, content, mode] of files) {
    const path = join(root, rel);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, content);
    if (mode !== undefined) await chmod(path, mode);
  }
  await mkdir(join(root, 'empty folder'), { recursive: true });
  await setTreeMtimes(root);
  return root;
}

/** Sets every entry's mtime to a fixed whole second (tar keeps seconds), deepest first. */
export async function setTreeMtimes(root: string, when = MTIME): Promise<void> {
  const info = await lstat(root);
  if (info.isDirectory())
    for (const child of await readdir(root)) await setTreeMtimes(join(root, child), when);
  await utimes(root, when, when);
}

interface Node {
  type: 'file' | 'dir';
  mode: number;
  mtime: number;
  content?: Buffer;
}

async function snapshot(root: string, rel = '', out = new Map<string, Node>()): Promise<Map<string, Node>> {
  const path = join(root, rel);
  const info = await lstat(path);
  const common = { mode: info.mode & 0o777, mtime: Math.floor(info.mtimeMs / 1000) };
  if (info.isDirectory()) {
    out.set(rel, { type: 'dir', ...common });
    for (const child of await readdir(path)) await snapshot(root, rel ? `${rel}/${child}` : child, out);
  } else if (info.isFile()) {
    out.set(rel, { type: 'file', ...common, content: await readFile(path) });
  } else {
    throw new Error(`unexpected entry ${path}`);
  }
  return out;
}

/** Asserts two trees hold the same names (byte-exact), contents, modes and mtimes (to the second). */
export async function assertSameTree(actual: string, expected: string): Promise<void> {
  const [a, e] = [await snapshot(actual), await snapshot(expected)];
  assert.deepEqual([...a.keys()].sort(), [...e.keys()].sort(), 'same entries');
  for (const [rel, node] of e) {
    const got = a.get(rel);
    assert.ok(got, rel);
    assert.equal(got.type, node.type, `${rel}: type`);
    assert.equal(got.mode.toString(8), node.mode.toString(8), `${rel}: mode`);
    assert.equal(got.mtime, node.mtime, `${rel}: mtime`);
    if (node.content) assert.ok(got.content?.equals(node.content), `${rel}: content`);
  }
}
