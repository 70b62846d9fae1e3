// Interoperability with typage (age-encryption) itself, X25519 and hybrid post-quantum keys, both ways.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { Decrypter, Encrypter } from 'age-encryption';
import {
  createDecryptStream,
  createEncryptStream,
  generateHybridIdentity,
  generateX25519Identity,
  identityToRecipient,
  NoIdentityMatchedError,
} from '../../../src/core/age/index.js';
import { runThrough } from '../../helpers/streams.js';

const SIZES = [0, 1, 65536, 65537, 200 * 1024];

interface Key {
  identity: string;
  recipient: string;
}

async function key(generate: () => Promise<string>): Promise<Key> {
  const identity = await generate();
  return { identity, recipient: await identityToRecipient(identity) };
}

/** A web stream delivering `data` in pieces of `pieceSize` (so typage sees several writes). */
function webStream(data: Uint8Array, pieceSize = 50_000): ReadableStream<Uint8Array> {
  let off = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (off >= data.length) return controller.close();
      controller.enqueue(data.slice(off, off + pieceSize));
      off += pieceSize;
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer());
}

async function typageEncrypt(
  plaintext: Uint8Array,
  recipients: string[],
  asStream: boolean,
): Promise<Buffer> {
  const e = new Encrypter();
  for (const r of recipients) e.addRecipient(r);
  if (asStream) return collect(await e.encrypt(webStream(plaintext)));
  return Buffer.from(await e.encrypt(plaintext));
}

async function typageDecrypt(file: Uint8Array, identity: string, asStream: boolean): Promise<Buffer> {
  const d = new Decrypter();
  d.addIdentity(identity);
  if (asStream) return collect(await d.decrypt(webStream(file)));
  return Buffer.from(await d.decrypt(file));
}

async function ourEncrypt(plaintext: Uint8Array, recipients: string[]): Promise<Buffer> {
  const { output, error } = await runThrough(await createEncryptStream(recipients), plaintext, 30_000);
  assert.equal(error, undefined);
  return output;
}

async function ourDecrypt(file: Uint8Array, identities: string[]): Promise<Buffer> {
  const { output, error } = await runThrough(createDecryptStream({ identities }), file, 7_001);
  if (error) throw error;
  return output;
}

function assertSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  assert.equal(actual.length, expected.length, 'length');
  assert.ok(Buffer.from(actual).equals(expected), 'content differs');
}

describe('interop with typage', () => {
  let x25519: Key;
  let pq: Key;
  before(async () => {
    x25519 = await key(generateX25519Identity);
    pq = await key(generateHybridIdentity);
    assert.match(pq.recipient, /^age1pq1/);
    assert.match(pq.identity, /^AGE-SECRET-KEY-PQ-1/);
  });

  for (const kind of ['X25519', 'hybrid PQ'] as const) {
    const pick = () => (kind === 'X25519' ? x25519 : pq);
    for (const size of SIZES) {
      test(`${kind}: typage encrypts -> ours decrypts, ${size} bytes (buffer and stream)`, async () => {
        const plaintext = randomBytes(size);
        for (const asStream of [false, true]) {
          const file = await typageEncrypt(plaintext, [pick().recipient], asStream);
          assertSameBytes(await ourDecrypt(file, [pick().identity]), plaintext);
        }
      });

      test(`${kind}: ours encrypts -> typage decrypts, ${size} bytes (buffer and stream)`, async () => {
        const plaintext = randomBytes(size);
        const file = await ourEncrypt(plaintext, [pick().recipient]);
        for (const asStream of [false, true]) {
          assertSameBytes(await typageDecrypt(file, pick().identity, asStream), plaintext);
        }
      });
    }
  }

  test('mixed X25519 + PQ recipients, ours: opens with either key in typage and in ours', async () => {
    const plaintext = randomBytes(100_000);
    const file = await ourEncrypt(plaintext, [x25519.recipient, pq.recipient]);
    assert.match(file.toString('latin1', 0, 4096), /\n-> X25519 [^\n]*\n[\s\S]*\n-> mlkem768x25519 /);
    for (const k of [x25519, pq]) {
      assertSameBytes(await typageDecrypt(file, k.identity, false), plaintext);
      assertSameBytes(await ourDecrypt(file, [k.identity]), plaintext);
    }
  });

  test('mixed X25519 + PQ recipients, typage: opens with either key in ours', async () => {
    const plaintext = randomBytes(100_000);
    const file = await typageEncrypt(plaintext, [pq.recipient, x25519.recipient], true);
    for (const k of [x25519, pq]) assertSameBytes(await ourDecrypt(file, [k.identity]), plaintext);
  });

  test('a PQ file does not open with an unrelated PQ or X25519 key', async () => {
    const file = await typageEncrypt(randomBytes(1000), [pq.recipient], false);
    const otherPq = await generateHybridIdentity();
    await assert.rejects(ourDecrypt(file, [otherPq, x25519.identity]), NoIdentityMatchedError);
  });
});
