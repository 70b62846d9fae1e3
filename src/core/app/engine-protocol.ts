// The messages between main and the engine process (Electron's utility process; a Node child process in
// tests): numbered requests and their responses, events, the engine's "ready" and main's "stop". Each
// side checks what arrives from the other with the parsers here and drops what does not fit.
import { z } from 'zod';
import {
  type EngineMethod,
  type EventName,
  eventNames,
  type MainOnlyChannel,
  mainOnlyChannels,
  requestSchemas,
} from '../../shared/ipc-contract.js';

/** Main asks the engine to run one method; the response carries the same `id`. */
export interface RequestMessage {
  type: 'request';
  id: number;
  method: EngineMethod;
  request: unknown;
}

/** Main asks the engine to stop its work and exit. */
export interface StopMessage {
  type: 'stop';
}

/** The answer to request `id`: its value, or a plain message for people. */
export type ResponseMessage =
  | { type: 'response'; id: number; ok: true; value: unknown }
  | { type: 'response'; id: number; ok: false; message: string };

export interface EventMessage {
  type: 'event';
  event: EventName;
  payload: unknown;
}

/** The engine has started and answers requests from now on. */
export interface ReadyMessage {
  type: 'ready';
}

export type ToEngine = RequestMessage | StopMessage;
export type FromEngine = ResponseMessage | EventMessage | ReadyMessage;

const mainOnly: readonly string[] = mainOnlyChannels;

/** Every method the engine process answers. */
export const engineMethods: readonly EngineMethod[] = [
  ...(Object.keys(requestSchemas) as (keyof typeof requestSchemas)[]).filter(
    (c): c is Exclude<keyof typeof requestSchemas, MainOnlyChannel> => !mainOnly.includes(c),
  ),
  'engine:writeKit',
  'engine:isRestored',
  'engine:writeRenewedKit',
  'engine:kitReminder',
  'engine:kitReminderShown',
];

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const toEngine = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('request'),
    id,
    method: z.enum(engineMethods as [EngineMethod, ...EngineMethod[]], { error: 'is not an engine method' }),
    request: z.unknown().optional(),
  }),
  z.strictObject({ type: z.literal('stop') }),
]);

const fromEngine = z.discriminatedUnion('type', [
  z.discriminatedUnion('ok', [
    z.strictObject({ type: z.literal('response'), id, ok: z.literal(true), value: z.unknown().optional() }),
    z.strictObject({ type: z.literal('response'), id, ok: z.literal(false), message: z.string() }),
  ]),
  z.strictObject({
    type: z.literal('event'),
    event: z.enum(eventNames as [EventName, ...EventName[]], { error: 'is not an event' }),
    payload: z.unknown().optional(),
  }),
  z.strictObject({ type: z.literal('ready') }),
]);

/** A message that did not fit: why (for the log), and the request id when one could be read. */
export interface Malformed {
  problem: string;
  id?: number;
}

function malformed(message: unknown, error: z.ZodError): Malformed {
  const problem = z.prettifyError(error).replaceAll('\n', ' ');
  const raw = typeof message === 'object' && message !== null ? (message as { id?: unknown }).id : undefined;
  return id.safeParse(raw).success ? { problem, id: raw as number } : { problem };
}

/** Checks a message from main (in the engine process). */
export function parseToEngine(message: unknown): { message: ToEngine } | Malformed {
  const parsed = toEngine.safeParse(message);
  return parsed.success ? { message: parsed.data as ToEngine } : malformed(message, parsed.error);
}

/** Checks a message from the engine process (in main). */
export function parseFromEngine(message: unknown): { message: FromEngine } | Malformed {
  const parsed = fromEngine.safeParse(message);
  return parsed.success ? { message: parsed.data as FromEngine } : malformed(message, parsed.error);
}

/** A thrown value as a plain message for people: the error's message, never its stack. */
export function plainMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  return text.trim() || 'The engine ran into an unexpected problem.';
}
