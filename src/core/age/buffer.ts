// Whole objects in memory (metadata, indexes, snapshots, packs): age encryption and decryption of a buffer.
import { Readable, type Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDecryptStream } from './decrypt.js';
import { createEncryptStream } from './encrypt.js';

async function through(data: Uint8Array, transform: Transform): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(
    Readable.from([data]),
    transform,
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        parts.push(chunk);
        done();
      },
    }),
  );
  return Buffer.concat(parts);
}

/** `data` as an age file to every recipient. */
export async function encryptBuffer(data: Uint8Array, recipients: readonly string[]): Promise<Buffer> {
  return through(data, await createEncryptStream(recipients));
}

/** The plaintext of the age file `data`, opened with one of `identities`. */
export function decryptBuffer(data: Uint8Array, identities: readonly string[]): Promise<Buffer> {
  return through(data, createDecryptStream({ identities }));
}
