// The archive listing as a tree, and the selection of files and folders to restore.
import type { ArchiveEntry } from '../../../src/shared/api.js';

export interface TreeNode {
  name: string;
  path: string;
  type: 'file' | 'dir';
  size: number;
  children: TreeNode[];
  /** Paths of the files (and empty folders) under this node, itself included when it is one. */
  leaves: string[];
}

/** Builds the tree of an archive listing (folders first, then by name). */
export function buildTree(entries: ArchiveEntry[]): TreeNode[] {
  const root: TreeNode = { name: '', path: '', type: 'dir', size: 0, children: [], leaves: [] };
  const byPath = new Map<string, TreeNode>([['', root]]);
  const nodeFor = (path: string, type: 'file' | 'dir', size: number): TreeNode => {
    const existing = byPath.get(path);
    if (existing) {
      if (type === 'file') Object.assign(existing, { type, size });
      return existing;
    }
    const cut = path.lastIndexOf('/');
    const parent = nodeFor(cut < 0 ? '' : path.slice(0, cut), 'dir', 0);
    const node: TreeNode = { name: path.slice(cut + 1), path, type, size, children: [], leaves: [] };
    parent.children.push(node);
    byPath.set(path, node);
    return node;
  };
  for (const entry of entries) nodeFor(entry.path.replace(/\/+$/, ''), entry.type, entry.size);
  const finish = (node: TreeNode): void => {
    node.children.sort((a, b) =>
      a.type === b.type ? a.name.localeCompare(b.name) : a.type === 'dir' ? -1 : 1,
    );
    for (const child of node.children) finish(child);
    node.leaves = node.children.length === 0 ? [node.path] : node.children.flatMap((c) => c.leaves);
    if (node.type === 'dir') node.size = node.children.reduce((sum, c) => sum + c.size, 0);
  };
  finish(root);
  return root.children;
}

/** How much of a node is selected. */
export function selectionOf(node: TreeNode, selected: ReadonlySet<string>): 'all' | 'some' | 'none' {
  let chosen = 0;
  for (const leaf of node.leaves) if (selected.has(leaf)) chosen++;
  return chosen === 0 ? 'none' : chosen === node.leaves.length ? 'all' : 'some';
}

/** Selects or clears a node and everything under it. */
export function toggle(node: TreeNode, selected: ReadonlySet<string>, on: boolean): Set<string> {
  const next = new Set(selected);
  for (const leaf of node.leaves) {
    if (on) next.add(leaf);
    else next.delete(leaf);
  }
  return next;
}

/** The shortest list of archive paths covering the selection: a fully selected folder stands for its contents. */
export function pathsToRestore(roots: TreeNode[], selected: ReadonlySet<string>): string[] {
  const walk = (node: TreeNode): string[] => {
    const state = selectionOf(node, selected);
    if (state === 'none') return [];
    if (state === 'all') return [node.path];
    return node.children.flatMap(walk);
  };
  return roots.flatMap(walk);
}

/** Every leaf under the roots. */
export function allLeaves(roots: TreeNode[]): string[] {
  return roots.flatMap((r) => r.leaves);
}
