// The engine process in the app: Electron's utility process running dist/core/app/engine-process.js.
import { utilityProcess } from 'electron';
import type { EngineChild } from './engine-client.js';

/** Forks the engine entry as a utility process with `env` (PUDDLEPROOF_HOME among it). */
export function forkUtilityEngine(entry: string, env: NodeJS.ProcessEnv): EngineChild {
  const child = utilityProcess.fork(entry, [], { serviceName: 'Puddleproof engine', env, stdio: 'inherit' });
  return {
    postMessage: (message) => child.postMessage(message),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.once('exit', listener),
    kill: () => {
      child.kill();
    },
  };
}
