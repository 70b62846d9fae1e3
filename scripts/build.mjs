#!/usr/bin/env node
// Builds dist/: TypeScript for src/ (engine, CLI, Electron main), the sandboxed preload as one
// CommonJS bundle, and the renderer's static files.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
rmSync(`${root}dist`, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', `${root}tsconfig.build.json`], {
  stdio: 'inherit',
});
await build({
  entryPoints: [`${root}src/preload/preload.ts`],
  outfile: `${root}dist/preload/preload.cjs`,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  external: ['electron'],
  target: 'node20',
  logLevel: 'warning',
});
mkdirSync(`${root}dist/renderer`, { recursive: true });
cpSync(`${root}renderer`, `${root}dist/renderer`, { recursive: true });
