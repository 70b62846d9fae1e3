// Cksum against the system's POSIX `cksum`, on random data fed in uneven pieces.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { Cksum } from '../../../src/core/dedup/cksum.js';

const run = promisify(execFile);

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'puddleproof-cksum-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** The system `cksum` of `data`: its checksum and length. */
async function systemCksum(data: Buffer): Promise<{ sum: number; length: number }> {
  const path = join(dir, `data-${data.length}`);
  await writeFile(path, data);
  const { stdout } = await run('cksum', [path]);
  const [sum, length] = stdout.split(' ');
  return { sum: Number(sum), length: Number(length) };
}

/** `data` in pieces of uneven sizes (empty ones too), cycling through `sizes`. */
function pieces(data: Buffer, sizes: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length || i === 0; i++) {
    const size = sizes[i % sizes.length] as number;
    out.push(data.subarray(at, at + size));
    at += size;
  }
  return out;
}

test('Cksum matches the system cksum for sizes around byte, 16-bit and block boundaries', async () => {
  const splits = [[1], [7, 0, 3], [4096, 1, 65537, 0], [1_000_003]];
  for (const size of [0, 1, 255, 256, 257, 65535, 65536, 65553, 16 * 1024 * 1024 + 3]) {
    const data = randomBytes(size);
    const expected = await systemCksum(data);
    assert.equal(expected.length, size);
    assert.equal(new Cksum().update(data).digest(), expected.sum, `size ${size}, in one piece`);
    for (const sizes of size > 65536 ? splits.slice(2) : splits) {
      const cksum = new Cksum();
      for (const piece of pieces(data, sizes)) cksum.update(piece);
      assert.equal(cksum.digest(), expected.sum, `size ${size}, in pieces of ${sizes.join(',')}`);
    }
  }
});

test('Cksum of a known string; digest does not change the running state', async () => {
  const text = Buffer.from('123456789');
  assert.equal(new Cksum().update(text).digest(), 930766865); // `printf 123456789 | cksum`
  assert.equal(new Cksum().digest(), 4294967295); // the empty input
  const cksum = new Cksum().update(text.subarray(0, 4));
  cksum.digest();
  assert.equal(cksum.update(text.subarray(4)).digest(), 930766865);
  assert.equal(cksum.digest(), 930766865);
  // Views with an offset into a larger buffer are read from their own start.
  const big = Buffer.concat([Buffer.from('xxxx'), text, Buffer.from('yy')]);
  assert.equal(new Cksum().update(new Uint8Array(big.buffer, big.byteOffset + 4, 9)).digest(), 930766865);
  // So are views of shared memory at an odd offset (the pack worker reads chunks there), long and short.
  const data = randomBytes(100_003);
  const shared = new Uint8Array(new SharedArrayBuffer(data.length + 3));
  shared.set(data, 3);
  assert.equal(
    new Cksum().update(shared.subarray(3)).digest(),
    new Cksum().update(Uint8Array.from(data)).digest(),
  );
  assert.equal(new Cksum().update(shared.subarray(3)).digest(), (await systemCksum(data)).sum);
  assert.equal((await systemCksum(text)).sum, 930766865);
});
