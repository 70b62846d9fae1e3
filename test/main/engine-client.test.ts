// EngineClient with the real engine process (dist/core/app/engine-process.js, forked as a Node child
// process as the app forks it in Electron's utility process), a temporary profile and the real keychain:
// requests and events, plain error messages, malformed messages, crashes and restarts, a crash loop,
// and a clean stop.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FromEngine } from '../../src/core/app/engine-protocol.js';
import { EngineService } from '../../src/core/app/engine-service.js';
import { type Device, initVault } from '../../src/core/device.js';
import { deleteVaultSecrets } from '../../src/core/keys/vault-secrets.js';
import { forkNodeEngine, type NodeEngineChild } from '../../src/main/engine-child-process.js';
import { EngineClient, type EngineClientOptions } from '../../src/main/engine-client.js';
import type { EngineStatus } from '../../src/shared/status.js';
import { alive } from './helpers/process-alive.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = join(root, 'dist/core/app/engine-process.js');

/** The tests run the built engine; a build older than the engine's sources would test stale code. */
before(async () => {
  const built = await stat(ENTRY).catch(() => null);
  assert.ok(built, `${ENTRY} is missing: run \`node scripts/build.mjs\` first`);
  for (const layer of ['src/core', 'src/shared']) {
    for (const entry of await readdir(join(root, layer), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const path = join(entry.parentPath, entry.name);
      const changed = (await stat(path)).mtimeMs;
      assert.ok(changed <= built.mtimeMs, `${path} changed after the build: run \`node scripts/build.mjs\``);
    }
  }
});

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'puddleproof-engine-client-'));
});
after(() => rm(scratch, { recursive: true, force: true }));

let homes = 0;
/** A fresh, empty profile folder. */
async function emptyHome(): Promise<string> {
  const home = join(scratch, `home-${++homes}`);
  await mkdir(home);
  return home;
}

/** An EngineClient over real engine processes for `home`, recording what it reports. */
function engineFor(home: string, options: Partial<EngineClientOptions> = {}) {
  const children: NodeEngineChild[] = [];
  const events: { event: string; payload: unknown }[] = [];
  const crashes: string[] = [];
  const logs: string[] = [];
  const client = new EngineClient({
    spawn: () => {
      const child = forkNodeEngine(ENTRY, { ...process.env, PUDDLEPROOF_HOME: home });
      children.push(child);
      return child;
    },
    onEvent: (event, payload) => events.push({ event, payload }),
    onCrash: (reason) => crashes.push(reason),
    log: (line) => logs.push(line),
    restart: { firstDelayMs: 100, maxDelayMs: 400 },
    stopTimeoutMs: 2000,
    ...options,
  });
  return { client, children, events, crashes, logs };
}

const waitFor = async (what: string, condition: () => boolean, ms = 20_000) => {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Rejection message of `promise` (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof Error);
    return err.message;
  }
  assert.fail('expected the call to fail');
}

describe('requests and answers', { timeout: 60_000 }, () => {
  test('a request answers with the engine value; one made before ready waits for it', async () => {
    const home = await emptyHome();
    const { client, children } = engineFor(home);
    try {
      const early = client.call('setup:state', undefined);
      await client.start();
      const state = await early;
      assert.equal(state.stage, 'needsSetup');
      assert.deepEqual(await client.call('setup:state', undefined), state);
      assert.equal(children.length, 1);
    } finally {
      await client.stop();
    }
  });

  test("the engine's errors arrive as its plain message, without a stack", async () => {
    const home = await emptyHome();
    const { client } = engineFor(home);
    // The same call in-process tells what the engine says.
    const inProcess = new EngineService({ home, emit: () => {} });
    const request = { id: '20260101T000000Z-aaaaaaaaaaaa' };
    const expected = await failure(inProcess.call('history:files', request));
    try {
      await client.start();
      const message = await failure(client.call('history:files', request));
      assert.equal(message, expected);
      assert.doesNotMatch(message, /\n\s+at |engine-service|\.js:\d+/);
    } finally {
      await client.stop();
    }
  });

  test("events of a set-up profile's engine reach onEvent", async (t) => {
    const dir = join(scratch, 'vault');
    await mkdir(join(dir, 'watch'), { recursive: true });
    await mkdir(join(dir, 'cloud'));
    const device: Device = await initVault({
      home: join(dir, 'home'),
      watchDir: join(dir, 'watch'),
      cloudDir: join(dir, 'cloud'),
      kitPath: join(dir, 'kit.txt'),
    });
    t.after(() => deleteVaultSecrets(device.store));
    const { client, events } = engineFor(device.home);
    try {
      await client.start();
      await client.call('watching:pause', undefined);
      await waitFor('a paused status event', () =>
        events.some(
          (e) => e.event === 'status:changed' && (e.payload as EngineStatus).state.kind === 'paused',
        ),
      );
      assert.equal((await client.call('status:get', undefined)).state.kind, 'paused');
      await client.call('watching:resume', undefined);
      await waitFor('a status event after resuming', () => {
        const last = events.at(-1);
        return last?.event === 'status:changed' && (last.payload as EngineStatus).state.kind !== 'paused';
      });
    } finally {
      await client.stop();
    }
  });
});

describe('malformed messages', { timeout: 60_000 }, () => {
  test('the engine process drops malformed messages, refuses unknown methods and keeps answering', async () => {
    const home = await emptyHome();
    const child = forkNodeEngine(ENTRY, { ...process.env, PUDDLEPROOF_HOME: home });
    const received: FromEngine[] = [];
    child.onMessage((m) => received.push(m as FromEngine));
    let exitCode: number | null | undefined;
    child.onExit((code) => {
      exitCode = code;
    });
    try {
      await waitFor('ready', () => received.some((m) => m.type === 'ready'));
      for (const junk of [
        null,
        'request',
        42,
        { type: 'request' },
        { type: 'request', id: -1, method: 'x' },
      ]) {
        child.postMessage(junk);
      }
      child.postMessage({ type: 'request', id: 7, method: 'shell:run', request: 'rm -rf /' });
      child.postMessage({ type: 'request', id: 8, method: 'setup:state', request: undefined });
      await waitFor('two responses', () => received.filter((m) => m.type === 'response').length === 2);
      const responses = received.filter((m) => m.type === 'response');
      assert.deepEqual(responses[0], {
        type: 'response',
        id: 7,
        ok: false,
        message: 'The engine did not understand the request.',
      });
      assert.equal(responses[1]?.id, 8);
      assert.equal(responses[1]?.ok, true);
      assert.equal(exitCode, undefined, 'the engine kept running');
      child.postMessage({ type: 'stop' });
      await waitFor('the engine to exit after "stop"', () => exitCode !== undefined);
      assert.equal(exitCode, 0);
    } finally {
      child.kill();
    }
  });

  test('the client ignores malformed messages from the engine and keeps working', async () => {
    const home = await emptyHome();
    const listeners: ((message: unknown) => void)[] = [];
    const { client, logs, events } = engineFor(home, {
      spawn: () => {
        const child = forkNodeEngine(ENTRY, { ...process.env, PUDDLEPROOF_HOME: home });
        return {
          ...child,
          onMessage: (listener) => {
            listeners.push(listener);
            child.onMessage(listener);
          },
        };
      },
    });
    try {
      await client.start();
      const deliver = (m: unknown) => {
        for (const l of listeners) l(m);
      };
      deliver({ type: 'event', event: 'shell:open', payload: '/' });
      deliver({ type: 'response', id: 1, ok: 'maybe' });
      deliver({ type: 'response', id: 999, ok: true, value: 'for nobody' });
      deliver(undefined);
      assert.equal(events.length, 0);
      assert.equal(logs.length, 4, logs.join('\n'));
      assert.equal((await client.call('setup:state', undefined)).stage, 'needsSetup');
    } finally {
      await client.stop();
    }
  });
});

describe('crashes', { timeout: 60_000 }, () => {
  test('a killed engine fails its request plainly, is restarted, and answers a request made meanwhile', async () => {
    const home = await emptyHome();
    let killNext = false;
    const { client, children, crashes } = engineFor(home, {
      spawn: () => {
        const child = forkNodeEngine(ENTRY, { ...process.env, PUDDLEPROOF_HOME: home });
        children.push(child);
        return {
          ...child,
          // Kills the process the moment it was handed a request: the request is in flight.
          postMessage: (message) => {
            child.postMessage(message);
            if (killNext && (message as { type: string }).type === 'request') {
              killNext = false;
              process.kill(child.pid ?? 0, 'SIGKILL');
            }
          },
        };
      },
    });
    try {
      await client.start();
      killNext = true;
      const message = await failure(client.call('setup:state', undefined));
      assert.equal(
        message,
        'The engine stopped unexpectedly (it was killed) while working on setup:state; it is being restarted.',
      );
      assert.deepEqual(crashes, ['The engine stopped unexpectedly (it was killed); it is being restarted.']);
      // Made while the restart waits: answered by the new process.
      assert.equal(children.length, 1, 'the new process is not there yet');
      const meanwhile = await client.call('setup:state', undefined);
      assert.equal(meanwhile.stage, 'needsSetup');
      assert.equal(children.length, 2);
      assert.equal(alive(children[0]?.pid), false);
    } finally {
      await client.stop();
    }
  });

  test('a crash loop ends in clear failures instead of endless restarts', async () => {
    const home = await emptyHome();
    const { client, children, crashes } = engineFor(home, {
      restart: { firstDelayMs: 20, maxDelayMs: 100, maxCrashes: 3, windowMs: 60_000 },
      spawn: () => {
        const child = forkNodeEngine(ENTRY, { ...process.env, PUDDLEPROOF_HOME: home });
        children.push(child);
        process.kill(child.pid ?? 0, 'SIGKILL');
        return child;
      },
    });
    const queued = client.call('setup:state', undefined);
    const started = failure(client.start());
    const giveUp =
      'The engine is not running: it stopped unexpectedly 3 times within 60 s, so Puddleproof no longer ' +
      'restarts it. Quit Puddleproof and open it again.';
    assert.equal(await started, giveUp);
    assert.equal(await failure(queued), giveUp);
    assert.equal(await failure(client.call('history:list', undefined)), giveUp);
    assert.equal(crashes.length, 3);
    assert.equal(
      crashes[2],
      'The engine stopped unexpectedly (it was killed); this happened 3 times within 60 s, so Puddleproof ' +
        'no longer restarts it. Quit Puddleproof and open it again.',
    );
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(children.length, 3, 'no restart after giving up');
    assert.ok(children.every((c) => !alive(c.pid)));
    await client.stop();
  });
});

describe('stop', { timeout: 60_000 }, () => {
  test('stop() ends the engine cleanly, and later calls fail plainly', async () => {
    const home = await emptyHome();
    const { client, children, crashes } = engineFor(home);
    await client.start();
    await client.stop();
    assert.equal(alive(children[0]?.pid), false);
    assert.deepEqual(crashes, [], 'a requested stop is not a crash');
    assert.equal(
      await failure(client.call('setup:state', undefined)),
      'The engine has been stopped because Puddleproof is quitting.',
    );
  });

  test('stop() kills an engine that does not answer "stop" in time', async () => {
    const home = await emptyHome();
    const { client, children, logs } = engineFor(home, { stopTimeoutMs: 300 });
    await client.start();
    const pid = children[0]?.pid ?? 0;
    process.kill(pid, 'SIGSTOP');
    const pendingCall = failure(client.call('setup:state', undefined));
    await client.stop();
    assert.equal(alive(pid), false);
    assert.match(logs.join('\n'), /did not stop within 300 ms; killing it/);
    assert.equal(await pendingCall, 'The engine has been stopped because Puddleproof is quitting.');
  });
});
