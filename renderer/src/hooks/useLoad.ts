// Loads something from the app once (and again on `reload`), with its error in plain words.
import { useCallback, useEffect, useState } from 'react';
import { messageOf } from '../api.js';

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'ready'; value: T }
  | { state: 'failed'; message: string };

export function useLoad<T>(load: () => Promise<T>): [Loaded<T>, () => void] {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  const [generation, setGeneration] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `load` is read once per generation on purpose.
  useEffect(() => {
    let live = true;
    load().then(
      (value) => {
        if (live) setResult({ state: 'ready', value });
      },
      (err: unknown) => {
        if (live) setResult({ state: 'failed', message: messageOf(err) });
      },
    );
    return () => {
      live = false;
    };
  }, [generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return [result, reload];
}
