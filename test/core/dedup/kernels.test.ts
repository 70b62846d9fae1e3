// The WebAssembly kernels: the committed module is kernels.wat compiled, and each kernel agrees with the
// same loop written plainly (the chunker's and cksum's own tests check the results they feed).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { KERNEL_BUFFER_BYTES, kernels } from '../../../src/core/dedup/kernels.js';

const run = promisify(execFile);

test('kernels-wasm.ts holds exactly what scripts/build-wasm.mjs makes of kernels.wat', async () => {
  await run(process.execPath, ['scripts/build-wasm.mjs', '--check']);
});

test('reverseBits reverses the bits of every byte in the range, for any length', () => {
  const k = kernels();
  const reversed = (b: number) => {
    let r = 0;
    for (let i = 0; i < 8; i++) r |= ((b >> i) & 1) << (7 - i);
    return r;
  };
  for (const n of [0, 1, 15, 16, 17, 255, 4096 + 5, KERNEL_BUFFER_BYTES]) {
    const data = randomBytes(n);
    k.buffer.set(data);
    k.reverseBits(n);
    assert.deepEqual(Buffer.from(k.buffer.subarray(0, n)), Buffer.from(data.map(reversed)), `${n} bytes`);
  }
});

test('gearScan stops just after the first byte whose hash has no mask bit set, else at the end', () => {
  const k = kernels();
  const table = new Int32Array(randomBytes(1024).buffer);
  k.gearTable.set(table);
  const data = randomBytes(200_000);
  k.buffer.set(data);
  const mask = (~0 << (32 - 10)) | 0;
  for (const [from, start] of [
    [0, 0],
    [17, 0x5a5a5a5a | 0],
  ] as const) {
    let hash = start;
    let expected = data.length;
    for (let j = from; j < data.length; j++) {
      hash = ((hash << 1) + (table[data[j] as number] as number)) | 0;
      if ((hash & mask) === 0) {
        expected = j + 1;
        break;
      }
    }
    assert.ok(expected < data.length, 'a 10-bit mask matches within 200 kB');
    assert.equal(k.gearScan(from, data.length, mask, start), expected);
    assert.equal(k.lastHash, hash);
  }
  // No match within the range: it stops at its end, with the hash rolled over all of it.
  let hash = 0;
  for (let j = 0; j < 5; j++) hash = ((hash << 1) + (table[data[j] as number] as number)) | 0;
  assert.equal(k.gearScan(0, 5, ~0, 0), 5);
  assert.equal(k.lastHash, hash);
});
