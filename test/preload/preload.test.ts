// The built preload bundle (dist/preload/preload.cjs), run with a recording stand-in for electron's
// contextBridge and ipcRenderer (Electron's binary cannot run here): what the page gets is the domain API
// only, replies are unwrapped into values or plain errors, and every subscription can be undone.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import type { PuddleproofApi } from '../../src/shared/api.js';

const BUNDLE = new URL('../../dist/preload/preload.cjs', import.meta.url);

/** Runs the bundle with a stand-in for `electron`; returns what it exposed and the stand-in's records. */
function loadPreload(replies: Record<string, unknown>) {
  const exposed = new Map<string, unknown>();
  const invoked: [string, unknown][] = [];
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  const electronStandIn = {
    contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
    ipcRenderer: {
      invoke: async (channel: string, request: unknown) => {
        invoked.push([channel, request]);
        return replies[channel];
      },
      on: (event: string, listener: (...args: unknown[]) => void) => {
        listeners.set(event, (listeners.get(event) ?? new Set()).add(listener));
      },
      removeListener: (event: string, listener: (...args: unknown[]) => void) => {
        listeners.get(event)?.delete(listener);
      },
    },
  };
  const realRequire = createRequire(BUNDLE);
  const module = { exports: {} };
  const run = new Function('require', 'module', 'exports', 'process', readFileSync(BUNDLE, 'utf8'));
  run(
    (id: string) => (id === 'electron' ? electronStandIn : realRequire(id)),
    module,
    module.exports,
    process,
  );
  const emit = (event: string, payload: unknown) => {
    for (const listener of listeners.get(event) ?? []) listener({ sender: 'the IpcRendererEvent' }, payload);
  };
  return { exposed, invoked, listeners, emit };
}

test('exposes only window.puddleproof: the domain API, without ipcRenderer', () => {
  const { exposed } = loadPreload({});
  assert.deepEqual([...exposed.keys()], ['puddleproof']);
  const api = exposed.get('puddleproof') as PuddleproofApi;
  assert.deepEqual(Object.keys(api).sort(), [
    'backup',
    'devices',
    'dialogs',
    'folders',
    'history',
    'kit',
    'navigation',
    'pairing',
    'recipients',
    'restore',
    'settings',
    'setup',
    'status',
    'verify',
    'versions',
    'watching',
  ]);
  assert.equal(JSON.stringify(api).includes('ipcRenderer'), false);
});

test('a reply becomes its value; a refusal becomes an Error with the plain message', async () => {
  const { exposed, invoked } = loadPreload({
    'history:files': { ok: true, value: { ok: true, entries: [] } },
    'backup:now': { ok: false, message: 'Puddleproof is not set up yet.' },
  });
  const api = exposed.get('puddleproof') as PuddleproofApi;
  assert.deepEqual(await api.history.files('20261126T100000Z-aaaaaaaaaaaa'), { ok: true, entries: [] });
  await assert.rejects(api.backup.now(), { message: 'Puddleproof is not set up yet.' });
  assert.deepEqual(invoked, [
    ['history:files', { id: '20261126T100000Z-aaaaaaaaaaaa' }],
    ['backup:now', undefined],
  ]);
});

test('subscriptions get the payload only (never the event object) and unsubscribe', () => {
  const { exposed, emit, listeners } = loadPreload({});
  const api = exposed.get('puddleproof') as PuddleproofApi;
  const seen: unknown[] = [];
  const off = api.status.onChange((status) => seen.push(status));
  emit('status:changed', { state: { kind: 'idle' } });
  assert.deepEqual(seen, [{ state: { kind: 'idle' } }]);
  off();
  emit('status:changed', { state: { kind: 'paused' } });
  assert.equal(seen.length, 1);
  assert.equal(listeners.get('status:changed')?.size, 0);
});

test('main asks for a view: the page gets only a view it knows; the one waiting is asked for once', async () => {
  const { exposed, emit, invoked, listeners } = loadPreload({
    'window:pendingView': { ok: true, value: 'recoveryKit' },
  });
  const api = exposed.get('puddleproof') as PuddleproofApi;
  const seen: unknown[] = [];
  const off = api.navigation.onOpen((view) => seen.push(view));
  emit('window:open', 'recoveryKit');
  emit('window:open', 'somewhere-else');
  emit('window:open', { view: 'recoveryKit' });
  assert.deepEqual(seen, ['recoveryKit']);
  off();
  assert.equal(listeners.get('window:open')?.size, 0);
  assert.equal(await api.navigation.pending(), 'recoveryKit');
  assert.deepEqual(invoked, [['window:pendingView', undefined]]);
});
