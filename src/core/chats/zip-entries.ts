// The members of a zip file (yauzl): their names and sizes from the central directory, and one member's
// content as a stream, refused when it would inflate past a limit (zip bombs).
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

/** A zip member as the central directory lists it. */
export interface ZipMember {
  name: string;
  size: number;
  compressedSize: number;
  isDir: boolean;
}

/** The zip's members, and a way to read one of them. Close it when done. */
export interface OpenZip {
  members: ZipMember[];
  read(name: string): Promise<Readable>;
  close(): void;
}

/** Opens a zip file and lists its members (no member is read). */
export async function openZip(path: string): Promise<OpenZip> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false, strictFileNames: false }, (err, z) =>
      err || !z ? reject(err ?? new Error('not a zip')) : resolve(z),
    ),
  );
  const entries = new Map<string, yauzl.Entry>();
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        entries.set(entry.fileName, entry);
        zip.readEntry();
      });
      zip.on('end', resolve);
      zip.on('error', reject);
      zip.readEntry();
    });
  } catch (err) {
    zip.close();
    throw err;
  }
  return {
    members: [...entries.values()].map((e) => ({
      name: e.fileName,
      size: e.uncompressedSize,
      compressedSize: e.compressedSize,
      isDir: e.fileName.endsWith('/'),
    })),
    read: (name) =>
      new Promise((resolve, reject) => {
        const entry = entries.get(name);
        if (!entry) return reject(new Error(`${name} is not in the zip`));
        // yauzl checks that the member inflates to exactly the size it declares.
        zip.openReadStream(entry, (err, stream) => (err || !stream ? reject(err) : resolve(stream)));
      }),
    close: () => zip.close(),
  };
}
