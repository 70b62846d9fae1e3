// The engine as main sees it: an EngineApi answered by the engine process. Requests are numbered and
// paired with their responses; those made before the process is ready, or while it restarts, wait for
// it. When the process dies unexpectedly, the requests it was working on fail with a plain message,
// onCrash says why, and a new process starts after a pause that doubles with each crash. After too many
// crashes within a minute it stays down, and every call fails with a message saying so.
import { parseFromEngine, plainMessage, type ToEngine } from '../core/app/engine-protocol.js';
import type { EngineApi, EngineMethod, EngineRequests, EventName } from '../shared/ipc-contract.js';

/** One engine process, as Electron's utility process or a Node child process offers it. */
export interface EngineChild {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the process has ended; `code` is null when it was killed by a signal. */
  onExit(listener: (code: number | null) => void): void;
  /** Ends the process at once. */
  kill(): void;
}

/** When to start a crashed engine again, and when to give up. */
export interface RestartPolicy {
  /** Pause before the first restart; it doubles with each crash within `windowMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** This many crashes within `windowMs` and the engine is not restarted again. */
  maxCrashes: number;
  windowMs: number;
}

export interface EngineClientOptions {
  /** Starts a new engine process. */
  spawn: () => EngineChild;
  onEvent: (event: EventName, payload: unknown) => void;
  /** Called on each unexpected exit with a message for people. */
  onCrash?: (reason: string) => void;
  restart?: Partial<RestartPolicy>;
  /** How long `stop` waits for the process to finish before killing it. */
  stopTimeoutMs?: number;
  /** Where problems with the engine's messages are written (default: stderr). */
  log?: (line: string) => void;
}

const DEFAULT_RESTART: RestartPolicy = {
  firstDelayMs: 500,
  maxDelayMs: 30_000,
  maxCrashes: 5,
  windowMs: 60_000,
};

interface Pending {
  method: EngineMethod;
  request: unknown;
  /** Whether the current process was given this request (false: it waits for "ready"). */
  sent: boolean;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** Where the client stands: not started, a process running (ready or not), a restart waiting, … */
type Phase = 'idle' | 'running' | 'restarting' | 'failed' | 'stopped';

const exitText = (code: number | null) => (code === null ? 'it was killed' : `exit code ${code}`);

/** The engine process behind `EngineApi`, restarted when it crashes. */
export class EngineClient implements EngineApi {
  private readonly restart: RestartPolicy;
  private readonly log: (line: string) => void;
  private readonly pending = new Map<number, Pending>();
  private readonly crashes: number[] = [];
  private readonly readyWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private phase: Phase = 'idle';
  private child: EngineChild | undefined;
  private ready = false;
  private nextId = 1;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Why calls fail once the client gave up or was stopped. */
  private failure = '';
  private exited: (() => void) | undefined;

  constructor(private readonly opts: EngineClientOptions) {
    this.restart = { ...DEFAULT_RESTART, ...opts.restart };
    this.log = opts.log ?? ((line) => process.stderr.write(`puddleproof: ${line}\n`));
  }

  /** Starts the engine process; resolves once it is ready (after restarts, if it crashed on the way). */
  start(): Promise<void> {
    if (this.phase === 'failed' || this.phase === 'stopped') return Promise.reject(new Error(this.failure));
    if (this.ready) return Promise.resolve();
    const waiting = new Promise<void>((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
    if (this.phase === 'idle') this.spawn();
    return waiting;
  }

  /** Asks the engine process to finish and exit; kills it if it has not exited after the timeout. */
  async stop(): Promise<void> {
    if (this.phase === 'stopped') return;
    this.phase = 'stopped';
    this.failure = 'The engine has been stopped because Puddleproof is quitting.';
    clearTimeout(this.restartTimer);
    this.failAll(this.failure);
    const child = this.child;
    if (!child) return;
    const gone = new Promise<void>((resolve) => {
      this.exited = resolve;
    });
    const timeout = this.opts.stopTimeoutMs ?? 5000;
    const within = (ms: number) =>
      Promise.race([gone.then(() => true), new Promise<boolean>((r) => setTimeout(r, ms, false).unref())]);
    try {
      this.post(child, { type: 'stop' });
      if (await within(timeout)) return;
      this.log(`the engine did not stop within ${timeout} ms; killing it`);
    } catch (err) {
      this.log(`could not ask the engine to stop (${plainMessage(err)}); killing it`);
    }
    child.kill();
    if (!(await within(timeout))) this.log('the engine process did not exit after being killed');
  }

  call<M extends EngineMethod>(
    method: M,
    request: EngineRequests[M]['request'],
  ): Promise<EngineRequests[M]['response']> {
    if (this.phase === 'failed' || this.phase === 'stopped') return Promise.reject(new Error(this.failure));
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const entry: Pending = {
        method,
        request,
        sent: false,
        resolve: resolve as (v: unknown) => void,
        reject,
      };
      this.pending.set(id, entry);
      if (this.ready) this.send(id, entry);
    });
  }

  private spawn(): void {
    this.phase = 'running';
    let child: EngineChild;
    try {
      child = this.opts.spawn();
    } catch (err) {
      this.log(`could not start the engine process: ${plainMessage(err)}`);
      this.crashed(null);
      return;
    }
    this.child = child;
    child.onMessage((message) => {
      if (this.child === child) this.received(message);
    });
    child.onExit((code) => {
      if (this.child !== child) return;
      this.child = undefined;
      this.ready = false;
      if (this.phase === 'stopped') this.exited?.();
      else this.crashed(code);
    });
  }

  private post(child: EngineChild, message: ToEngine): void {
    child.postMessage(message);
  }

  private send(id: number, entry: Pending): void {
    if (!this.child) return;
    try {
      this.post(this.child, { type: 'request', id, method: entry.method, request: entry.request });
      entry.sent = true;
    } catch (err) {
      this.pending.delete(id);
      this.log(`could not send ${entry.method} to the engine: ${plainMessage(err)}`);
      entry.reject(new Error('The request could not be sent to the engine.'));
    }
  }

  private received(raw: unknown): void {
    const parsed = parseFromEngine(raw);
    if (!('message' in parsed)) {
      this.log(`ignored a malformed message from the engine: ${parsed.problem}`);
      return;
    }
    const message = parsed.message;
    if (message.type === 'ready') {
      if (this.ready) return;
      this.ready = true;
      for (const [id, entry] of this.pending) if (!entry.sent) this.send(id, entry);
      for (const waiter of this.readyWaiters.splice(0)) waiter.resolve();
    } else if (message.type === 'event') {
      try {
        this.opts.onEvent(message.event, message.payload);
      } catch (err) {
        this.log(`a listener of ${message.event} failed: ${plainMessage(err)}`);
      }
    } else {
      const entry = this.pending.get(message.id);
      if (!entry?.sent) {
        this.log(`ignored a response to unknown request ${message.id}`);
        return;
      }
      this.pending.delete(message.id);
      if (message.ok) entry.resolve(message.value);
      else entry.reject(new Error(message.message));
    }
  }

  /** An unexpected exit: fail what the process was working on, then restart it or give up. */
  private crashed(code: number | null): void {
    const now = Date.now();
    this.crashes.push(now);
    while ((this.crashes[0] ?? now) <= now - this.restart.windowMs) this.crashes.shift();
    const givingUp = this.crashes.length >= this.restart.maxCrashes;
    const what = `The engine stopped unexpectedly (${exitText(code)})`;
    const times = `${this.crashes.length} times within ${Math.round(this.restart.windowMs / 1000)} s`;
    const gaveUp = 'so Puddleproof no longer restarts it. Quit Puddleproof and open it again.';
    const after = givingUp ? `this happened ${times}, ${gaveUp}` : 'it is being restarted.';
    for (const [id, entry] of this.pending) {
      if (!entry.sent) continue;
      this.pending.delete(id);
      entry.reject(new Error(`${what} while working on ${entry.method}; ${after}`));
    }
    this.opts.onCrash?.(`${what}; ${after}`);
    if (givingUp) {
      this.phase = 'failed';
      this.failure = `The engine is not running: it stopped unexpectedly ${times}, ${gaveUp}`;
      this.failAll(this.failure);
      return;
    }
    this.phase = 'restarting';
    const delay = Math.min(
      this.restart.maxDelayMs,
      this.restart.firstDelayMs * 2 ** (this.crashes.length - 1),
    );
    this.restartTimer = setTimeout(() => this.spawn(), delay);
  }

  /** Rejects every waiting request and start() with `message`. */
  private failAll(message: string): void {
    for (const entry of this.pending.values()) entry.reject(new Error(message));
    this.pending.clear();
    for (const waiter of this.readyWaiters.splice(0)) waiter.reject(new Error(message));
  }
}
