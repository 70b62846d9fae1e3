// Placing a restore's packs (src/core/restore/pack-placer.ts) with real age packs in a real folder: by the
// worker, by the calling thread, and by both sharing the packs; what fails in the worker reaches the caller
// as the error it was, naming its pack, and nothing is written after the call settles.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encryptBuffer } from '../../../src/core/age/buffer.js';
import {
  generateX25519Identity,
  identityToRecipient,
  NoIdentityMatchedError,
} from '../../../src/core/age/index.js';
import { chunkId } from '../../../src/core/dedup/chunker.js';
import { packTar, packTarBytes, type StoredChunk, storedChunk } from '../../../src/core/dedup/pack.js';
import { PackOpenError } from '../../../src/core/dedup/pack-open.js';
import { ChunkMismatchError, type PackJob } from '../../../src/core/restore/pack-placement.js';
import { PlaceError, type PlaceRequest, placePacks } from '../../../src/core/restore/pack-placer.js';

let dir = '';
let identity = '';
let recipient = '';
const idKey = randomBytes(32);
const THREADS = ['worker', 'main', 'both'] as const;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'puddleproof-placer-'));
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
});
after(() => rm(dir, { recursive: true, force: true }));

/** Two files whose chunks are spread over `packs` packs (each pack holds a chunk of each file), and the jobs. */
async function fixture(name: string, packs: number) {
  const root = join(dir, name);
  const out = join(root, 'out');
  await mkdir(out, { recursive: true });
  const files = { a: join(out, 'a.bin'), b: join(out, 'b.txt') };
  // Created empty and private first, as a restore does (snapshot-restore.ts): placing never creates a file.
  for (const path of Object.values(files)) await writeFile(path, '', { flag: 'wx', mode: 0o600 });
  const parts = { a: [] as Buffer[], b: [] as Buffer[] };
  const jobs: PackJob[] = [];
  const sizes: number[] = [];
  for (let p = 0; p < packs; p++) {
    const media = randomBytes(40_000 + p * 1000);
    const text = Buffer.from(`line ${p} of the chat\n`.repeat(2000)); // stored gzipped
    const stored: StoredChunk[] = [media, text].map((c) => storedChunk(chunkId(idKey, c), c));
    const path = join(root, `pack-${p}.age`);
    await writeFile(path, await encryptBuffer(packTar(stored), [recipient]));
    sizes.push(packTarBytes(stored.map((s) => s.data.length)));
    const offsetA = parts.a.reduce((n, b) => n + b.length, 0);
    const offsetB = parts.b.reduce((n, b) => n + b.length, 0);
    parts.a.push(media);
    parts.b.push(text);
    jobs.push({
      pack: `pack-${p}`,
      path,
      chunks: [
        {
          id: chunkId(idKey, media),
          name: (stored[0] as StoredChunk).name,
          plainBytes: media.length,
          file: files.a,
          offset: offsetA,
        },
        {
          id: chunkId(idKey, text),
          name: (stored[1] as StoredChunk).name,
          plainBytes: text.length,
          file: files.b,
          offset: offsetB,
        },
      ],
    });
  }
  return {
    out,
    files,
    jobs,
    expected: { a: Buffer.concat(parts.a), b: Buffer.concat(parts.b) },
    request: (threads: PlaceRequest['threads'], more: Partial<PlaceRequest> = {}): PlaceRequest => ({
      jobs,
      identities: [identity],
      idKey,
      largest: Math.max(...sizes),
      write: true,
      threads,
      ...more,
    }),
  };
}

/** The PlaceError `promise` rejects with. */
async function placeError(promise: Promise<unknown>): Promise<PlaceError> {
  const err = await promise.then(
    () => assert.fail('placing should have failed'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof PlaceError, `a PlaceError, not ${String(err)}`);
  return err;
}

describe('placing packs', () => {
  for (const threads of THREADS) {
    test(`places every chunk at its offset, a file's chunks coming from many packs (threads: ${threads})`, async () => {
      const f = await fixture(`all-${threads}`, 9);
      let placed = 0;
      const byWorker = await placePacks(f.request(threads, { onPlaced: (bytes) => (placed += bytes) }));
      assert.deepEqual(await readFile(f.files.a), f.expected.a);
      assert.deepEqual(await readFile(f.files.b), f.expected.b);
      assert.equal(placed, f.expected.a.length + f.expected.b.length, 'every pack reported once');
      if (threads === 'worker') assert.equal(byWorker, f.jobs.length, 'the worker placed every pack');
      if (threads === 'main') assert.equal(byWorker, 0);
    });
  }

  test('checks without writing when asked to (verification)', async () => {
    const f = await fixture('verify', 3);
    let placed = 0;
    await placePacks(f.request('worker', { write: false, onPlaced: (bytes) => (placed += bytes) }));
    assert.equal(placed, f.expected.a.length + f.expected.b.length);
    assert.deepEqual((await readdir(f.out)).sort(), ['a.bin', 'b.txt']);
    for (const path of Object.values(f.files)) assert.equal((await stat(path)).size, 0, path);
  });

  for (const threads of ['worker', 'main'] as const) {
    test(`a forged pack is named, its chunk refused as not matching its id (threads: ${threads})`, async () => {
      const f = await fixture(`forged-${threads}`, 4);
      // Pack 2 is rewritten by someone with the public recipient: the same names, other bytes.
      const forged = (f.jobs[2] as PackJob).chunks.map((c) => ({
        name: c.name,
        data: randomBytes(c.plainBytes),
      }));
      await writeFile((f.jobs[2] as PackJob).path, await encryptBuffer(packTar(forged), [recipient]));
      const err = await placeError(placePacks(f.request(threads)));
      assert.equal(err.job.pack, 'pack-2');
      assert.ok(err.cause instanceof ChunkMismatchError, String(err.cause));
    });

    test(`a pack to other recipients is NoIdentityMatchedError (threads: ${threads})`, async () => {
      const f = await fixture(`foreign-${threads}`, 3);
      const other = await identityToRecipient(await generateX25519Identity());
      await writeFile((f.jobs[1] as PackJob).path, await encryptBuffer(Buffer.from('not ours'), [other]));
      const err = await placeError(placePacks(f.request(threads)));
      assert.equal(err.job.pack, 'pack-1');
      assert.ok(err.cause instanceof NoIdentityMatchedError, String(err.cause));
    });

    test(`a missing pack is unreadable with ENOENT, a truncated one damaged (threads: ${threads})`, async () => {
      const f = await fixture(`missing-${threads}`, 3);
      await rm((f.jobs[1] as PackJob).path);
      let err = await placeError(placePacks(f.request(threads)));
      assert.equal(err.job.pack, 'pack-1');
      assert.ok(err.cause instanceof PackOpenError && err.cause.reason === 'unreadable', String(err.cause));
      assert.equal((err.cause as PackOpenError).code, 'ENOENT');

      const g = await fixture(`truncated-${threads}`, 3);
      const sealed = await readFile((g.jobs[2] as PackJob).path);
      await writeFile((g.jobs[2] as PackJob).path, sealed.subarray(0, sealed.length - 100));
      err = await placeError(placePacks(g.request(threads)));
      assert.equal(err.job.pack, 'pack-2');
      assert.ok(err.cause instanceof PackOpenError && err.cause.reason === 'damaged', String(err.cause));
    });

    test(`a file that cannot be written fails with its code; none is created (threads: ${threads})`, async () => {
      const f = await fixture(`unwritable-${threads}`, 3);
      await rm(f.files.b);
      const err = await placeError(placePacks(f.request(threads)));
      assert.equal((err.cause as NodeJS.ErrnoException).code, 'ENOENT');
      assert.deepEqual(await readdir(f.out), ['a.bin']);
    });
  }

  test('a cancelled placement stops, and nothing is written once it has settled', async () => {
    const f = await fixture('cancel', 12);
    const controller = new AbortController();
    let reported = 0;
    const placing = placePacks(
      f.request('both', {
        signal: controller.signal,
        onPlaced: () => {
          if (++reported === 2) controller.abort();
        },
      }),
    );
    await assert.rejects(placing, { name: 'AbortError' });
    const size = (await stat(f.files.a)).size;
    assert.ok(size < f.expected.a.length, 'not every pack was placed');
    // Both threads have stopped: what is on disk does not change while another placement runs meanwhile.
    await placePacks((await fixture('cancel-meanwhile', 4)).request('both'));
    assert.equal((await stat(f.files.a)).size, size);
  });

  test('a cancelled placement that the worker alone does is refused at once', async () => {
    const f = await fixture('cancel-worker', 3);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(placePacks(f.request('worker', { signal: controller.signal })), {
      name: 'AbortError',
    });
  });
});
