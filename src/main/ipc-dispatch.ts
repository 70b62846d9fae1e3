// Answers the window's requests: each payload is checked against the contract, folder paths must be
// ones the user chose in a folder picker (or that setup offered), main-only channels are answered here
// with native dialogs and the file manager, and the rest go to the engine. No electron import: the
// renderer's Chromium tests run this same dispatcher.
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { z } from 'zod';
import type { AppSettings, FolderPurpose, WindowView } from '../shared/api.js';
import {
  type Channel,
  type EngineApi,
  type IpcReply,
  type MainOnlyChannel,
  type RequestOf,
  type ResponseOf,
  requestSchemas,
} from '../shared/ipc-contract.js';

/** What the dispatcher needs from main (native dialogs and the OS) and the engine. */
export interface MainServices {
  engine: EngineApi;
  dialogs: {
    /** A native folder picker; null if cancelled. */
    pickFolder(purpose: FolderPurpose): Promise<string | null>;
    /** A native save dialog for the recovery kit; null if cancelled. */
    saveKitPath(): Promise<string | null>;
    /** A native open dialog for a recovery kit file; null if cancelled. */
    openKitFile(): Promise<string | null>;
    /**
     * A native confirmation before a new recovery kit is made (it holds the vault's secrets and is shown in
     * the window): true only if the user confirmed, outside the page.
     */
    confirmNewKit(): Promise<boolean>;
  };
  showItemInFolder(path: string): void;
  setStartAtLogin(enabled: boolean): void;
  /** Told the settings after every successful update (main's notifier reads notifyOnSuccess). */
  settingsChanged?(settings: AppSettings): void;
  /** Told after the recovery drill passed in the window (the tray's reminder goes). */
  kitChecked?(): void;
  /** The view main asked the window to show while it was closed or loading, handed over once. */
  takePendingView?(): WindowView | null;
}

/** Answers one request from the window: a value, or a plain message. */
export type Dispatch = (channel: string, payload: unknown) => Promise<IpcReply<unknown>>;

/** A recovery kit is well under 2 KiB; a bigger file is refused before it is read whole. */
export const MAX_KIT_FILE_BYTES = 16 * 1024;

/** A request refused on purpose; its message is for people. */
class Refusal extends Error {}

const NOT_PICKED = 'That folder was not chosen in a folder picker; choose it again with "Choose…".';

/**
 * What a folder the window names is for: the watch and cloud folders (those the user picked for them, those
 * setup offered, the current ones), or a restore's destination (only one picked for it: decrypted chats
 * must never land in a folder the user did not choose for them, such as a synced one).
 */
type GrantKind = 'folders' | 'restore';

/** Folders the window may name, by what for. */
class FolderGrants {
  private readonly granted = { folders: new Set<string>(), restore: new Set<string>() };

  grant(kind: GrantKind, path: string): void {
    this.granted[kind].add(resolve(path));
  }

  /** Throws a Refusal unless every path was granted for `kind` (compared after resolving, exactly). */
  require(kind: GrantKind, ...paths: (string | undefined)[]): void {
    for (const path of paths) {
      if (path !== undefined && !this.granted[kind].has(resolve(path))) throw new Refusal(NOT_PICKED);
    }
  }
}

/** A channel name as it may appear in a message: printable, short. */
function printable(name: string): string {
  const clean = name.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 64 ? `${clean.slice(0, 64)}…` : clean;
}

/** What is wrong with a payload, naming fields and rules but never the values sent. */
function describeProblems(error: z.ZodError): string {
  const problems = error.issues.slice(0, 3).map((issue) => {
    const where = issue.path.length ? issue.path.join('.') : 'the request';
    if (issue.code === 'unrecognized_keys') return `${where} has fields it does not take`;
    if (issue.code === 'invalid_type' && issue.expected === 'undefined') return `${where} takes no data`;
    return `${where}: ${issue.message}`;
  });
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more problems)` : '';
  return problems.join('; ') + more;
}

/** A thrown value as a plain message: the error's message, never its stack. */
function plainMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  return text.trim() || 'Something went wrong; please try again.';
}

/** Reads a recovery kit file the user picked, refusing anything over MAX_KIT_FILE_BYTES. */
async function readKitFile(path: string): Promise<string> {
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Refusal('That file no longer exists; choose the recovery kit again.');
    if (code === 'EACCES' || code === 'EPERM') throw new Refusal('Puddleproof may not read that file.');
    throw new Refusal(`That file could not be opened (${code ?? 'unknown error'}).`);
  }
  try {
    const buffer = Buffer.alloc(MAX_KIT_FILE_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await file.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_KIT_FILE_BYTES) {
      throw new Refusal('That file is too big to be a recovery kit (over 16 KiB); choose the kit file.');
    }
    if (length === 0) throw new Refusal('That file is empty; choose the recovery kit file.');
    return buffer.subarray(0, length).toString('utf8');
  } catch (err) {
    if (err instanceof Refusal) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new Refusal('That is a folder; choose the recovery kit file.');
    throw new Refusal(`That file could not be read (${code ?? 'unknown error'}).`);
  } finally {
    await file.close();
  }
}

type Handler<C extends Channel> = (request: RequestOf<C>) => Promise<ResponseOf<C>>;
/** Main answers its own channels (required here) and checks some engine ones before forwarding. */
type Handlers = { [C in MainOnlyChannel]: Handler<C> } & {
  [C in Exclude<Channel, MainOnlyChannel>]?: Handler<C>;
};

/**
 * The dispatcher main registers for every channel (and the renderer's tests call directly). It keeps
 * the folders the user picked; paths the window sends must be among them.
 */
export function createDispatcher(services: MainServices): Dispatch {
  const { engine, dialogs } = services;
  const grants = new FolderGrants();

  /** The text of a kit file picked in the open dialog; null if the user cancelled. */
  const kitFromFile = async (): Promise<string | null> => {
    const path = await dialogs.openKitFile();
    if (path === null) return null;
    const text = await readKitFile(path);
    if (!requestSchemas['kit:paste'].safeParse({ text }).success) {
      throw new Refusal('That file is not a recovery kit.');
    }
    return text;
  };
  /** Saves a kit the engine holds (the new one, or a renewed one) where the user chooses. */
  const saveKit = async (write: 'engine:writeKit' | 'engine:writeRenewedKit') => {
    const path = await dialogs.saveKitPath();
    if (path === null) return null;
    const { warnings } = await engine.call(write, { path });
    return { path, warnings };
  };
  /** The recovery drill with a kit's text; main's reminder learns that the kit was checked. */
  const checkKit = async (text: string) => {
    const checked = await engine.call('kit:check', { text });
    services.kitChecked?.();
    return checked;
  };

  const grantCurrent = (settings: AppSettings): AppSettings => {
    grants.grant('folders', settings.watchDir);
    grants.grant('folders', settings.cloudDir);
    return settings;
  };

  const handlers: Handlers = {
    'setup:state': async () => {
      const state = await engine.call('setup:state', undefined);
      if (state.stage === 'needsSetup') {
        grants.grant('folders', state.defaultWatchDir);
        for (const folder of state.cloudFolders) grants.grant('folders', folder.path);
      }
      return state;
    },
    'setup:createKeys': async (request) => {
      grants.require('folders', request.watchDir, request.cloudDir);
      return engine.call('setup:createKeys', request);
    },
    'setup:saveKit': () => saveKit('engine:writeKit'),
    'setup:joinVault': async (request) => {
      grants.require('folders', request.watchDir, request.cloudDir);
      const kitText = request.kitText ?? (await kitFromFile());
      if (kitText === null) throw new Refusal('No recovery kit was chosen.');
      return engine.call('setup:joinVault', { ...request, kitText });
    },
    'setup:pairRequest': async (request) => {
      grants.require('folders', request.watchDir, request.cloudDir);
      return engine.call('setup:pairRequest', request);
    },
    'folders:check': async (request) => {
      grants.require('folders', request.watchDir, request.cloudDir);
      return engine.call('folders:check', request);
    },
    'dialog:pickFolder': async ({ purpose }) => {
      const path = await dialogs.pickFolder(purpose);
      if (path !== null) grants.grant(purpose === 'restoreDestination' ? 'restore' : 'folders', path);
      return path;
    },
    'kit:load': async () => {
      const text = await kitFromFile();
      return text === null ? engine.call('kit:status', undefined) : engine.call('kit:paste', { text });
    },
    'kit:checkFile': async () => {
      const text = await kitFromFile();
      return text === null ? null : checkKit(text);
    },
    'kit:renew': async () => {
      if (!(await dialogs.confirmNewKit())) throw new Refusal('No new recovery kit was made.');
      return engine.call('kit:renew', undefined);
    },
    'kit:renewSave': () => saveKit('engine:writeRenewedKit'),
    'kit:check': ({ text }) => checkKit(text),
    'restore:start': async (request) => {
      grants.require('restore', request.destinationParent);
      return engine.call('restore:start', request);
    },
    'restore:showInFolder': async ({ destination }) => {
      if (!(await engine.call('engine:isRestored', { destination }))) {
        throw new Refusal('Only folders Puddleproof restored can be shown.');
      }
      services.showItemInFolder(destination);
      return undefined;
    },
    'window:pendingView': async () => services.takePendingView?.() ?? null,
    'settings:get': async () => grantCurrent(await engine.call('settings:get', undefined)),
    'settings:update': async (request) => {
      grants.require('folders', request.watchDir, request.cloudDir);
      const settings = grantCurrent(await engine.call('settings:update', request));
      if (request.startAtLogin !== undefined) services.setStartAtLogin(request.startAtLogin);
      services.settingsChanged?.(settings);
      return settings;
    },
  };

  return async (channel, payload) => {
    if (!Object.hasOwn(requestSchemas, channel)) {
      return { ok: false, message: `Unknown request "${printable(channel)}".` };
    }
    const known = channel as Channel;
    const parsed = requestSchemas[known].safeParse(payload);
    if (!parsed.success) {
      return { ok: false, message: `Invalid request for ${known}: ${describeProblems(parsed.error)}.` };
    }
    try {
      const handler = handlers[known] as ((request: unknown) => Promise<unknown>) | undefined;
      const value = handler
        ? await handler(parsed.data)
        : await engine.call(known as Exclude<Channel, MainOnlyChannel>, parsed.data as never);
      return { ok: true, value };
    } catch (err) {
      return { ok: false, message: plainMessage(err) };
    }
  };
}
