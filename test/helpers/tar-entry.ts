// Tar archives built by hand, including shapes no tar tool would write.
import { Header, type HeaderData } from 'tar';

/**
 * One tar entry: node-tar's 512-byte header, then the body padded to a multiple of 512. A regular file of
 * mode 0644 unless `fields` says otherwise.
 */
export function tarEntry(fields: HeaderData & { body?: string | Buffer }): Buffer {
  const { body = '', ...data } = fields;
  const bytes = Buffer.from(body);
  const header = Buffer.alloc(512);
  new Header({ type: 'File', mode: 0o644, size: bytes.length, ...data }).encode(header);
  return Buffer.concat([header, bytes, Buffer.alloc(-bytes.length & 511)]);
}

/** A tar archive of `entries`, ended by the two zero blocks. */
export const tarArchive = (...entries: Buffer[]) => Buffer.concat([...entries, Buffer.alloc(1024)]);
