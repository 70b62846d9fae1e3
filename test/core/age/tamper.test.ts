// Damaged, cut and extended files: the right error class, plain words, and no unauthenticated plaintext.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AgeError,
  createDecryptStream,
  createEncryptStream,
  generateX25519Identity,
  HeaderInvalidError,
  identityToRecipient,
  NoIdentityMatchedError,
  PayloadCorruptError,
} from '../../../src/core/age/index.js';
import { runThrough } from '../../helpers/streams.js';

const CHUNK = 65536;
const SEALED = CHUNK + 16;
const NONCE = 16;
/** Four chunks, the last one short. */
const PLAINTEXT = randomBytes(3 * CHUNK + 5000);
/** Three full chunks, the last one full (age's final chunk may be full). */
const ALIGNED = randomBytes(3 * CHUNK);

let identity = '';
let other: { identity: string; recipient: string };
/** PLAINTEXT encrypted to `identity` alone, and to `other` + `identity`; ALIGNED to `identity`. */
let file: Buffer;
let twoRecipients: Buffer;
let aligned: Buffer;
let emptyFile: Buffer;

async function encrypt(plaintext: Uint8Array, recipients: string[]): Promise<Buffer> {
  const { output, error } = await runThrough(await createEncryptStream(recipients), plaintext);
  assert.equal(error, undefined);
  return output;
}

/** Offset just past the header's MAC line (the payload nonce starts here). */
function headerEnd(f: Buffer): number {
  return f.indexOf(0x0a, f.indexOf('\n--- ') + 1) + 1;
}

/** Offset of the first byte of header line `n` (0 = the intro line). */
function lineStart(f: Buffer, n: number): number {
  let at = 0;
  for (let i = 0; i < n; i++) at = f.indexOf(0x0a, at) + 1;
  return at;
}

function flip(f: Buffer, offset: number, mask = 0x01): Buffer {
  const copy = Buffer.from(f);
  copy[offset] = (copy[offset] ?? 0) ^ mask;
  return copy;
}

/** Flips bit 5 of the first ASCII letter at or after `offset`: a case change, still valid base64. */
function flipCase(f: Buffer, offset: number): Buffer {
  let at = offset;
  while (!/[A-Za-z]/.test(String.fromCharCode(f[at] ?? 0x41))) at++;
  return flip(f, at, 0x20);
}

interface Expectation {
  error: new (...args: never[]) => AgeError;
  /** How many plaintext bytes (a prefix of the original) may come out before the error. */
  released?: number;
  /** Words the message must contain. */
  words?: RegExp;
}

/** Decrypts `damaged` in one piece and in small pieces; both must fail the same precise way. */
async function expectFailure(
  damaged: Buffer,
  plaintext: Buffer,
  { error: cls, released = 0, words }: Expectation,
  identities = [identity],
): Promise<void> {
  for (const pieceSize of [1 << 20, 4093]) {
    const { output, error } = await runThrough(createDecryptStream({ identities }), damaged, pieceSize);
    assert.ok(error, `decryption succeeded (pieces of ${pieceSize})`);
    assert.ok(error instanceof cls, `expected ${cls.name}, got ${error.constructor.name}: ${error.message}`);
    assertPlainWords(error.message);
    if (words) assert.match(error.message, words);
    assert.equal(output.length, released, `released bytes (pieces of ${pieceSize})`);
    assert.ok(output.equals(plaintext.subarray(0, released)), 'released bytes are the original prefix');
  }
}

function assertPlainWords(message: string): void {
  assert.doesNotMatch(message, /undefined|null|NaN|\[object/, message);
  assert.doesNotMatch(message, /\n|\bat .*:\d+:\d+/, `looks like a stack: ${message}`);
  assert.doesNotMatch(message, /[^\x20-\x7e]/, `non-printable characters: ${JSON.stringify(message)}`);
  assert.ok(message.length < 300, message);
}

before(async () => {
  identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const otherIdentity = await generateX25519Identity();
  other = { identity: otherIdentity, recipient: await identityToRecipient(otherIdentity) };
  file = await encrypt(PLAINTEXT, [recipient]);
  twoRecipients = await encrypt(PLAINTEXT, [other.recipient, recipient]);
  aligned = await encrypt(ALIGNED, [recipient]);
  emptyFile = await encrypt(Buffer.alloc(0), [recipient]);
  // The layout the offsets below rely on: intro, "-> X25519 share", body, "--- mac", nonce, 4 chunks.
  assert.match(
    file.toString('latin1', 0, headerEnd(file)),
    /^age-encryption\.org\/v1\n-> X25519 \S+\n\S+\n--- \S+\n$/,
  );
  assert.equal(file.length, headerEnd(file) + NONCE + 3 * SEALED + 5000 + 16);
});

test('the undamaged files decrypt', async () => {
  for (const [f, p] of [
    [file, PLAINTEXT],
    [aligned, ALIGNED],
    [twoRecipients, PLAINTEXT],
  ] as const) {
    const { output, error } = await runThrough(createDecryptStream({ identities: [identity] }), f, 4093);
    assert.equal(error, undefined);
    assert.ok(output.equals(p));
  }
});

describe('bit flips in the header release nothing', () => {
  test('intro line, first byte: not an age file', async () => {
    await expectFailure(flip(file, 0), PLAINTEXT, {
      error: HeaderInvalidError,
      words: /does not start with/,
    });
  });

  test('intro line, version digit', async () => {
    const damaged = flip(file, 'age-encryption.org/v'.length);
    await expectFailure(damaged, PLAINTEXT, { error: HeaderInvalidError, words: /version/ });
  });

  test('stanza type (X25519 -> x25519): the stanza is no longer ours, so no identity matches', async () => {
    const damaged = flipCase(file, lineStart(file, 1) + 3);
    assert.equal(damaged.toString('latin1', lineStart(file, 1), lineStart(file, 1) + 9), '-> x25519');
    await expectFailure(damaged, PLAINTEXT, { error: NoIdentityMatchedError });
  });

  test('stanza share: the wrapped key does not open, so no identity matches', async () => {
    const damaged = flipCase(file, lineStart(file, 1) + '-> X25519 '.length);
    await expectFailure(damaged, PLAINTEXT, { error: NoIdentityMatchedError });
  });

  test('stanza body (still valid base64): the wrapped key does not open, so no identity matches', async () => {
    await expectFailure(flipCase(file, lineStart(file, 2)), PLAINTEXT, { error: NoIdentityMatchedError });
  });

  test('stanza body (a byte that is not base64): malformed header', async () => {
    await expectFailure(flip(file, lineStart(file, 2) + 5, 0x80), PLAINTEXT, { error: HeaderInvalidError });
  });

  test("another recipient's stanza body: our key opens, but the MAC does not match", async () => {
    const damaged = flipCase(twoRecipients, lineStart(twoRecipients, 2));
    await expectFailure(damaged, PLAINTEXT, { error: HeaderInvalidError, words: /MAC does not match/ });
    // The other key's stanza is the damaged one: for that key nothing matches.
    await expectFailure(damaged, PLAINTEXT, { error: NoIdentityMatchedError }, [other.identity]);
  });

  test('MAC', async () => {
    const damaged = flipCase(file, lineStart(file, 3) + 4);
    await expectFailure(damaged, PLAINTEXT, {
      error: HeaderInvalidError,
      words: /MAC does not match.*changed/,
    });
  });

  test('MAC line marker (--- -> ,--): the header never ends', async () => {
    await expectFailure(flip(file, lineStart(file, 3)), PLAINTEXT, {
      error: HeaderInvalidError,
      words: /header/,
    });
  });
});

describe('bit flips in the payload release only the chunks before the damage', () => {
  const payload = () => headerEnd(file) + NONCE;

  test('payload nonce: chunk 0 fails', async () => {
    await expectFailure(flip(file, headerEnd(file) + 7), PLAINTEXT, {
      error: PayloadCorruptError,
      words: /chunk 0 .*changed/,
    });
  });

  for (const [name, index] of [
    ['first', 0],
    ['middle', 1],
    ['second to last', 2],
    ['last (short)', 3],
  ] as const) {
    test(`${name} chunk (${index}), in its ciphertext and in its tag`, async () => {
      const start = payload() + index * SEALED;
      const end = Math.min(start + SEALED, file.length);
      const expectation = { error: PayloadCorruptError, released: index * CHUNK, words: /chunk.*changed/ };
      await expectFailure(flip(file, start + 100), PLAINTEXT, expectation);
      await expectFailure(flip(file, end - 1, 0x80), PLAINTEXT, expectation);
    });
  }

  test('last chunk of a chunk-aligned file', async () => {
    await expectFailure(flip(aligned, aligned.length - 20), ALIGNED, {
      error: PayloadCorruptError,
      released: 2 * CHUNK,
      words: /chunk 2 .*changed/,
    });
  });
});

describe('truncation', () => {
  const cut = (at: number) => file.subarray(0, at);

  test('inside the intro line and inside a stanza: the header is incomplete', async () => {
    for (const at of [0, 10, lineStart(file, 2) + 5, headerEnd(file) - 1]) {
      await expectFailure(cut(at), PLAINTEXT, { error: HeaderInvalidError, words: /ends inside the header/ });
    }
  });

  test('right after the header and inside the nonce', async () => {
    for (const at of [headerEnd(file), headerEnd(file) + 8, headerEnd(file) + NONCE - 1]) {
      await expectFailure(cut(at), PLAINTEXT, {
        error: HeaderInvalidError,
        words: /ends before the payload nonce/,
      });
    }
  });

  test('right after the nonce, and inside chunk 0', async () => {
    for (const at of [0, 1, 15, 16, 1000, SEALED - 1]) {
      await expectFailure(cut(headerEnd(file) + NONCE + at), PLAINTEXT, {
        error: PayloadCorruptError,
        words: /truncated/,
      });
    }
  });

  test('exactly at a chunk boundary: the authentic chunks come out, then the error', async () => {
    for (const chunks of [1, 2, 3]) {
      await expectFailure(cut(headerEnd(file) + NONCE + chunks * SEALED), PLAINTEXT, {
        error: PayloadCorruptError,
        released: chunks * CHUNK,
        words: new RegExp(`after chunk ${chunks - 1} without a final chunk \\(truncated\\)`),
      });
    }
  });

  test('one byte short of the end', async () => {
    await expectFailure(cut(file.length - 1), PLAINTEXT, {
      error: PayloadCorruptError,
      released: 3 * CHUNK,
      words: /truncated/,
    });
    await expectFailure(aligned.subarray(0, aligned.length - 1), ALIGNED, {
      error: PayloadCorruptError,
      released: 2 * CHUNK,
      words: /truncated/,
    });
    await expectFailure(emptyFile.subarray(0, emptyFile.length - 1), Buffer.alloc(0), {
      error: PayloadCorruptError,
      words: /truncated/,
    });
  });
});

describe('trailing bytes after a valid file', () => {
  const extended = (f: Buffer, n: number) => Buffer.concat([f, randomBytes(n)]);

  test('after a short final chunk (1 byte, 17 bytes, a whole chunk): the final chunk is withheld', async () => {
    for (const n of [1, 17, SEALED]) {
      await expectFailure(extended(file, n), PLAINTEXT, { error: PayloadCorruptError, released: 3 * CHUNK });
    }
  });

  test('after a full final chunk: everything authentic comes out, then "unexpected data"', async () => {
    for (const n of [1, 17, SEALED]) {
      await expectFailure(extended(aligned, n), ALIGNED, {
        error: PayloadCorruptError,
        released: ALIGNED.length,
        words: /unexpected data after the final chunk/,
      });
    }
    // A copy of a real chunk appended is no better than random bytes.
    const start = headerEnd(aligned) + NONCE;
    await expectFailure(Buffer.concat([aligned, aligned.subarray(start, start + SEALED)]), ALIGNED, {
      error: PayloadCorruptError,
      released: ALIGNED.length,
      words: /unexpected data after the final chunk/,
    });
  });

  test('after an empty file', async () => {
    for (const n of [1, 17, SEALED]) {
      await expectFailure(extended(emptyFile, n), Buffer.alloc(0), { error: PayloadCorruptError });
    }
  });
});

test('a wrong identity: NoIdentityMatchedError, nothing released', async () => {
  await expectFailure(file, PLAINTEXT, { error: NoIdentityMatchedError, words: /None of the keys/ }, [
    other.identity,
  ]);
  await expectFailure(file, PLAINTEXT, { error: NoIdentityMatchedError }, []);
});

describe('backpressure: memory stays flat with a slow consumer', () => {
  const TOTAL = 256 * 1024 * 1024;
  const PIECE = 256 * 1024;

  /** Lazily made plaintext: a fresh buffer per piece, so anything held back would show up in RSS. */
  function source(progress: { produced: number }): Readable {
    return Readable.from(
      (function* () {
        for (let off = 0; off < TOTAL; off += PIECE) {
          progress.produced += PIECE;
          yield Buffer.alloc(PIECE, off / PIECE);
        }
      })(),
    );
  }

  /**
   * A sink that takes about a millisecond per write and records how far the source ran ahead, the peak
   * RSS, and the peak RSS during the first 64 MiB (to tell a fixed footprint from growth with input size).
   */
  function slowSink(progress: { produced: number }) {
    const stats = { written: 0, maxLead: 0, maxRss: 0, earlyRss: 0 };
    const sink = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _e, cb) {
        stats.written += chunk.length;
        stats.maxLead = Math.max(stats.maxLead, progress.produced - stats.written);
        stats.maxRss = Math.max(stats.maxRss, process.memoryUsage.rss());
        if (stats.written <= 64 << 20) stats.earlyRss = stats.maxRss;
        sleep(1).then(() => cb());
      },
    });
    return { sink, stats };
  }

  /** RSS must not keep growing with the input, and must stay within 100 MB of where it started. */
  function assertFlat(stats: { maxRss: number; earlyRss: number }, baseline: number): void {
    const late = (stats.maxRss - stats.earlyRss) / 1e6;
    const growth = (stats.maxRss - baseline) / 1e6;
    assert.ok(late < 40, `RSS kept growing: ${late.toFixed(0)} MB after the first 64 MiB`);
    assert.ok(
      growth < 100,
      `RSS grew by ${growth.toFixed(0)} MB (${late.toFixed(0)} MB after the first 64 MiB)`,
    );
  }

  test('256 MiB through encrypt into a slow writable', { timeout: 120_000 }, async () => {
    const baseline = process.memoryUsage.rss();
    const progress = { produced: 0 };
    const { sink, stats } = slowSink(progress);
    await pipeline(source(progress), await createEncryptStream([other.recipient]), sink);
    const payload = TOTAL + (TOTAL / CHUNK) * 16;
    assert.ok(stats.written - payload > 100 && stats.written - payload < 400, `wrote ${stats.written}`);
    assert.ok(stats.maxLead < 32 << 20, `the source ran ${stats.maxLead} bytes ahead of the sink`);
    assertFlat(stats, baseline);
  });

  test('256 MiB through encrypt and decrypt into a slow writable', { timeout: 120_000 }, async () => {
    const baseline = process.memoryUsage.rss();
    const progress = { produced: 0 };
    const { sink, stats } = slowSink(progress);
    const decrypt = createDecryptStream({ identities: [other.identity] });
    await pipeline(source(progress), await createEncryptStream([other.recipient]), decrypt, sink);
    assert.equal(stats.written, TOTAL);
    assert.ok(stats.maxLead < 32 << 20, `the source ran ${stats.maxLead} bytes ahead of the sink`);
    assertFlat(stats, baseline);
  });
});
