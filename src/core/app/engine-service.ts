// The engine as the app uses it: one object answering every engine request of the IPC contract
// (setup, history, restore, verify, settings, recipients) and pushing status and progress events.
// It runs in Electron's utility process (see engine-process.ts); tests run it in-process.
import type { EngineApi, EngineRequests, EventName, Events } from '../../shared/ipc-contract.js';
import type { StoreFor } from '../device.js';

export interface EngineServiceOptions {
  /** The profile folder (PUDDLEPROOF_HOME). */
  home: string;
  storeFor?: StoreFor;
  /** Receives every event for the window and the tray. */
  emit: <E extends EventName>(event: E, payload: Events[E]) => void;
  now?: () => number;
}

/** Answers engine requests; `start` begins watching once the profile is set up. */
export class EngineService implements EngineApi {
  constructor(private readonly opts: EngineServiceOptions) {}

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  async call<M extends keyof EngineRequests>(
    method: M,
    _request: EngineRequests[M]['request'],
  ): Promise<EngineRequests[M]['response']> {
    throw new Error(`not implemented yet: ${method} (${this.opts.home})`);
  }
}
