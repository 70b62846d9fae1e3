// The views main asks the window to show (the drill reminder in the tray opens Settings → Recovery kit):
// the one asked for while the window was closed or loading, then each one asked for while it is open.
import { useEffect, useRef } from 'react';
import type { WindowView } from '../../../src/shared/api.js';
import { api } from '../api.js';

export function useWindowView(onView: (view: WindowView) => void): void {
  const latest = useRef(onView);
  latest.current = onView;
  useEffect(() => {
    let live = true;
    const off = api.navigation.onOpen((view) => latest.current(view));
    // If main cannot be asked, the window simply opens where it starts.
    api.navigation.pending().then(
      (view) => {
        if (live && view) latest.current(view);
      },
      () => {},
    );
    return () => {
      live = false;
      off();
    };
  }, []);
}
