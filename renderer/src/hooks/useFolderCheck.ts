// The folder check of an export folder and a cloud folder, asked again whenever either changes: why the
// pair is refused (null when it is not) and the warnings that do not refuse it.
import { useEffect, useState } from 'react';
import { api, messageOf } from '../api.js';
import { type FolderCheckState, UNCHECKED } from '../folder-check.js';

export function useFolderCheck(watchDir: string | null, cloudDir: string | null): FolderCheckState {
  const [result, setResult] = useState<FolderCheckState>(UNCHECKED);
  useEffect(() => {
    setResult(UNCHECKED);
    if (!watchDir || !cloudDir) return;
    let live = true;
    api.folders.check({ watchDir, cloudDir }).then(
      (check) => {
        if (live) setResult({ ...check, problem: null });
      },
      (err: unknown) => {
        if (live) setResult({ ...UNCHECKED, problem: messageOf(err) });
      },
    );
    // A later choice makes this answer stale.
    return () => {
      live = false;
    };
  }, [watchDir, cloudDir]);
  return result;
}
