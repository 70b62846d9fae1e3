// Reading the kit from a camera frame: a frame with the kit's QR code gives the kit's text; a QR code of
// anything else, or no code, gives nothing. A camera is a 'videoinput'; camera failures in plain words.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cameraProblem, hasCamera, kitInFrame, looksLikeKit } from '../../../renderer/src/settings/kit-qr.js';
import { generateHybridIdentity, generateX25519Identity } from '../../../src/core/age/index.js';
import { formatRecoveryKit, keyLinesOf, parseRecoveryKit } from '../../../src/core/keys/recovery-kit.js';
import { qrLuma, rgbaOf } from '../../helpers/y4m-qr.js';

/** The QR code of `text` as a 640×480 RGBA frame, as a canvas gives it. */
function frameOf(text: string) {
  return { data: rgbaOf(qrLuma(text, 640, 480)), width: 640, height: 480 };
}

async function kitKeyLines(): Promise<string> {
  const kit = {
    recoveryIdentity: await generateHybridIdentity(),
    indexIdentity: await generateX25519Identity(),
    authKey: Buffer.alloc(32, 7),
  };
  return keyLinesOf(formatRecoveryKit(kit, new Date('2026-12-01')));
}

describe('kitInFrame', () => {
  test("a frame with the kit's QR code (its key lines) gives the kit's text, a valid kit", async () => {
    const keyLines = await kitKeyLines();
    const text = kitInFrame(frameOf(keyLines));
    assert.equal(text, keyLines);
    assert.doesNotThrow(() => parseRecoveryKit(text ?? ''));
  });

  test('a QR code of something else, or no code at all, gives nothing', () => {
    assert.equal(kitInFrame(frameOf('https://example.com/menu')), null);
    assert.equal(kitInFrame(frameOf('AGE-SECRET-KEY-1QQQ')), null, 'a key alone is not a kit');
    const white = new Uint8ClampedArray(640 * 480 * 4).fill(255);
    assert.equal(kitInFrame({ data: white, width: 640, height: 480 }), null);
  });
});

describe('looksLikeKit', () => {
  test('needs the authentication key line and an age identity on lines of their own', async () => {
    assert.equal(looksLikeKit(await kitKeyLines()), true);
    assert.equal(looksLikeKit('# puddleproof-auth-key: abc\nAGE-SECRET-KEY-1QQQ'), true);
    assert.equal(looksLikeKit('# puddleproof-auth-key: abc'), false);
    assert.equal(looksLikeKit('AGE-SECRET-KEY-1QQQ'), false);
    assert.equal(looksLikeKit('see # puddleproof-auth-key: abc and AGE-SECRET-KEY-1QQQ'), false);
  });
});

describe('hasCamera and cameraProblem', () => {
  test("a camera is a device of kind 'videoinput'", () => {
    assert.equal(hasCamera([{ kind: 'audioinput' }, { kind: 'videoinput' }]), true);
    assert.equal(hasCamera([{ kind: 'audioinput' }, { kind: 'audiooutput' }]), false);
    assert.equal(hasCamera([]), false);
  });

  test('says in plain words why the camera did not start', () => {
    const named = (name: string, message = '') => Object.assign(new Error(message), { name });
    assert.equal(cameraProblem(named('NotAllowedError')), 'Puddleproof was not allowed to use the camera.');
    assert.equal(cameraProblem(named('NotFoundError')), 'No camera was found.');
    assert.match(cameraProblem(named('NotReadableError')), /another app may be using it/);
    assert.equal(cameraProblem(named('TypeError', 'boom')), 'The camera could not start (boom).');
    assert.equal(cameraProblem(undefined), 'The camera could not start.');
  });
});
