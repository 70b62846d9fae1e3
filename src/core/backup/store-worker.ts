// The store worker: a second thread that stores pieces of an export (files, segments of zips) as the main
// thread does (cut, id, CRC, compress, seal packs, write them), taking the next piece nobody has taken from
// a counter in shared memory (see store-helper.ts), so that a large export is stored on both cores.
import { parentPort, workerData } from 'node:worker_threads';
import { chunkKeys } from '../dedup/chunk-keys.js';
import { ChunkStore, PackWriter } from '../dedup/chunk-store.js';
import type { ReadBuffer } from '../dedup/file-chunks.js';
import { storePiece } from './store-file.js';
import {
  STOP_SLOT,
  type StoreWorkerData,
  type StoreWorkerMessage,
  type StoreWorkerReply,
} from './store-helper.js';
import { ExportError } from './walk.js';

const data = workerData as StoreWorkerData;
const post = (reply: StoreWorkerReply) => parentPort?.postMessage(reply);
const next = new Int32Array(data.next);
const store = new ChunkStore();
let writer: PackWriter | undefined;

/** The main thread asked this worker to stop (the backup failed there). */
class Stopped extends Error {}
function throwIfStopped(): void {
  if (Atomics.load(next, STOP_SLOT) !== 0) throw new Stopped('The store worker was asked to stop.');
}

async function run(): Promise<void> {
  for (const [id, location] of data.known) store.locations.set(id, location);
  writer = new PackWriter({ paths: data.folders }, store, {
    ...data.writer,
    authKey: Buffer.from(data.writer.authKey),
    onUpload: (bytes) => post({ type: 'upload', bytes }),
    inThread: true,
  });
  const own = writer;
  // Chunks the main thread stored meanwhile: a copy of a piece it took is not stored again here.
  parentPort?.on('message', (m: StoreWorkerMessage) => own.learn(m.entries));
  const keys = chunkKeys(data.writer.authKey);
  const reuse: ReadBuffer = { buffer: Buffer.alloc(0) };
  const onBytes = (bytes: number) => {
    throwIfStopped();
    post({ type: 'bytes', bytes });
  };
  for (let i = Atomics.add(next, 0, 1); i < data.pieces.length; i = Atomics.add(next, 0, 1)) {
    throwIfStopped();
    const piece = data.pieces[i] as (typeof data.pieces)[number];
    const stored = await storePiece(piece, own, keys, onBytes, reuse);
    post({ type: 'piece', index: i, stored });
  }
  // Its packs are on disk, with their indexes, before the main thread hears that it is done.
  await own.finish();
  post({ type: 'done', packs: own.packs.map((pack) => [pack, store.byPack.get(pack) ?? []]) });
}

run().catch(async (err: NodeJS.ErrnoException) => {
  // The packs it handed off are written whole, with their indexes, before the main thread ends it.
  await writer?.abandon();
  post({
    type: 'failed',
    message: err.message,
    exportError: err instanceof ExportError,
    ...(typeof err.code === 'string' ? { code: err.code } : {}),
  });
});
