// One codec encrypt and one decrypt with the built engine (dist/, as the app runs it), each from a file
// to /dev/null, in a process of their own so that its peak RSS is theirs.
// Usage: codec-child.mjs INPUT CIPHERTEXT RECIPIENT IDENTITY_FILE.
// Prints {"encryptSeconds", "decryptSeconds", "maxRssKB", "startRssKB"} as one JSON line
// (startRssKB: the process with its modules loaded, before any work).
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createDecryptStream, createEncryptStream } from '../dist/core/age/index.js';

const [input, ciphertext, recipient, identityFile] = process.argv.slice(2);
if (!input || !ciphertext || !recipient || !identityFile)
  throw new Error('usage: INPUT CIPHERTEXT RECIPIENT KEYFILE');
const identity = (await readFile(identityFile, 'utf8'))
  .split('\n')
  .find((l) => l.startsWith('AGE-SECRET-KEY-'));
if (!identity) throw new Error(`no identity in ${identityFile}`);

async function timed(file, transform) {
  const start = performance.now();
  await pipeline(
    createReadStream(file, { highWaterMark: 1 << 20 }),
    await transform(),
    createWriteStream('/dev/null'),
  );
  return (performance.now() - start) / 1000;
}

const startRssKB = process.memoryUsage.rss() / 1024;
const encryptSeconds = await timed(input, () => createEncryptStream([recipient]));
const decryptSeconds = await timed(ciphertext, () => createDecryptStream({ identities: [identity] }));
process.stdout.write(
  `${JSON.stringify({ encryptSeconds, decryptSeconds, maxRssKB: process.resourceUsage().maxRSS, startRssKB })}\n`,
);
