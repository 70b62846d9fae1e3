#!/usr/bin/env node
// Builds dist/: TypeScript for src/ (engine, CLI, Electron main), the sandboxed preload as one
// CommonJS bundle, and the window (renderer/, React) with Vite into dist/renderer.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { build as viteBuild } from 'vite';

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
await viteBuild({ configFile: `${root}renderer/vite.config.ts`, logLevel: 'warn' });
