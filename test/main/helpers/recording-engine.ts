// An EngineApi that records what main forwards and answers from a table. It stands in for the engine
// process where a test is about main's own checks and routing (what reaches the engine, and when);
// the real engine behind the same dispatcher runs in the wiring test and the renderer's tests.
import type { EngineApi, EngineMethod, EngineRequests } from '../../../src/shared/ipc-contract.js';

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
