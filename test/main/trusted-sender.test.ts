// The sender check behind every IPC handler: only our window's main frame on our app:// page passes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { APP_ENTRY_URL, isAppUrl } from '../../src/main/app-url.js';
import { type ContentsLike, type FrameLike, isTrustedSender } from '../../src/main/trusted-sender.js';

const frame = (url: string, parent: FrameLike | null = null, routingId = 1, processId = 7): FrameLike => ({
  url,
  parent,
  processId,
  routingId,
});

/** Our window's contents with its main frame on `url`. */
function window(url = APP_ENTRY_URL, id = 1): ContentsLike & { mainFrame: FrameLike } {
  return { id, mainFrame: frame(url) };
}

describe('isAppUrl', () => {
  test('accepts our own pages', () => {
    for (const url of [
      'app://puddleproof/index.html',
      'app://puddleproof/',
      'app://puddleproof/a/b.html?x#y',
    ]) {
      assert.equal(isAppUrl(url), true, url);
    }
  });

  test('refuses foreign, look-alike and malformed URLs', () => {
    for (const url of [
      'https://puddleproof.example/',
      'file:///work/main/dist/renderer/index.html',
      'app://puddleproof.evil/index.html',
      'app://evil.puddleproof/index.html',
      'app://puddleproof@evil/index.html',
      'app://user:pw@puddleproof/index.html',
      'app://puddleproof:8080/index.html',
      'app://evil/puddleproof/index.html',
      'app://evil/?app://puddleproof/',
      'apps://puddleproof/index.html',
      'puddleproof://app/index.html',
      'app:puddleproof/index.html',
      'about:blank',
      'devtools://devtools/bundled/inspector.html',
      '',
      'not a url',
    ]) {
      assert.equal(isAppUrl(url), false, url);
    }
  });
});

describe('isTrustedSender', () => {
  test("our window's main frame on our page is trusted", () => {
    const ours = window();
    assert.equal(isTrustedSender(ours, ours.mainFrame, ours), true);
  });

  test('the same frame reached through another wrapper object is still recognised', () => {
    const ours = window();
    assert.equal(isTrustedSender({ ...ours }, frame(APP_ENTRY_URL), ours), true);
  });

  test('our main frame after navigating to a foreign or look-alike page is refused', () => {
    for (const url of [
      'https://evil.example/',
      'app://puddleproof.evil/index.html',
      'app://puddleproof@evil/',
    ]) {
      const ours = window(url);
      assert.equal(isTrustedSender(ours, ours.mainFrame, ours), false, url);
    }
  });

  test('a subframe is refused, even one showing our own page', () => {
    const ours = window();
    assert.equal(isTrustedSender(ours, frame(APP_ENTRY_URL, ours.mainFrame, 2), ours), false);
    // Even one that claims the main frame's ids: having a parent is enough to refuse.
    assert.equal(isTrustedSender(ours, frame(APP_ENTRY_URL, ours.mainFrame, 1), ours), false);
  });

  test('a frame with no parent that is not our main frame is refused', () => {
    const ours = window();
    assert.equal(isTrustedSender(ours, frame(APP_ENTRY_URL, null, 99), ours), false);
    assert.equal(isTrustedSender(ours, frame(APP_ENTRY_URL, null, 1, 8), ours), false);
  });

  test('another web contents (a second window) is refused, even with our URL', () => {
    const ours = window();
    const other = window(APP_ENTRY_URL, 2);
    assert.equal(isTrustedSender(other, other.mainFrame, ours), false);
  });

  test('a missing frame, sender or window is refused', () => {
    const ours = window();
    assert.equal(isTrustedSender(ours, null, ours), false);
    assert.equal(isTrustedSender(ours, undefined, ours), false);
    assert.equal(isTrustedSender(null, ours.mainFrame, ours), false);
    assert.equal(isTrustedSender(ours, ours.mainFrame, null), false);
  });

  test('a destroyed frame (throws on access) is refused', () => {
    const ours = window();
    const destroyed = {
      get url(): string {
        throw new Error('Render frame was disposed before WebFrameMain could be accessed');
      },
      parent: null,
      processId: 7,
      routingId: 1,
    };
    assert.equal(isTrustedSender(ours, destroyed, ours), false);
  });
});
