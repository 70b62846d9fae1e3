import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { TarArchive } from 'archiver';
import { CheckTarStream, SealTarStream, TRAILER_SIZE } from '../../../src/core/vault/tar-trailer.js';
import { runThrough, sha256hex } from '../../helpers/streams.js';

const KEY = randomBytes(32);
const ID = '20261126T170503Z-abcdefghijkl';

async function sealedTar(content = randomBytes(100_000)): Promise<{ tar: Buffer; seal: SealTarStream }> {
  const archive = new TarArchive();
  archive.append(content, { name: 'export/file.bin' });
  void archive.finalize();
  const seal = new SealTarStream(KEY, ID);
  const { output, error } = await runThrough(seal, Buffer.concat(await Readable.from(archive).toArray()));
  assert.equal(error, undefined);
  return { tar: output, seal };
}

test('a sealed tar ends in the proof trailer and its summary describes the whole tar', async () => {
  const { tar, seal } = await sealedTar();
  assert.equal(tar.length % 512, 0);
  assert.equal(seal.summary?.tarBytes, tar.length);
  assert.equal(seal.summary?.tarSha256, sha256hex(tar));
  const trailer = tar.subarray(tar.length - TRAILER_SIZE);
  assert.equal(String.fromCharCode(trailer[156] ?? 0), 'g', 'pax global header');
  assert.match(trailer.subarray(512, 1024).toString(), /PUDDLEPROOF\.id=20261126T170503Z-abcdefghijkl\n/);
  assert.ok(trailer.subarray(1024).every((b) => b === 0));
});

test('the check passes bytes through unchanged and accepts a genuine proof', async () => {
  const { tar } = await sealedTar();
  const check = new CheckTarStream(KEY);
  const { output } = await runThrough(check, tar, 777);
  assert.ok(output.equals(tar));
  assert.deepEqual(check.check, { tarSha256: sha256hex(tar), tarBytes: tar.length, id: ID, authentic: true });
});

test('a changed byte, another key, or a missing proof is not authentic', async () => {
  const { tar } = await sealedTar();
  const flipped = Buffer.from(tar);
  flipped[600] = (flipped[600] ?? 0) ^ 1;
  const cases: [Buffer, Buffer, RegExp][] = [
    [flipped, KEY, /does not match/],
    [tar, randomBytes(32), /does not match/],
    [tar.subarray(0, tar.length - TRAILER_SIZE + 1024), KEY, /no Puddleproof proof/],
  ];
  for (const [input, key, problem] of cases) {
    const check = new CheckTarStream(key);
    const { error } = await runThrough(check, input);
    assert.equal(error, undefined);
    assert.equal(check.check?.authentic, false);
    assert.match(check.check?.problem ?? '', problem);
  }
});

test('sealing refuses a tar that does not end with end-of-archive blocks', async () => {
  const { error } = await runThrough(new SealTarStream(KEY, ID), randomBytes(4096));
  assert.match(error?.message ?? '', /did not end the tar/);
});
