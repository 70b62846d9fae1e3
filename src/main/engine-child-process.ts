// The engine process as a Node child process: the same engine-process.js that the app runs in
// Electron's utility process, forked with structured-clone messages. Tests and benchmarks use it,
// since the Electron binary is not available there.
import { fork } from 'node:child_process';
import type { EngineChild } from './engine-client.js';

/** An engine child process; `pid` lets tests kill it from outside. */
export interface NodeEngineChild extends EngineChild {
  readonly pid: number | undefined;
}

/** Forks `entry` (dist/core/app/engine-process.js) with `env`; its stderr goes to ours. */
export function forkNodeEngine(entry: string, env: NodeJS.ProcessEnv): NodeEngineChild {
  const child = fork(entry, [], {
    env,
    // Not this process's flags (such as a TypeScript loader): the child runs the built engine as is.
    execArgv: [],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exitListeners: ((code: number | null) => void)[] = [];
  let ended = false;
  const end = (code: number | null) => {
    if (ended) return;
    ended = true;
    for (const listener of exitListeners) listener(code);
  };
  child.on('exit', (code) => end(code));
  // A process that could not be spawned at all emits 'error' and may never emit 'exit'.
  child.on('error', () => {
    if (child.pid === undefined) end(null);
  });
  return {
    pid: child.pid,
    postMessage(message) {
      // A message to a process that just died is lost; its exit fails the requests it carried.
      if (child.connected) child.send(message as object, () => {});
    },
    onMessage(listener) {
      child.on('message', listener);
    },
    onExit(listener) {
      exitListeners.push(listener);
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}
