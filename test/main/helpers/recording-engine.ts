// An EngineApi that records what main forwards and answers from a table. It stands in for the engine
// process where a test is about main's own checks and routing (what reaches the engine, and when);
// the real engine behind the same dispatcher runs in the wiring test and the renderer's tests.
import type { AppSettings } from '../../../src/shared/api.js';
import type { EngineApi, EngineMethod, EngineRequests } from '../../../src/shared/ipc-contract.js';

/** Settings a recording engine may answer with. */
export const SETTINGS: AppSettings = {
  watchDir: '/home/ada/Exports',
  cloudDir: '/home/ada/Dropbox/Puddleproof',
  deviceName: 'laptop',
  quietSeconds: 30,
  retention: { last: 3, hourly: 24, daily: 7, weekly: 4, monthly: 12, yearly: 5 },
  startAtLogin: false,
  notifyOnSuccess: true,
  paused: false,
  kitCheckMonths: 3,
};

type Answers = { [M in EngineMethod]?: (request: EngineRequests[M]['request']) => unknown };

export class RecordingEngine implements EngineApi {
  readonly calls: { method: EngineMethod; request: unknown }[] = [];

  constructor(private readonly answers: Answers = {}) {}

  async call<M extends EngineMethod>(
    method: M,
    request: EngineRequests[M]['request'],
  ): Promise<EngineRequests[M]['response']> {
    this.calls.push({ method, request });
    const answer = this.answers[method] as ((r: unknown) => unknown) | undefined;
    if (!answer) throw new Error(`The recording engine has no answer for ${method}.`);
    return (await answer(request)) as EngineRequests[M]['response'];
  }

  /** The methods called so far, in order. */
  methods(): EngineMethod[] {
    return this.calls.map((c) => c.method);
  }
}
