// The store worker: a second thread that stores pieces of an export (files, segments of zips) as the main
// thread does (cut, id, CRC, compress, seal packs, write them), taking the next piece nobody has taken from
// a counter in shared memory (see store-helper.ts), so that a large export is stored on both cores.
import { parentPort, workerData } from 'node:worker_threads';
import { chunkKeys } from '../dedup/chunk-keys.js';
import { ChunkStore, PackWriter } from '../dedup/chunk-store.js';
import type { ReadBuffer } from '../dedup/file-chunks.js';
import { storePiece } from './store-file.js';
import type { StoreWorkerData, StoreWorkerMessage, StoreWorkerReply } from './store-helper.js';
import { ExportError } from './walk.js';

const data = workerData as StoreWorkerData;
const post = (reply: StoreWorkerReply) => parentPort?.postMessage(reply);

async function run(): Promise<void> {
  const store = new ChunkStore();
  for (const [id, location] of data.known) store.locations.set(id, location);
  const writer = new PackWriter({ paths: data.folders }, store, {
    ...data.writer,
    authKey: Buffer.from(data.writer.authKey),
    onUpload: (bytes) => post({ type: 'upload', bytes }),
    inThread: true,
  });
  // Chunks the main thread stored meanwhile: a copy of a piece it took is not stored again here.
  parentPort?.on('message', (m: StoreWorkerMessage) => writer.learn(m.entries));
  const keys = chunkKeys(data.writer.authKey);
  const reuse: ReadBuffer = { buffer: Buffer.alloc(0) };
  const next = new Int32Array(data.next);
  for (let i = Atomics.add(next, 0, 1); i < data.pieces.length; i = Atomics.add(next, 0, 1)) {
    const piece = data.pieces[i] as (typeof data.pieces)[number];
    const stored = await storePiece(piece, writer, keys, (bytes) => post({ type: 'bytes', bytes }), reuse);
    post({ type: 'piece', index: i, stored });
  }
  // Its packs are on disk, with their indexes, before the main thread hears that it is done.
  await writer.finish();
  post({ type: 'done', packs: writer.packs.map((pack) => [pack, store.byPack.get(pack) ?? []]) });
}

run().catch((err: Error) =>
  post({ type: 'failed', message: err.message, exportError: err instanceof ExportError }),
);
