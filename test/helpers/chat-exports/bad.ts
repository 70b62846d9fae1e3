// Bad input for error tests: cut files, a zip bomb, not-a-zip, a huge line, legacy encodings.
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { rng } from './model.js';
import { writeChunks, writeZipBomb } from './zip.js';

/** Cuts the file at `path` to its first `keepBytes` bytes (in place) and returns `path`. */
export async function writeTruncated(path: string, keepBytes: number): Promise<string> {
  await truncate(path, keepBytes);
  return path;
}

/** A zip (about 2.6 MB) whose only entry, `_chat.txt`, declares and inflates to 2.5 GiB of zeros. */
export async function zipBomb(dir: string, name: string): Promise<string> {
  await mkdir(resolve(dir), { recursive: true });
  const path = resolve(dir, name);
  await writeZipBomb(path, new Date(Date.UTC(2022, 11, 31, 11, 40, 26)));
  return path;
}

/** A `.zip`-named file of 4096 pseudo-random bytes (no zip signature anywhere). */
export async function notAZip(dir: string, name: string): Promise<string> {
  await mkdir(resolve(dir), { recursive: true });
  const next = rng(4096);
  const data = Buffer.alloc(4096);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(next() * 256);
  data.writeUInt32LE(0xdeadbeef, 0);
  for (let i = 0; i + 4 <= data.length; i++) {
    const sig = data.readUInt32LE(i);
    if (sig === 0x04034b50 || sig === 0x06054b50 || sig === 0x02014b50) data[i] = 0;
  }
  const path = resolve(dir, name);
  await writeFile(path, data);
  return path;
}

/** A WhatsApp Android .txt (en, 24h): the encryption notice, one message whose text is a single line of
 * `megabytes` MiB ("x" repeated), then one short message. */
export async function hugeLine(dir: string, name: string, megabytes: number): Promise<string> {
  await mkdir(resolve(dir), { recursive: true });
  const path = resolve(dir, name);
  const mib = Buffer.alloc(1024 * 1024, 'x');
  function* chunks() {
    yield Buffer.from(
      '31/12/2022, 11:39 - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.\n31/12/2022, 11:40 - Alice: ',
    );
    for (let i = 0; i < megabytes; i++) yield mib;
    yield Buffer.from('\n31/12/2022, 11:41 - Bob: ok\n');
  }
  await writeChunks(path, chunks());
  return path;
}

/** The people and lines of latin1Chat / utf16Chat (two messages from each of three people). */
export const LEGACY_CHAT = {
  participants: ['François Müller', 'José Ñúñez', 'Zoë Ångström'],
  text: [
    '31/12/2022, 11:39 - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.',
    '31/12/2022, 11:40 - François Müller: Grüße aus Köln',
    '31/12/2022, 11:41 - José Ñúñez: ¿Qué tal? Año nuevo',
    '31/12/2022, 11:42 - Zoë Ångström: Så bra!',
    '31/12/2022, 11:43 - François Müller: À bientôt',
    '31/12/2022, 11:44 - José Ñúñez: señor',
    '31/12/2022, 11:45 - Zoë Ångström: ½ °C',
  ].join('\n'),
  messages: 6,
  first: '2022-12-31T11:40:00.000Z',
  last: '2022-12-31T11:45:00.000Z',
};

/** LEGACY_CHAT as a WhatsApp Android .txt in ISO-8859-1 (not valid UTF-8). */
export async function latin1Chat(dir: string, name: string): Promise<string> {
  await mkdir(resolve(dir), { recursive: true });
  const path = resolve(dir, name);
  await writeFile(path, Buffer.from(`${LEGACY_CHAT.text}\n`, 'latin1'));
  return path;
}

/** LEGACY_CHAT as a WhatsApp Android .txt in UTF-16LE with a byte-order mark. */
export async function utf16Chat(dir: string, name: string): Promise<string> {
  await mkdir(resolve(dir), { recursive: true });
  const path = resolve(dir, name);
  await writeFile(
    path,
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${LEGACY_CHAT.text}\n`, 'utf16le')]),
  );
  return path;
}
