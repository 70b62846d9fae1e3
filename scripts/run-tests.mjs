#!/usr/bin/env node
// Runs the test files under test/ (or the files and folders named) with Node's test runner, TypeScript
// through tsx.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function findTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

/** A named file as it is; a named folder as the test files under it. */
function expand(named) {
  const path = resolve(named);
  if (!existsSync(path)) {
    console.error(`No such test file or folder: ${named}`);
    process.exit(2);
  }
  return statSync(path).isDirectory() ? findTests(path) : [relative(root, path)];
}

const named = process.argv.slice(2);
const files = (named.length ? named.flatMap(expand) : findTests(join(root, 'test'))).sort();
if (files.length === 0) {
  console.error(`No test files in ${named.join(' ')}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
