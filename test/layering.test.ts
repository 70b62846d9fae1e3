// src/core (the engine), src/shared (types for the renderer) and src/cli run without Electron.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('../src/', import.meta.url).pathname;
const ELECTRON_IMPORT = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]electron(?:\/[^'"]*)?['"]/;

test('no module under src/core, src/shared or src/cli imports electron', async () => {
  let checked = 0;
  for (const layer of ['core', 'shared', 'cli']) {
    for (const entry of await readdir(join(root, layer), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const path = join(entry.parentPath ?? entry.path, entry.name);
      assert.doesNotMatch(await readFile(path, 'utf8'), ELECTRON_IMPORT, path);
      checked++;
    }
  }
  assert.ok(checked > 20, `only ${checked} files checked`);
  assert.match("import { app } from 'electron';", ELECTRON_IMPORT, 'the pattern catches an import');
});
