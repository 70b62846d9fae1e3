// The IPC contract: every channel between the window, the main process and the engine process, with
// the schema of its request (checked on arrival) and the type of its response. Events flow the other
// way. No Node or Electron imports here: main, preload, engine and renderer all read this file.
import { z } from 'zod';
import type {
  AppSettings,
  ArchiveListing,
  DeviceView,
  FolderCheck,
  HistoryView,
  KitCheckResult,
  KitDrill,
  KitReminder,
  KitStatus,
  PairingOutcome,
  PairingRequestView,
  PairingView,
  Progress,
  RecipientView,
  RecoveryKitView,
  RestoreOutcome,
  RestoreStarted,
  SavedKit,
  SetupState,
  TrustHistory,
  VerifyAllOutcome,
  VersionPreview,
  WindowView,
} from './api.js';
import type { EngineStatus } from './status.js';

/** An absolute path (POSIX or Windows), without NUL bytes. */
const absolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine(
    (p) => !p.includes('\0') && (p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\')),
    {
      message: 'must be an absolute path',
    },
  );

/** One folder name to create: no separators, not "." or "..". */
const folderName = z
  .string()
  .min(1)
  .max(255)
  .refine((n) => !/[/\\\0]/.test(n) && n !== '.' && n !== '..' && n.trim() === n, {
    message: 'must be a plain folder name',
  });

/** A backup id as the vault names them (see README, "Vault format"). */
const backupId = z
  .string()
  .max(64)
  .regex(/^\d{8}T\d{6}Z-[a-z2-7]{12}$/, 'is not a backup id');

/** A device's id in the vault's trusted list (its profile's random UUID). */
const deviceId = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'is not a device id');

/** A pairing code as the new device shows it: 26 letters and digits (case, spaces and dashes ignored). */
const pairingCode = z
  .string()
  .max(64)
  .refine((c) => /^[a-z2-7]{26}$/.test(c.toLowerCase().replace(/[\s-]/g, '')), {
    message: 'is not a pairing code (26 letters and digits)',
  });

const runId = z.string().regex(/^run-[0-9a-f]{16}$/, 'is not a run id');
const count = (max: number) => z.number().int().min(0).max(max);
const nothing = z.undefined();

const retention = z.strictObject({
  last: count(1000),
  hourly: count(1000),
  daily: count(1000),
  weekly: count(1000),
  monthly: count(1000),
  yearly: count(1000),
});

const settingsUpdate = z.strictObject({
  watchDir: absolutePath.optional(),
  cloudDir: absolutePath.optional(),
  deviceName: z.string().trim().min(1).max(100).optional(),
  quietSeconds: z.number().int().min(1).max(3600).optional(),
  retention: retention.optional(),
  startAtLogin: z.boolean().optional(),
  notifyOnSuccess: z.boolean().optional(),
  /** How often to ask for the recovery drill, in months (0: never). */
  kitCheckMonths: z.union([z.literal(0), z.literal(1), z.literal(3), z.literal(6), z.literal(12)]).optional(),
});

const folders = { watchDir: absolutePath, cloudDir: absolutePath };
/** A recovery kit's text, as pasted (a kit is well under 2 KiB; extra room for comments). */
const kitText = z
  .string()
  .min(1)
  .max(16 * 1024);

/** Request schemas of the channels the window may invoke. */
export const requestSchemas = {
  'setup:state': nothing,
  'setup:createKeys': z.strictObject({
    ...folders,
    deviceName: z.string().trim().min(1).max(100).optional(),
  }),
  'setup:saveKit': nothing,
  'setup:confirmKit': z.strictObject({ typed: z.string().max(200) }),
  'setup:joinVault': z.strictObject({ ...folders, kitText: kitText.optional() }),
  'setup:pairRequest': z.strictObject(folders),
  'setup:pairCancel': nothing,
  'folders:check': z.strictObject(folders),
  'dialog:pickFolder': z.strictObject({ purpose: z.enum(['watch', 'cloud', 'restoreDestination']) }),
  'status:get': nothing,
  'backup:now': nothing,
  'watching:pause': nothing,
  'watching:resume': nothing,
  'history:list': nothing,
  'history:files': z.strictObject({ id: backupId }),
  'history:preview': z.strictObject({ id: backupId }),
  'kit:status': nothing,
  'kit:load': nothing,
  'kit:paste': z.strictObject({ text: kitText }),
  'kit:forget': nothing,
  'kit:check': z.strictObject({ text: kitText }),
  'kit:checkFile': nothing,
  'kit:drill': nothing,
  'kit:renew': nothing,
  'kit:renewSave': nothing,
  'kit:renewConfirm': z.strictObject({ typed: z.string().max(200) }),
  'kit:renewCancel': nothing,
  'restore:start': z.strictObject({
    id: backupId,
    destinationParent: absolutePath,
    folderName,
    paths: z
      .array(z.string().min(1).max(4096))
      .max(100_000)
      .refine((paths) => paths.reduce((sum, p) => sum + p.length, 0) <= 4 * 1024 * 1024, {
        message: 'too many characters in all (at most 4 MiB)',
      })
      .optional(),
  }),
  'restore:cancel': z.strictObject({ runId }),
  'restore:showInFolder': z.strictObject({ destination: absolutePath }),
  'verify:all': nothing,
  'settings:get': nothing,
  'settings:update': settingsUpdate,
  'recipients:list': nothing,
  'recipients:add': z.strictObject({
    recipient: z
      .string()
      .regex(/^age1[0-9a-z]+$/, 'is not an age recipient (age1…)')
      .max(4096),
    label: z.string().trim().min(1).max(100),
  }),
  'recipients:remove': z.strictObject({ recipient: z.string().min(1).max(4096) }),
  'devices:list': nothing,
  'devices:remove': z.strictObject({ id: deviceId }),
  'devices:changes': nothing,
  'window:pendingView': nothing,
  'pair:find': z.strictObject({ code: pairingCode }),
  'pair:approve': z.strictObject({ code: pairingCode }),
} as const;

/** Every channel the window may invoke. */
export type Channel = keyof typeof requestSchemas;
/** What a channel's request carries (after validation). */
export type RequestOf<C extends Channel> = z.infer<(typeof requestSchemas)[C]>;

/** What each channel answers. */
export interface Responses {
  'setup:state': SetupState;
  'setup:createKeys': RecoveryKitView;
  'setup:saveKit': SavedKit | null;
  'setup:confirmKit': { ok: boolean; message: string };
  'setup:joinVault': undefined;
  'setup:pairRequest': PairingRequestView;
  'setup:pairCancel': undefined;
  'folders:check': FolderCheck;
  'dialog:pickFolder': string | null;
  'status:get': EngineStatus;
  'backup:now': undefined;
  'watching:pause': undefined;
  'watching:resume': undefined;
  'history:list': HistoryView;
  'history:files': ArchiveListing;
  'history:preview': VersionPreview;
  'kit:status': KitStatus;
  'kit:load': KitStatus;
  'kit:paste': KitStatus;
  'kit:forget': KitStatus;
  'kit:check': KitCheckResult;
  'kit:checkFile': KitCheckResult | null;
  'kit:drill': KitDrill;
  'kit:renew': RecoveryKitView;
  'kit:renewSave': SavedKit | null;
  'kit:renewConfirm': { ok: boolean; message: string };
  'kit:renewCancel': undefined;
  'restore:start': RestoreStarted;
  'restore:cancel': undefined;
  'restore:showInFolder': undefined;
  'verify:all': { runId: string };
  'settings:get': AppSettings;
  'settings:update': AppSettings;
  'recipients:list': RecipientView[];
  'recipients:add': RecipientView[];
  'recipients:remove': RecipientView[];
  'devices:list': DeviceView[];
  'devices:remove': DeviceView[];
  'devices:changes': TrustHistory;
  'window:pendingView': WindowView | null;
  'pair:find': PairingView;
  'pair:approve': DeviceView[];
}
export type ResponseOf<C extends Channel> = Responses[C];

/** Events pushed to the window (and from the engine process to main). */
export interface Events {
  'status:changed': EngineStatus;
  'restore:progress': Progress;
  'restore:finished': RestoreOutcome;
  'verify:progress': Progress;
  'verify:finished': VerifyAllOutcome;
  'setup:paired': PairingOutcome;
  /** Main asks the window to show a view (sent by main itself, not the engine). */
  'window:open': WindowView;
}
export type EventName = keyof Events;
export const eventNames: readonly EventName[] = [
  'status:changed',
  'restore:progress',
  'restore:finished',
  'verify:progress',
  'verify:finished',
  'setup:paired',
  'window:open',
];

/**
 * Channels main answers itself (native dialogs, the file manager); the rest go to the engine process.
 * Main turns `setup:saveKit` into `engine:writeKit`, and `kit:load` / `kit:checkFile` / `setup:joinVault`
 * from a file into requests carrying the file's text.
 */
export const mainOnlyChannels = [
  'dialog:pickFolder',
  'setup:saveKit',
  'kit:load',
  'kit:checkFile',
  'kit:renewSave',
  'restore:showInFolder',
  'window:pendingView',
] as const;
export type MainOnlyChannel = (typeof mainOnlyChannels)[number];

/** What the engine process answers: the window's channels main forwards, plus main's own requests. */
export type EngineRequests = {
  [C in Exclude<Channel, MainOnlyChannel>]: { request: RequestOf<C>; response: ResponseOf<C> };
} & {
  /** Writes the pending recovery kit to a path the user chose in a save dialog. */
  'engine:writeKit': { request: { path: string }; response: { warnings: string[] } };
  /** Writes the new kit of "I lost my kit" (not in use yet) to a path the user chose in a save dialog. */
  'engine:writeRenewedKit': { request: { path: string }; response: { warnings: string[] } };
  /** Whether a finished restore wrote `destination` (main shows only those in the file manager). */
  'engine:isRestored': { request: { destination: string }; response: boolean };
  /** Whether the recovery drill is due, its period, and whether its reminder was shown for that period. */
  'engine:kitReminder': { request: undefined; response: KitReminder };
  /** Remembers in the profile that the drill's reminder was shown for `period` (one per due period). */
  'engine:kitReminderShown': { request: { period: string }; response: undefined };
};
export type EngineMethod = keyof EngineRequests;

/** The engine as main (or a test) calls it: one typed async call per method. */
export interface EngineApi {
  call<M extends EngineMethod>(
    method: M,
    request: EngineRequests[M]['request'],
  ): Promise<EngineRequests[M]['response']>;
}

/** What travels back over IPC: a value, or a plain message for people (never a stack). */
export type IpcReply<T> = { ok: true; value: T } | { ok: false; message: string };
