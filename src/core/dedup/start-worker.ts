// Starting one of the engine's worker threads from its file beside the module that starts it: its
// TypeScript source when the engine runs from source (through tsx), its bundle beside the CLI's, or tsc's
// output.
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/** A small young generation: a worker's own objects are few; its big buffers live outside the heap. */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4 };

/** The worker's file (`name` without extension) next to the module at `here`. */
function workerScript(name: string, here: string): { url: URL; fromSource: boolean } | null {
  const fromSource = here.endsWith('.ts');
  // Bundled (dist/cli), this code may sit in a chunk one folder below the worker's file.
  for (const candidate of fromSource ? [`./${name}.ts`] : [`./${name}.js`, `../${name}.js`]) {
    const url = new URL(candidate, here);
    if (existsSync(url)) return { url, fromSource };
  }
  return null;
}

/**
 * Starts worker `name` (e.g. 'pack-worker'), whose file is beside the module at `here` (the caller's
 * `import.meta.url`), with `workerData`; null where it cannot start here.
 */
export function startWorker(name: string, here: string, workerData: unknown): Worker | null {
  const script = workerScript(name, here);
  if (!script) return null;
  try {
    if (!script.fromSource) return new Worker(script.url, { workerData, resourceLimits: WORKER_LIMITS });
    // From source the worker needs tsx's loader before it imports the TypeScript file.
    const api = import.meta.resolve('tsx/esm/api');
    const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(script.url.href)}); })`;
    return new Worker(code, { eval: true, workerData, resourceLimits: WORKER_LIMITS });
  } catch {
    return null;
  }
}
