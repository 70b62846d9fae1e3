#!/usr/bin/env node
// Builds dist/: TypeScript for src/ (engine, Electron main), the sandboxed preload as one CommonJS
// bundle, the CLI as an ESM bundle in dist/cli (one chunk per lazily imported command, so that it
// starts fast), the window (renderer/, React) with Vite into dist/renderer, and tools/ into dist/tools.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
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
// The CLI and the engine under it, bundled: Node resolves and compiles a few minified files instead
// of hundreds of modules. Native modules stay outside; the banner lets bundled CommonJS `require`.
const NATIVE = ['@github/keytar', 'sodium-native'];
/**
 * Loads the native modules with `require`: importing CommonJS from ESM makes Node scan its source for
 * export names first, which costs more than loading sodium-native itself (108 kB of `exports.x = …`).
 */
const requireNative = {
  name: 'require-native',
  setup(b) {
    const filter = new RegExp(`^(${NATIVE.join('|')})$`);
    b.onResolve({ filter }, (args) =>
      args.namespace === 'native'
        ? { path: args.path, external: true }
        : { path: args.path, namespace: 'native' },
    );
    b.onLoad({ filter: /.*/, namespace: 'native' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
    }));
  },
};
// tsc's module-per-file output of src/cli is replaced by the bundle.
rmSync(`${root}dist/cli`, { recursive: true, force: true });
await build({
  entryPoints: [`${root}src/cli/main.ts`],
  outdir: `${root}dist/cli`,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: true,
  external: ['electron'],
  plugins: [requireNative],
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
// The engine's workers (src/core/dedup/start-worker.ts starts them), beside the CLI bundle that starts them.
await build({
  entryPoints: {
    'pack-worker': `${root}src/core/dedup/pack-worker.ts`,
    'restore-worker': `${root}src/core/restore/restore-worker.ts`,
    'store-worker': `${root}src/core/backup/store-worker.ts`,
  },
  outdir: `${root}dist/cli`,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  plugins: [requireNative],
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
// The restore script the engine writes into every vault (see src/core/vault/restore-guide.ts).
cpSync(`${root}tools/restore-with-age.sh`, `${root}dist/tools/restore-with-age.sh`);
await viteBuild({ configFile: `${root}renderer/vite.config.ts`, logLevel: 'warn' });
