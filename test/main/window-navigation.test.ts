// Opening the window at a view: an open, loaded window is sent 'window:open' at once; a closed, loading or
// destroyed one is sent nothing, and the view waits until the window asks for it, once.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type NavigableWindow,
  sendViewIfLoaded,
  WindowNavigation,
} from '../../src/main/window-navigation.js';

/** A window stand-in that records what it was sent. */
function windowStandIn(state: { loading: boolean; destroyed: boolean }) {
  const sent: [string, unknown[]][] = [];
  const window: NavigableWindow = {
    isDestroyed: () => state.destroyed,
    webContents: {
      isLoading: () => state.loading,
      send: (channel, ...args) => sent.push([channel, args]),
    },
  };
  return { window, sent };
}

describe('sendViewIfLoaded', () => {
  test('sends window:open to an open, loaded window only', () => {
    const state = { loading: true, destroyed: false };
    const { window, sent } = windowStandIn(state);
    assert.equal(
      sendViewIfLoaded(() => null, 'recoveryKit'),
      false,
      'closed',
    );
    assert.equal(
      sendViewIfLoaded(() => window, 'recoveryKit'),
      false,
      'loading',
    );
    state.loading = false;
    assert.equal(
      sendViewIfLoaded(() => window, 'recoveryKit'),
      true,
    );
    assert.deepEqual(sent, [['window:open', ['recoveryKit']]]);
    state.destroyed = true;
    assert.equal(
      sendViewIfLoaded(() => window, 'recoveryKit'),
      false,
      'destroyed',
    );
    assert.equal(sent.length, 1);
  });
});

describe('WindowNavigation', () => {
  test('told at once, nothing waits; not told, the view waits for the window to ask, once', () => {
    let told = true;
    const calls: string[] = [];
    const navigation = new WindowNavigation({
      window: { show: () => calls.push('show') },
      send: (view) => {
        calls.push(`send ${view}`);
        return told;
      },
    });
    navigation.open('recoveryKit');
    assert.deepEqual(calls, ['send recoveryKit', 'show']);
    assert.equal(navigation.take(), null);
    told = false;
    navigation.open('recoveryKit');
    assert.equal(navigation.take(), 'recoveryKit');
    assert.equal(navigation.take(), null);
    // A later open that reaches the window clears a view still waiting.
    navigation.open('recoveryKit');
    told = true;
    navigation.open('recoveryKit');
    assert.equal(navigation.take(), null);
  });
});
