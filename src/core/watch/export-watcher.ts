// File-system events for the watch folder, reduced to "this export changed at time t" (chokidar, which
// uses the OS's change notifications: an idle folder costs no polling).
import { relative, sep } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';

/** Watches `dir` and reports the top-level entry under which anything changed. */
export class ExportWatcher {
  private watcher: FSWatcher | undefined;
  /** Ends a `start` still waiting for the initial scan (when `stop` comes first). */
  private abandonStart: (() => void) | undefined;

  constructor(
    private readonly dir: string,
    private readonly onChange: (exportName: string | null, at: number) => void,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {}

  /** Starts watching; resolves once the initial scan is done (or `stop` was called meanwhile). */
  async start(): Promise<void> {
    if (this.watcher) return;
    const watcher = watch(this.dir, { ignoreInitial: true, persistent: true, followSymlinks: false });
    this.watcher = watcher;
    watcher.on('all', (_event, path) => {
      const rel = relative(this.dir, path);
      this.onChange(rel === '' ? null : (rel.split(sep)[0] ?? null), Date.now());
    });
    watcher.on('error', (err) => this.onError(err as Error));
    await new Promise<void>((resolve) => {
      this.abandonStart = resolve;
      watcher.once('ready', () => resolve());
    });
    this.abandonStart = undefined;
  }

  async stop(): Promise<void> {
    const watcher = this.watcher;
    this.watcher = undefined;
    this.abandonStart?.();
    this.abandonStart = undefined;
    await watcher?.close();
  }

  get running(): boolean {
    return this.watcher !== undefined;
  }
}
