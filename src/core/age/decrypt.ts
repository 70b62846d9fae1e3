import type { Transform, TransformCallback } from 'node:stream';
import { armor } from 'age-encryption';
import { ArmorInvalidError, HeaderInvalidError } from './errors.js';
import { type DecryptionKeys, findHeaderEnd, openHeader } from './header.js';
import { PAYLOAD_NONCE_SIZE, PayloadDecryptStream, payloadKey } from './stream-payload.js';

/** Armored input is decoded in memory, so it is accepted up to this size (Puddleproof never writes it). */
export const MAX_ARMORED_SIZE = 64 * 1024 * 1024;

/**
 * Reads the header, opens it with `keys`, then decrypts the payload chunk by chunk.
 * Errors are AgeError subclasses: NoIdentityMatchedError, HeaderInvalidError, PayloadCorruptError,
 * ArmorInvalidError.
 */
class AgeDecryptStream extends PayloadDecryptStream {
  private prelude: Buffer | null = Buffer.alloc(0);
  private armored = false;

  constructor(private readonly keys: DecryptionKeys) {
    super();
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, done: TransformCallback): void {
    if (this.prelude === null) return super._transform(chunk, encoding, done);
    this.prelude = this.prelude.length ? Buffer.concat([this.prelude, chunk]) : chunk;
    const armored = this.armored ? 'yes' : isArmored(this.prelude);
    if (armored === 'maybe') return done();
    if (armored === 'yes') {
      this.armored = true;
      if (this.prelude.length > MAX_ARMORED_SIZE) {
        return done(
          new ArmorInvalidError('armored files larger than 64 MiB are not supported; use binary age'),
        );
      }
      return done();
    }
    this.tryStartPayload(false).then(
      (rest) => (rest?.length ? super._transform(rest, encoding, done) : done()),
      (err: Error) => done(err),
    );
  }

  override _flush(done: TransformCallback): void {
    if (this.prelude === null) return super._flush(done);
    if (this.armored || isArmored(this.prelude) === 'yes') {
      try {
        this.prelude = Buffer.from(armor.decode(this.prelude.toString('latin1')));
      } catch (err) {
        return done(new ArmorInvalidError(err instanceof Error ? err.message : String(err)));
      }
    }
    this.tryStartPayload(true).then(
      (rest) => {
        if (!rest?.length) return super._flush(done);
        super._transform(rest, 'binary', (err) => (err ? done(err) : super._flush(done)));
      },
      (err: Error) => done(err),
    );
  }

  /** When header and nonce are complete: sets the payload key and returns the payload bytes seen so far. */
  private async tryStartPayload(atEnd: boolean): Promise<Buffer | undefined> {
    const buf = this.prelude ?? Buffer.alloc(0);
    const headerEnd = findHeaderEnd(buf);
    if (headerEnd < 0) {
      if (atEnd) throw new HeaderInvalidError('the file ends inside the header');
      return undefined;
    }
    if (buf.length < headerEnd + PAYLOAD_NONCE_SIZE) {
      if (atEnd) throw new HeaderInvalidError('the file ends before the payload nonce');
      return undefined;
    }
    const fileKey = await openHeader(buf.subarray(0, headerEnd), this.keys);
    this.key = payloadKey(fileKey, buf.subarray(headerEnd, headerEnd + PAYLOAD_NONCE_SIZE));
    fileKey.fill(0);
    this.prelude = null;
    return buf.subarray(headerEnd + PAYLOAD_NONCE_SIZE);
  }
}

/**
 * Whether input starting with `buf` is ASCII-armored: its first byte after optional whitespace is '-'
 * (a binary age file starts with "age-"). 'maybe' while only whitespace arrived.
 */
function isArmored(buf: Buffer): 'yes' | 'no' | 'maybe' {
  for (const byte of buf) {
    if (byte === 0x2d) return 'yes';
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d && byte !== 0x0a) return 'no';
  }
  return 'maybe';
}

/** A Transform that decrypts an age v1 file (binary, or ASCII-armored up to 64 MiB) with `keys`. */
export function createDecryptStream(keys: DecryptionKeys): Transform {
  return new AgeDecryptStream(keys);
}
