// The engine process's entry: runs EngineService off the UI thread, in Electron's utility process
// (messages through process.parentPort) or in a Node child process (process.send), whichever exists.
// It posts "ready" once started, answers numbered requests, forwards events, and stops on "stop" or
// when its parent goes away. The profile is PUDDLEPROOF_HOME, or the app's default profile folder.
import { profileHome } from '../profile.js';
import { type FromEngine, parseToEngine, plainMessage, type ToEngine } from './engine-protocol.js';
import { EngineService } from './engine-service.js';

/** The two ends this process can talk through. */
interface Channel {
  post(message: FromEngine): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called when the parent can no longer reach this process. */
  onGone(listener: () => void): void;
}

/** Electron's `process.parentPort`, described here because src/core never imports electron. */
interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

function openChannel(): Channel {
  const parentPort = (process as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    // Electron ends a utility process together with its parent; there is no "gone" event to wait for.
    return {
      post: (message) => parentPort.postMessage(message),
      onMessage: (listener) => parentPort.on('message', (event) => listener(event.data)),
      onGone: () => {},
    };
  }
  const send = process.send?.bind(process);
  if (!send) throw new Error('engine-process must be started by the app (no parent channel)');
  return {
    post: (message) => {
      if (process.connected) send(message);
    },
    onMessage: (listener) => process.on('message', listener),
    onGone: (listener) => process.once('disconnect', listener),
  };
}

const log = (line: string) => process.stderr.write(`puddleproof engine: ${line}\n`);

async function main(): Promise<void> {
  const channel = openChannel();
  /** Posts a message; one that cannot be sent (a value that does not clone) is logged, not fatal. */
  const post = (message: FromEngine): boolean => {
    try {
      channel.post(message);
      return true;
    } catch (err) {
      log(`could not send a ${message.type} message: ${plainMessage(err)}`);
      return false;
    }
  };
  const service = new EngineService({
    home: profileHome(),
    emit: (event, payload) => post({ type: 'event', event, payload }),
  });
  let stopping: Promise<never> | undefined;
  const stop = (code: number) => {
    stopping ??= service.stop().then(
      () => process.exit(code),
      (err: unknown) => {
        log(`stopping failed: ${plainMessage(err)}`);
        process.exit(1);
      },
    );
    return stopping;
  };

  const answer = async (id: number, run: () => Promise<unknown>) => {
    let reply: FromEngine;
    try {
      reply = { type: 'response', id, ok: true, value: await run() };
    } catch (err) {
      reply = { type: 'response', id, ok: false, message: plainMessage(err) };
    }
    if (!post(reply) && reply.ok) {
      post({ type: 'response', id, ok: false, message: 'The engine could not send its answer.' });
    }
  };

  const handle = (message: ToEngine) => {
    if (message.type === 'stop') void stop(0);
    else if (stopping) {
      post({ type: 'response', id: message.id, ok: false, message: 'The engine is shutting down.' });
    } else void answer(message.id, () => service.call(message.method, message.request as never));
  };

  // Requests may arrive while the service starts; they wait for it (main also waits for "ready").
  let started: Promise<void> | undefined;
  channel.onMessage((raw) => {
    const parsed = parseToEngine(raw);
    if ('message' in parsed) {
      if (started) void started.then(() => handle(parsed.message));
      else handle(parsed.message);
      return;
    }
    log(`ignored a malformed message: ${parsed.problem}`);
    if (parsed.id !== undefined) {
      post({
        type: 'response',
        id: parsed.id,
        ok: false,
        message: 'The engine did not understand the request.',
      });
    }
  });
  channel.onGone(() => void stop(0));

  started = service.start();
  try {
    await started;
  } catch (err) {
    log(`could not start: ${plainMessage(err)}`);
    process.exit(1);
  }
  started = undefined;
  post({ type: 'ready' });
}

main().catch((err: unknown) => {
  log(plainMessage(err));
  process.exit(1);
});
