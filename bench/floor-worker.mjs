// One thread of the floor bench (bench/floor.ts): stores its share of an export's files as age-encrypted
// packs of keyed chunks, with none of a backup's bookkeeping (no dedup lookups, no index, no snapshot, no
// fsync). Posts {ready} once loaded, waits for {go}, then posts {packBytes} when its packs are written.
// workerData: { files, recipients, outDir, work }; work is
//   'ids':    1 MiB pieces read straight into the pack's memory, each with its keyed id (HMAC-SHA-256) and
//             the CRC the restore script checks: the least an engine writing format 2 can do;
//   'engine': the engine's own reader (keyed content-defined cuts and ids), the CRC and compression test of
//             each chunk and its copy into the pack's memory, as a backup does them.
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { encryptParts } from '../dist/core/age/buffer.js';
import { chunkKeys } from '../dist/core/dedup/chunk-keys.js';
import { chunkId } from '../dist/core/dedup/chunker.js';
import { crcUpdate } from '../dist/core/dedup/cksum.js';
import { fileChunks } from '../dist/core/dedup/file-chunks.js';
import { PACK_TARGET_BYTES, packTarParts, storedChunk } from '../dist/core/dedup/pack.js';

const { files, recipients, outDir, work } = workerData;
const keys = chunkKeys(new Uint8Array(32).fill(1));
const PIECE = 1024 * 1024;
/** A pack's chunks: the target and one largest chunk (4 MiB). */
const arena = Buffer.allocUnsafeSlow(PACK_TARGET_BYTES + 4 * PIECE);
const sealed = Buffer.allocUnsafeSlow(Math.ceil(arena.length * 1.15) + PIECE);
let used = 0;
let chunks = [];
let packs = 0;
let packBytes = 0;

async function seal() {
  const pack = await encryptParts(packTarParts(chunks), recipients, sealed);
  const fd = openSync(join(outDir, `${workerData.tag}-${packs++}.age`), 'w');
  try {
    writeSync(fd, pack);
  } finally {
    closeSync(fd);
  }
  packBytes += pack.length;
  used = 0;
  chunks = [];
}

async function storeIds(path) {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    for (let at = 0; at < size; at += PIECE) {
      const length = Math.min(PIECE, size - at);
      const data = arena.subarray(used, used + length);
      if (readSync(fd, data, 0, length, at) !== length) throw new Error(`${path} changed`);
      chunks.push({ name: chunkId(keys.idKey, data), data });
      crcUpdate(0, data);
      used += length;
      if (used >= PACK_TARGET_BYTES) await seal();
    }
  } finally {
    closeSync(fd);
  }
}

const reuse = { buffer: Buffer.alloc(0) };
async function storeAsEngine(path) {
  for await (const chunk of fileChunks(path, keys, undefined, reuse)) {
    const stored = storedChunk(chunk.id, chunk.data);
    crcUpdate(0, chunk.data);
    if (used + stored.data.length > arena.length) await seal();
    stored.data.copy(arena, used);
    chunks.push({ name: stored.name, data: arena.subarray(used, used + stored.data.length) });
    used += stored.data.length;
    if (used >= PACK_TARGET_BYTES) await seal();
  }
}

parentPort.once('message', async () => {
  for (const path of files) await (work === 'ids' ? storeIds(path) : storeAsEngine(path));
  if (chunks.length) await seal();
  parentPort.postMessage({ packBytes });
});
parentPort.postMessage({ ready: true });
