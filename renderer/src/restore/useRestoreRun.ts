// One restore run: starts it, follows its progress and outcome (events may arrive before `start`
// answers, so they are kept by run id until it does), and cancels it.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Progress, RestoreOutcome, RestoreStart } from '../../../src/shared/api.js';
import { api, messageOf } from '../api.js';

export type RunState =
  | { phase: 'idle' }
  | { phase: 'running'; runId: string | null; progress: Progress | null; cancelling: boolean }
  | { phase: 'finished'; outcome: RestoreOutcome };

export function useRestoreRun() {
  const [state, setState] = useState<RunState>({ phase: 'idle' });
  const runId = useRef<string | null>(null);
  const early = useRef(new Map<string, { progress?: Progress; outcome?: RestoreOutcome }>());

  useEffect(() => {
    const remember = (id: string) => early.current.get(id) ?? early.current.set(id, {}).get(id) ?? {};
    const offProgress = api.restore.onProgress((progress) => {
      if (progress.runId !== runId.current) {
        remember(progress.runId).progress = progress;
        return;
      }
      setState((s) => (s.phase === 'running' ? { ...s, progress } : s));
    });
    const offFinished = api.restore.onFinished((outcome) => {
      if (outcome.runId !== runId.current) {
        remember(outcome.runId).outcome = outcome;
        return;
      }
      setState({ phase: 'finished', outcome });
    });
    return () => {
      offProgress();
      offFinished();
    };
  }, []);

  const start = useCallback(async (request: RestoreStart) => {
    setState({ phase: 'running', runId: null, progress: null, cancelling: false });
    try {
      const started = await api.restore.start(request);
      if (!started.ok) {
        // Refused before it began (e.g. the folder exists): nothing was written.
        setState({ phase: 'finished', outcome: { runId: '', ...started } });
        return;
      }
      const id = started.runId;
      runId.current = id;
      const seen = early.current.get(id);
      early.current.clear();
      if (seen?.outcome) setState({ phase: 'finished', outcome: seen.outcome });
      else setState({ phase: 'running', runId: id, progress: seen?.progress ?? null, cancelling: false });
    } catch (err) {
      // The engine could not be asked (e.g. the cloud folder is away): nothing was written.
      setState({
        phase: 'finished',
        outcome: { runId: '', ok: false, problem: 'other', message: messageOf(err) },
      });
    }
  }, []);

  const cancel = useCallback(async () => {
    const id = runId.current;
    if (!id) return;
    setState((s) => (s.phase === 'running' ? { ...s, cancelling: true } : s));
    await api.restore.cancel(id).catch(() => {});
  }, []);

  const reset = useCallback(() => {
    runId.current = null;
    setState({ phase: 'idle' });
  }, []);

  return { state, start, cancel, reset };
}
