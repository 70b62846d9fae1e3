// The "what to restore" tree: the archive listing as folders and files, tri-state selection, and the
// shortest list of paths the screen sends to restore.start — checked against the engine's own extractor,
// which must restore exactly the selected files and empty folders.
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';
import { create } from 'tar';
import {
  allLeaves,
  buildTree,
  pathsToRestore,
  selectionOf,
  type TreeNode,
  toggle,
} from '../../../renderer/src/restore/file-tree.js';
import { createTarExtractor, listTar } from '../../../src/core/restore/extract-tar.js';
import type { ArchiveEntry } from '../../../src/shared/api.js';
import { makeTrickyExport } from '../../helpers/export-tree.js';

const file = (path: string, size: number): ArchiveEntry => ({ path, type: 'file', size });
const dir = (path: string): ArchiveEntry => ({ path, type: 'dir', size: 0 });

/** The node at `path` (searched from the roots); fails the test when missing. */
function nodeAt(roots: TreeNode[], path: string): TreeNode {
  for (const root of roots) {
    if (root.path === path) return root;
    if (path.startsWith(`${root.path}/`)) return nodeAt(root.children, path);
  }
  assert.fail(`no node ${path}`);
}

const names = (nodes: TreeNode[]) => nodes.map((n) => n.name);

const C = 'ChatExport_2026-11-26';
/** A Telegram export as listTar reports it: folders before their contents, no trailing slashes. */
const telegram: ArchiveEntry[] = [
  dir(C),
  file(`${C}/result.json`, 10),
  dir(`${C}/photos`),
  file(`${C}/photos/b.jpg`, 200),
  file(`${C}/photos/a.jpg`, 100),
  dir(`${C}/video`),
  file(`${C}/video/v.mp4`, 1000),
  file(`${C}/messages.html`, 50),
  dir(`${C}/empty`),
];

describe('buildTree', () => {
  test('an empty listing is an empty tree', () => {
    assert.deepEqual(buildTree([]), []);
    assert.deepEqual(allLeaves([]), []);
    assert.deepEqual(pathsToRestore([], new Set()), []);
  });

  test('a WhatsApp export is one file at the root', () => {
    const roots = buildTree([file('WhatsApp Chat - Alice.zip', 4321)]);
    assert.equal(roots.length, 1);
    const [zip] = roots;
    assert.deepEqual(zip, {
      name: 'WhatsApp Chat - Alice.zip',
      path: 'WhatsApp Chat - Alice.zip',
      type: 'file',
      size: 4321,
      children: [],
      leaves: ['WhatsApp Chat - Alice.zip'],
    });
  });

  test('folders come first, then files, each by name', () => {
    const [root] = buildTree(telegram);
    assert.ok(root);
    assert.equal(root.path, C);
    assert.equal(root.type, 'dir');
    assert.deepEqual(names(root.children), ['empty', 'photos', 'video', 'messages.html', 'result.json']);
    assert.deepEqual(names(nodeAt([root], `${C}/photos`).children), ['a.jpg', 'b.jpg']);
    const upper = buildTree([file('b.txt', 1), file('A.txt', 1), dir('c'), file('c/x', 1)]);
    assert.deepEqual(names(upper), ['c', 'A.txt', 'b.txt']);
  });

  test('a folder’s size is the sum of the files under it', () => {
    const roots = buildTree(telegram);
    assert.equal(nodeAt(roots, C).size, 1360);
    assert.equal(nodeAt(roots, `${C}/photos`).size, 300);
    assert.equal(nodeAt(roots, `${C}/empty`).size, 0);
    assert.equal(nodeAt(roots, `${C}/video/v.mp4`).size, 1000);
  });

  test('leaves are the files and empty folders under a node, in tree order', () => {
    const roots = buildTree(telegram);
    assert.deepEqual(nodeAt(roots, C).leaves, [
      `${C}/empty`,
      `${C}/photos/a.jpg`,
      `${C}/photos/b.jpg`,
      `${C}/video/v.mp4`,
      `${C}/messages.html`,
      `${C}/result.json`,
    ]);
    assert.deepEqual(nodeAt(roots, `${C}/empty`).leaves, [`${C}/empty`]);
    assert.deepEqual(allLeaves(roots), nodeAt(roots, C).leaves);
  });

  test('folders missing from the listing are made from the paths under them', () => {
    const roots = buildTree([file('x/y/z.txt', 7), file('x/w.txt', 3)]);
    assert.deepEqual(names(roots), ['x']);
    const x = nodeAt(roots, 'x');
    assert.equal(x.type, 'dir');
    assert.equal(x.size, 10);
    assert.equal(nodeAt(roots, 'x/y').type, 'dir');
    assert.deepEqual(x.leaves, ['x/y/z.txt', 'x/w.txt']);
  });

  test('the order of the listing does not matter, nor trailing slashes on folders', () => {
    const shuffled = [...telegram]
      .reverse()
      .map((e) => (e.type === 'dir' ? { ...e, path: `${e.path}/` } : e));
    assert.deepEqual(buildTree(shuffled), buildTree(telegram));
  });

  test('a folder entry listed after its contents stays one folder', () => {
    const roots = buildTree([file('a/b.txt', 2), dir('a'), dir('a/')]);
    assert.equal(roots.length, 1);
    assert.equal(nodeAt(roots, 'a').children.length, 1);
  });
});

describe('selection', () => {
  const roots = buildTree(telegram);
  const root = nodeAt(roots, C);
  const photos = nodeAt(roots, `${C}/photos`);

  test('a node is selected none, some or all', () => {
    assert.equal(selectionOf(root, new Set()), 'none');
    assert.equal(selectionOf(photos, new Set([`${C}/photos/a.jpg`])), 'some');
    assert.equal(selectionOf(photos, new Set(photos.leaves)), 'all');
    assert.equal(selectionOf(root, new Set(photos.leaves)), 'some');
    assert.equal(selectionOf(root, new Set(root.leaves)), 'all');
  });

  test('an empty folder is selected on its own', () => {
    const empty = nodeAt(roots, `${C}/empty`);
    assert.equal(selectionOf(empty, new Set()), 'none');
    assert.equal(selectionOf(empty, new Set([`${C}/empty`])), 'all');
  });

  test('selections of other nodes do not count', () => {
    assert.equal(selectionOf(photos, new Set([`${C}/video/v.mp4`, `${C}/photos`])), 'none');
  });

  test('toggling a folder on selects everything under it, off clears only that', () => {
    const start = new Set([`${C}/photos/a.jpg`, `${C}/result.json`]);
    const on = toggle(photos, start, true);
    assert.deepEqual([...on].sort(), [`${C}/photos/a.jpg`, `${C}/photos/b.jpg`, `${C}/result.json`]);
    const off = toggle(photos, on, false);
    assert.deepEqual([...off], [`${C}/result.json`]);
  });

  test('toggling returns a new set and leaves the old one as it was', () => {
    const start = new Set([`${C}/result.json`]);
    const next = toggle(root, start, true);
    assert.notEqual(next, start);
    assert.deepEqual([...start], [`${C}/result.json`]);
    assert.equal(next.size, root.leaves.length);
  });
});

describe('pathsToRestore', () => {
  const roots = buildTree(telegram);

  test('nothing selected: no paths', () => {
    assert.deepEqual(pathsToRestore(roots, new Set()), []);
  });

  test('a single file in a folder is sent on its own', () => {
    assert.deepEqual(pathsToRestore(roots, new Set([`${C}/photos/a.jpg`])), [`${C}/photos/a.jpg`]);
  });

  test('a fully selected folder stands for its contents', () => {
    const selected = new Set([`${C}/photos/a.jpg`, `${C}/photos/b.jpg`, `${C}/messages.html`, `${C}/empty`]);
    assert.deepEqual(pathsToRestore(roots, selected), [`${C}/empty`, `${C}/photos`, `${C}/messages.html`]);
  });

  test('partial selections deep in nested folders name only what is chosen', () => {
    const deep = buildTree([
      file('a/b/c/d.txt', 1),
      file('a/b/c/e.txt', 1),
      file('a/b/f.txt', 1),
      file('a/g/h.txt', 1),
      file('a/g/i.txt', 1),
    ]);
    const selected = new Set(['a/b/c/d.txt', 'a/b/f.txt', 'a/g/h.txt', 'a/g/i.txt']);
    assert.equal(selectionOf(nodeAt(deep, 'a'), selected), 'some');
    assert.equal(selectionOf(nodeAt(deep, 'a/b'), selected), 'some');
    assert.equal(selectionOf(nodeAt(deep, 'a/b/c'), selected), 'some');
    assert.deepEqual(pathsToRestore(deep, selected), ['a/b/c/d.txt', 'a/b/f.txt', 'a/g']);
  });

  test('everything selected: the roots, and as many selected paths as leaves (the screen then sends none)', () => {
    // ChooseContents sends no paths (restore everything) when selected.size === allLeaves(roots).length.
    const multi = buildTree([...telegram, file('notes.txt', 5)]);
    let selected = new Set<string>();
    for (const root of multi) selected = toggle(root, selected, true);
    const leaves = allLeaves(multi);
    assert.equal(new Set(leaves).size, leaves.length, 'no leaf is listed twice');
    assert.equal(selected.size, leaves.length);
    assert.deepEqual(pathsToRestore(multi, selected), [C, 'notes.txt']);
    const allButOne = toggle(nodeAt(multi, `${C}/video/v.mp4`), selected, false);
    assert.notEqual(allButOne.size, leaves.length);
    assert.deepEqual(pathsToRestore(multi, allButOne), [
      `${C}/empty`,
      `${C}/photos`,
      `${C}/messages.html`,
      `${C}/result.json`,
      'notes.txt',
    ]);
  });
});

describe('with the engine', () => {
  /** Every file and empty folder under `root`, as '/'-separated paths relative to it. */
  async function leavesOnDisk(root: string, rel = ''): Promise<string[]> {
    const here = join(root, rel);
    if (!(await lstat(here)).isDirectory()) return [rel];
    const children = await readdir(here);
    if (children.length === 0) return rel ? [rel] : [];
    const nested = await Promise.all(children.map((c) => leavesOnDisk(root, rel ? `${rel}/${c}` : c)));
    return nested.flat();
  }

  test('the paths sent restore exactly the selected files and empty folders of a real archive', async (t) => {
    const work = await mkdtemp(join(tmpdir(), 'puddleproof-file-tree-'));
    t.after(() => rm(work, { recursive: true, force: true }));
    await makeTrickyExport(work, C);
    const tarBytes: Buffer[] = [];
    for await (const chunk of create({ cwd: work }, [C])) tarBytes.push(chunk as Buffer);
    const tar = Buffer.concat(tarBytes);

    const roots = buildTree(await listTar(Readable.from([tar])));
    assert.deepEqual(names(roots), [C]);
    let selected = new Set<string>();
    selected = toggle(nodeAt(roots, `${C}/photos`), selected, true);
    selected = toggle(nodeAt(roots, `${C}/empty folder`), selected, true);
    selected = toggle(nodeAt(roots, `${C}/caf\u00e9 NFC.txt`), selected, true);
    const deepLeaf = `${C}/deep/${'nested-folder/'.repeat(12)}leaf.txt`;
    selected = toggle(nodeAt(roots, deepLeaf), selected, true);
    const paths = pathsToRestore(roots, selected);
    assert.deepEqual(paths, [`${C}/deep`, `${C}/empty folder`, `${C}/photos`, `${C}/caf\u00e9 NFC.txt`]);

    const staging = await mkdtemp(join(work, 'restore-'));
    const extractor = createTarExtractor({ dir: staging, only: paths });
    await Promise.all([pipeline(Readable.from([tar]), extractor.stream), extractor.result]);
    assert.deepEqual((await leavesOnDisk(staging)).sort(), [...selected].sort());
  });
});
