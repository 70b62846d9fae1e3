// The age payload: STREAM with ChaCha20-Poly1305 (libsodium) over 64 KiB chunks.
// Nonce = 11-byte big-endian chunk counter || 1-byte last-chunk flag (C2SP age spec, "Payload").
import { hkdfSync } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import sodium from 'sodium-native';
import { PayloadCorruptError } from './errors.js';

/** Plaintext bytes per STREAM chunk. */
export const CHUNK_SIZE = 64 * 1024;
/** Poly1305 tag bytes appended to each chunk. */
export const TAG_SIZE = 16;
/** Ciphertext bytes per full chunk. */
export const SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE;
/** Bytes of the random nonce that precedes the payload. */
export const PAYLOAD_NONCE_SIZE = 16;

const MAX_CHUNKS = 2 ** 48;

/** The payload key: HKDF-SHA-256(ikm = file key, salt = nonce, info = "payload"). */
export function payloadKey(fileKey: Uint8Array, nonce: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
}

/** Holds the 12-byte STREAM nonce for the current chunk. */
class ChunkNonce {
  readonly bytes = Buffer.alloc(12);
  private counter = 0;

  get index(): number {
    return this.counter;
  }

  set(last: boolean): Buffer {
    if (this.counter >= MAX_CHUNKS) throw new Error('age payload too large');
    this.bytes.writeUIntBE(this.counter, 5, 6);
    this.bytes[11] = last ? 1 : 0;
    return this.bytes;
  }

  advance(): void {
    this.counter++;
  }
}

/** A piece that failed; `released` when its output is authentic and goes out before the error. */
interface PieceError {
  error: Error;
  released: boolean;
}

/**
 * Base for the two directions: collects input into `unit`-sized pieces and processes every piece
 * as soon as it is known not to be the last one; the last piece is processed in flush.
 * Full pieces are read straight from the input buffers; only a piece that spans two writes is copied.
 */
abstract class ChunkedTransform extends Transform {
  private readonly held: Buffer;
  private fill = 0;

  constructor(private readonly unit: number) {
    super({ readableHighWaterMark: 1024 * 1024, writableHighWaterMark: 1024 * 1024 });
    this.held = Buffer.allocUnsafe(unit);
  }

  /** Size of the output for one non-final input piece. */
  protected abstract outputSize(unit: number): number;
  /** Processes one piece into `out`; an error stops the stream, after `out` if `released` says so. */
  protected abstract piece(input: Buffer, out: Buffer, last: boolean): PieceError | undefined;
  /** Processes the final piece (possibly short or empty): its output, then its error if any. */
  protected abstract finalPiece(input: Buffer): { output?: Buffer; error?: Error };

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (chunk.length === 0) return done();
    const unit = this.unit;
    const outUnit = this.outputSize(unit);
    const pieces = Math.floor((this.fill + chunk.length - 1) / unit);
    const out = Buffer.allocUnsafe(pieces * outUnit);
    let written = 0;
    let off = 0;
    const emit = (input: Buffer): Error | undefined => {
      const err = this.piece(input, out.subarray(written, written + outUnit), false);
      if (!err || err.released) written += outUnit;
      return err?.error;
    };
    const fail = (err: Error) => {
      if (written > 0) this.push(out.subarray(0, written));
      done(err);
    };
    if (this.fill > 0) {
      const n = Math.min(unit - this.fill, chunk.length);
      chunk.copy(this.held, this.fill, 0, n);
      this.fill += n;
      off = n;
      if (off === chunk.length) return done();
      const err = emit(this.held);
      if (err) return fail(err);
      this.fill = 0;
    }
    while (chunk.length - off > unit) {
      const err = emit(chunk.subarray(off, off + unit));
      if (err) return fail(err);
      off += unit;
    }
    chunk.copy(this.held, 0, off);
    this.fill = chunk.length - off;
    if (written > 0) this.push(written === out.length ? out : out.subarray(0, written));
    done();
  }

  override _flush(done: TransformCallback): void {
    const { output, error } = this.finalPiece(this.held.subarray(0, this.fill));
    if (output?.length) this.push(output);
    done(error);
  }
}

/** Encrypts plaintext into the STREAM payload (without the leading nonce). */
export class PayloadEncryptStream extends ChunkedTransform {
  private readonly nonce = new ChunkNonce();

  constructor(private readonly key: Buffer) {
    super(CHUNK_SIZE);
  }

  protected outputSize(unit: number): number {
    return unit + TAG_SIZE;
  }

  protected piece(input: Buffer, out: Buffer, last: boolean): undefined {
    sodium.crypto_aead_chacha20poly1305_ietf_encrypt(out, input, null, null, this.nonce.set(last), this.key);
    this.nonce.advance();
    return undefined;
  }

  protected finalPiece(input: Buffer): { output: Buffer } {
    const output = Buffer.allocUnsafe(input.length + TAG_SIZE);
    this.piece(input, output, true);
    this.key.fill(0);
    return { output };
  }
}

/**
 * Decrypts a STREAM payload (after the nonce). Each chunk's plaintext is released only after its tag
 * verified; a full chunk is held until the next byte shows whether it is the last one.
 */
export class PayloadDecryptStream extends ChunkedTransform {
  private readonly nonce = new ChunkNonce();

  /** `key` may be set later (by a subclass that reads the header first), before any payload arrives. */
  constructor(protected key: Buffer = Buffer.alloc(32)) {
    super(SEALED_CHUNK_SIZE);
  }

  protected outputSize(unit: number): number {
    return unit - TAG_SIZE;
  }

  private open(input: Buffer, out: Buffer, last: boolean): boolean {
    try {
      sodium.crypto_aead_chacha20poly1305_ietf_decrypt(
        out,
        null,
        input,
        null,
        this.nonce.set(last),
        this.key,
      );
      return true;
    } catch {
      return false;
    }
  }

  protected piece(input: Buffer, out: Buffer, last: boolean): PieceError | undefined {
    const index = this.nonce.index;
    if (this.open(input, out, last)) {
      this.nonce.advance();
      return undefined;
    }
    // Not a valid middle chunk. If it opens as the last chunk, it is authentic, but bytes follow the end.
    if (!last && this.open(input, out, true)) {
      return {
        error: new PayloadCorruptError(`unexpected data after the final chunk (${index})`),
        released: true,
      };
    }
    return {
      error: new PayloadCorruptError(`chunk ${index} failed authentication (bytes were changed)`),
      released: false,
    };
  }

  protected finalPiece(input: Buffer): { output?: Buffer; error?: Error } {
    const index = this.nonce.index;
    if (input.length < TAG_SIZE) {
      const detail =
        input.length === 0 && index > 0
          ? `the file ends after chunk ${index - 1} without a final chunk (truncated)`
          : `the file is truncated inside chunk ${index}`;
      return { error: new PayloadCorruptError(detail) };
    }
    const output = Buffer.allocUnsafe(input.length - TAG_SIZE);
    if (this.open(input, output, true)) {
      this.key.fill(0);
      if (output.length === 0 && index > 0) {
        return {
          error: new PayloadCorruptError('the final chunk is empty, which age allows only for an empty file'),
        };
      }
      return { output };
    }
    // An authentic middle chunk at the very end: release it, then report the missing end.
    if (input.length === SEALED_CHUNK_SIZE && this.open(input, output, false)) {
      const error = new PayloadCorruptError(
        `the file ends after chunk ${index} without a final chunk (truncated)`,
      );
      return { output, error };
    }
    const detail =
      input.length < SEALED_CHUNK_SIZE
        ? `the last chunk (${index}) failed authentication: the file was truncated or changed`
        : `chunk ${index} failed authentication (bytes were changed)`;
    return { error: new PayloadCorruptError(detail) };
  }
}
