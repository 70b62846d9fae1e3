// The fake camera's video: a well-formed YUV4MPEG2 file whose every frame holds the QR code, which a QR
// reader (jsQR) reads back as the text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import jsQRModule from 'jsqr';
import { qrLuma, qrVideo, rgbaOf } from './y4m-qr.js';

const TEXT = '# puddleproof-auth-key: abc\nAGE-SECRET-KEY-1QQQ';

test('a YUV4MPEG2 header, then each frame: FRAME, the luma plane, grey chroma planes', () => {
  const video = qrVideo(TEXT, { width: 320, height: 240, frames: 2 });
  const header = 'YUV4MPEG2 W320 H240 F30:1 Ip A1:1 C420jpeg\n';
  assert.equal(video.subarray(0, header.length).toString(), header);
  const frameSize = 'FRAME\n'.length + 320 * 240 * 1.5;
  assert.equal(video.length, header.length + 2 * frameSize);
  for (let f = 0; f < 2; f++) {
    const frame = video.subarray(header.length + f * frameSize, header.length + (f + 1) * frameSize);
    assert.equal(frame.subarray(0, 6).toString(), 'FRAME\n');
    assert.deepEqual(frame.subarray(6, 6 + 320 * 240), Buffer.from(qrLuma(TEXT, 320, 240)));
    assert.ok(frame.subarray(6 + 320 * 240).every((v) => v === 128));
  }
});

test('the frame holds the QR code of the text, black on white', () => {
  const luma = qrLuma(TEXT, 640, 480);
  assert.ok(luma.every((v) => v === 0 || v === 255));
  assert.equal(luma[0], 255, 'the corner is the white around the code');
  assert.equal(jsQRModule.default(rgbaOf(luma), 640, 480)?.data, TEXT);
  assert.throws(() => qrLuma('x'.repeat(2000), 64, 48), /does not fit/);
});
