// Runs in the page (bundled by esbuild, added as an init script): window.puddleproof built by the same
// createApi the preload uses, over a transport that calls the test's Playwright binding — which runs the
// real dispatcher and engine — and receives the engine's events from the test. No DOM or Node types here.
import { createApi } from '../../src/shared/api-client.js';
import type { IpcReply } from '../../src/shared/ipc-contract.js';

interface Host {
  /** The Playwright binding (see harness.ts). */
  __puddleproofInvoke(channel: string, request: unknown): Promise<IpcReply<unknown>>;
  navigator: { userAgent: string };
}

const host = globalThis as unknown as Host;
const listeners = new Map<string, Set<(payload: unknown) => void>>();

const api = createApi({
  invoke: (channel, request) => host.__puddleproofInvoke(channel, request) as Promise<never>,
  subscribe(event, listener) {
    const set = listeners.get(event) ?? new Set();
    listeners.set(event, set);
    const forward = (payload: unknown) => listener(payload as never);
    set.add(forward);
    return () => {
      set.delete(forward);
    };
  },
  versions: {
    electron: 'none (Chromium test)',
    chrome: /Chrome\/([\d.]+)/.exec(host.navigator.userAgent)?.[1] ?? '',
    node: '',
  },
});

Object.defineProperty(globalThis, 'puddleproof', { value: Object.freeze(api), enumerable: true });
/** How the test delivers an engine event to the page's subscribers. */
Object.defineProperty(globalThis, '__puddleproofEvent', {
  value: (event: string, payload: unknown) => {
    for (const listener of listeners.get(event) ?? []) listener(payload);
  },
});
