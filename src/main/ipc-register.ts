// The one way the window's requests reach main: a handler per contract channel, each behind the same
// guard (default deny: only our window's main frame showing our app:// page gets an answer), and the
// way back: engine events go to our window only.
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { type EventName, eventNames, type IpcReply, requestSchemas } from '../shared/ipc-contract.js';
import type { Dispatch } from './ipc-dispatch.js';
import { type ContentsLike, isTrustedSender } from './trusted-sender.js';

/** What the guard and the forwarder need of our window (Electron's BrowserWindow fits). */
export interface OurWindow {
  isDestroyed(): boolean;
  readonly webContents: ContentsLike & { send(channel: string, ...args: unknown[]): void };
}

/** Our window right now, or null while it is closed. */
export type CurrentWindow = () => OurWindow | null;

/** The answer to any request that is not from our window's main frame. */
export const UNTRUSTED_SENDER = 'Refused: this request did not come from the Puddleproof window.';

function liveContents(window: CurrentWindow): OurWindow['webContents'] | null {
  const current = window();
  return current && !current.isDestroyed() ? current.webContents : null;
}

/** Wraps `dispatch` for one channel: refuses untrusted senders and extra arguments before it runs. */
export function guarded(channel: string, window: CurrentWindow, dispatch: Dispatch) {
  return async (event: IpcMainInvokeEvent, ...args: unknown[]): Promise<IpcReply<unknown>> => {
    if (!isTrustedSender(event.sender, event.senderFrame, liveContents(window))) {
      return { ok: false, message: UNTRUSTED_SENDER };
    }
    if (args.length > 1) return { ok: false, message: `Invalid request for ${channel}: too many arguments.` };
    return dispatch(channel, args[0]);
  };
}

/** Registers one guarded handler for every channel of the contract (and nothing else). */
export function registerIpcHandlers(
  ipcMain: Pick<IpcMain, 'handle'>,
  window: CurrentWindow,
  dispatch: Dispatch,
) {
  for (const channel of Object.keys(requestSchemas)) {
    ipcMain.handle(channel, guarded(channel, window, dispatch));
  }
}

const knownEvents: readonly string[] = eventNames;

/** Sends an engine event to our window, if it is open; anything not in the contract is dropped. */
export function forwardEvent(window: CurrentWindow, event: EventName, payload: unknown): void {
  if (!knownEvents.includes(event)) return;
  liveContents(window)?.send(event, payload);
}
