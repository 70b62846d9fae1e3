// The proof travels inside the data object's tar, as a pax global header just before the end-of-archive
// blocks: `PUDDLEPROOF.id` and `PUDDLEPROOF.proof` (HMAC of every tar byte before it). Tar tools ignore
// unknown pax keywords, so `age -d -i kit.txt OBJECT | tar -x` still restores the export.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { Header } from 'tar';
import { dataProof, proofMatches } from './proof.js';

const BLOCK = 512;
const END_OF_ARCHIVE = 2 * BLOCK;
/** Bytes of the trailer: pax header block, pax records block, end-of-archive blocks. */
export const TRAILER_SIZE = 2 * BLOCK + END_OF_ARCHIVE;

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length++;
  return `${length}${body}`;
}

function buildTrailer(id: string, proof: Buffer): Buffer {
  const records = Buffer.from(
    paxRecord('PUDDLEPROOF.id', id) + paxRecord('PUDDLEPROOF.proof', proof.toString('hex')),
  );
  const trailer = Buffer.alloc(TRAILER_SIZE);
  new Header({
    path: 'pax_global_header',
    type: 'GlobalExtendedHeader',
    size: records.length,
    mode: 0o644,
    mtime: new Date(0),
  }).encode(trailer, 0);
  records.copy(trailer, BLOCK);
  return trailer;
}

function parseTrailer(trailer: Buffer): { id: string; proof: Buffer } | string {
  if (trailer.length !== TRAILER_SIZE) return 'the archive is too short to carry a proof';
  let header: Header;
  try {
    header = new Header(trailer.subarray(0, BLOCK));
  } catch {
    return 'the archive carries no Puddleproof proof';
  }
  if (!header.cksumValid || header.type !== 'GlobalExtendedHeader' || !header.size || header.size > BLOCK) {
    return 'the archive carries no Puddleproof proof';
  }
  if (trailer.subarray(2 * BLOCK).some((b) => b !== 0))
    return 'the archive does not end where its proof says';
  const fields = new Map<string, string>();
  let text = trailer.subarray(BLOCK, BLOCK + header.size).toString('utf8');
  while (text.length > 0) {
    const space = text.indexOf(' ');
    const length = Number(text.slice(0, space));
    const record = text.slice(space + 1, length - 1);
    const eq = record.indexOf('=');
    if (space < 1 || !Number.isInteger(length) || text[length - 1] !== '\n' || eq < 1)
      return 'the proof is malformed';
    fields.set(record.slice(0, eq), record.slice(eq + 1));
    text = text.slice(length);
  }
  const id = fields.get('PUDDLEPROOF.id');
  const proof = fields.get('PUDDLEPROOF.proof');
  if (!id || !proof || !/^[0-9a-f]{64}$/.test(proof)) return 'the archive carries no Puddleproof proof';
  return { id, proof: Buffer.from(proof, 'hex') };
}

/** Passes bytes through, keeping the last `size` back; `onRelease` sees each byte as it leaves the tail. */
abstract class TailTransform extends Transform {
  protected tail = Buffer.alloc(0);
  protected readonly content: Hash = createHash('sha256');
  protected bytes = 0;

  constructor(private readonly tailSize: number) {
    super({ readableHighWaterMark: 1024 * 1024, writableHighWaterMark: 1024 * 1024 });
  }

  /** Whether to forward the held-back tail bytes right away (check) or only in flush (seal). */
  protected abstract readonly forwardTail: boolean;

  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    const joined = chunk.length >= this.tailSize ? null : Buffer.concat([this.tail, chunk]);
    const released = joined
      ? joined.subarray(0, Math.max(0, joined.length - this.tailSize))
      : [this.tail, chunk.subarray(0, chunk.length - this.tailSize)];
    for (const part of Array.isArray(released) ? released : [released]) {
      if (part.length === 0) continue;
      this.content.update(part);
      if (!this.forwardTail) this.push(part);
    }
    this.tail = Buffer.from(joined ? joined.subarray(-this.tailSize) : chunk.subarray(-this.tailSize));
    if (this.forwardTail) this.push(chunk);
    done();
  }
}

/** What the seal or the check found about one tar. */
export interface TarSummary {
  /** SHA-256 of the whole tar, as `age -d` outputs it. */
  tarSha256: string;
  tarBytes: number;
}

/**
 * Seals archiver's tar: passes it on, replacing its end-of-archive blocks with the proof trailer.
 * `summary` is set once the stream has finished.
 */
export class SealTarStream extends TailTransform {
  protected readonly forwardTail = false;
  summary: TarSummary | undefined;

  constructor(
    private readonly authKey: Buffer,
    private readonly id: string,
  ) {
    super(END_OF_ARCHIVE);
  }

  override _flush(done: TransformCallback): void {
    if (this.tail.length !== END_OF_ARCHIVE || this.tail.some((b) => b !== 0)) {
      return done(new Error('the archive writer did not end the tar as expected'));
    }
    const whole = this.content.copy();
    const trailer = buildTrailer(this.id, dataProof(this.authKey, this.id, this.content.digest()));
    whole.update(trailer);
    this.summary = { tarSha256: whole.digest('hex'), tarBytes: this.bytes - END_OF_ARCHIVE + TRAILER_SIZE };
    this.push(trailer);
    done();
  }
}

/** The result of checking a tar's proof. */
export interface ProofCheck extends TarSummary {
  /** The backup id the proof names (null when there is no readable proof). */
  id: string | null;
  authentic: boolean;
  /** Why it is not authentic, in plain words. */
  problem?: string;
}

/** Passes a decrypted tar through unchanged and checks its proof; `check` is set when the stream finished. */
export class CheckTarStream extends TailTransform {
  protected readonly forwardTail = true;
  check: ProofCheck | undefined;

  constructor(private readonly authKey: Buffer) {
    super(TRAILER_SIZE);
  }

  override _flush(done: TransformCallback): void {
    const whole = this.content.copy().update(this.tail);
    const summary = { tarSha256: whole.digest('hex'), tarBytes: this.bytes };
    const parsed = parseTrailer(this.tail);
    if (typeof parsed === 'string') {
      this.check = { ...summary, id: null, authentic: false, problem: parsed };
    } else {
      const authentic = proofMatches(dataProof(this.authKey, parsed.id, this.content.digest()), parsed.proof);
      const problem = authentic
        ? undefined
        : 'its proof does not match (it was not made with this vault’s keys)';
      this.check = { ...summary, id: parsed.id, authentic, ...(problem ? { problem } : {}) };
    }
    done();
  }
}
