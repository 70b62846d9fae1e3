// The archive's files and folders with checkboxes; folders open and close, and a folder's box
// selects everything in it (half-checked when only part of it is selected).
import { useEffect, useId, useRef, useState } from 'react';
import { Icon } from '../components/Icon.js';
import { formatBytes } from '../format.js';
import { selectionOf, type TreeNode, toggle } from './file-tree.js';

interface FileTreeProps {
  roots: TreeNode[];
  selected: ReadonlySet<string>;
  onChange: (selected: Set<string>) => void;
}

export function FileTree({ roots, selected, onChange }: FileTreeProps) {
  return (
    <ul className="file-tree">
      {roots.map((node) => (
        <TreeItem
          key={node.path}
          node={node}
          selected={selected}
          onChange={onChange}
          startOpen={roots.length === 1}
        />
      ))}
    </ul>
  );
}

interface TreeItemProps {
  node: TreeNode;
  selected: ReadonlySet<string>;
  onChange: (selected: Set<string>) => void;
  startOpen?: boolean;
}

function TreeItem({ node, selected, onChange, startOpen = false }: TreeItemProps) {
  const id = useId();
  const box = useRef<HTMLInputElement>(null);
  const [open, setOpen] = useState(startOpen);
  const state = selectionOf(node, selected);
  useEffect(() => {
    if (box.current) box.current.indeterminate = state === 'some';
  }, [state]);
  const isFolder = node.type === 'dir';
  return (
    <li>
      <div className="tree-row">
        {isFolder && node.children.length > 0 ? (
          <button
            type="button"
            className="tree-toggle"
            aria-expanded={open}
            aria-controls={`${id}-children`}
            aria-label={`${open ? 'Close' : 'Open'} ${node.name}`}
            onClick={() => setOpen(!open)}
          >
            <span aria-hidden="true" className={open ? 'chevron open' : 'chevron'} />
          </button>
        ) : (
          <span className="tree-toggle-space" />
        )}
        <input
          ref={box}
          id={id}
          type="checkbox"
          checked={state === 'all'}
          onChange={(e) => onChange(toggle(node, selected, e.target.checked))}
        />
        <label htmlFor={id} className="tree-label">
          <Icon name={isFolder ? 'folder' : 'file'} />
          {node.name}
          {isFolder && '/'}
          <span className="muted tree-size">{formatBytes(node.size)}</span>
        </label>
      </div>
      {isFolder && open && node.children.length > 0 && (
        <ul id={`${id}-children`}>
          {node.children.map((child) => (
            <TreeItem key={child.path} node={child} selected={selected} onChange={onChange} />
          ))}
        </ul>
      )}
    </li>
  );
}
