// The engine's live status: fetched once, then kept current by status.onChange.
import { useEffect, useState } from 'react';
import type { EngineStatus } from '../../../src/shared/api.js';
import { api } from '../api.js';

export function useStatus(): EngineStatus | null {
  const [status, setStatus] = useState<EngineStatus | null>(null);
  useEffect(() => {
    let changed = false;
    let live = true;
    const unsubscribe = api.status.onChange((next) => {
      changed = true;
      setStatus(next);
    });
    api.status.get().then(
      (first) => {
        // An event that arrived meanwhile is newer than this answer.
        if (live && !changed) setStatus(first);
      },
      () => {},
    );
    return () => {
      live = false;
      unsubscribe();
    };
  }, []);
  return status;
}
