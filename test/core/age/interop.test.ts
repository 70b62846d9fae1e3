// Interoperability with the reference `age` CLI (X25519), both ways, through real files.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import {
  createDecryptStream,
  createEncryptStream,
  type DecryptionKeys,
  generateX25519Identity,
  identityToRecipient,
  NoIdentityMatchedError,
} from '../../../src/core/age/index.js';

const run = promisify(execFile);

const SIZES = [0, 1, 65535, 65536, 65537, 3 * 65536, 10 * 1024 * 1024 + 3];

interface Key {
  identity: string;
  recipient: string;
  file: string;
}

let dir = '';
let fileNo = 0;
const tmp = (name: string) => join(dir, `${fileNo++}-${name}`);

/** One key from `age-keygen` (read back from its file), one from typage: both formats must agree. */
let keyA: Key;
let keyB: Key;

async function keyFromAgeKeygen(): Promise<Key> {
  const file = tmp('a.key');
  await run('age-keygen', ['-o', file]);
  const identity = (await readFile(file, 'utf8')).split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'));
  assert.ok(identity, 'age-keygen wrote no identity');
  const { stdout } = await run('age-keygen', ['-y', file]);
  return { identity, recipient: stdout.trim(), file };
}

async function keyFromTypage(): Promise<Key> {
  const identity = await generateX25519Identity();
  const file = tmp('b.key');
  await writeFile(file, `# made by typage\n${identity}\n`, { mode: 0o600 });
  return { identity, recipient: await identityToRecipient(identity), file };
}

async function ourEncryptToFile(plaintext: Buffer, recipients: string[]): Promise<string> {
  const input = tmp('plain');
  const out = tmp('ours.age');
  await writeFile(input, plaintext);
  await pipeline(createReadStream(input), await createEncryptStream(recipients), createWriteStream(out));
  return out;
}

async function ourDecryptFile(file: string, keys: DecryptionKeys): Promise<Buffer> {
  const parts: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      parts.push(chunk);
      cb();
    },
  });
  await pipeline(createReadStream(file), createDecryptStream(keys), sink);
  return Buffer.concat(parts);
}

/** Plaintext comes back on stdout: `age -o` creates no file at all for an empty plaintext. */
async function cliDecrypt(file: string, key: Key): Promise<Buffer> {
  const { stdout } = await run('age', ['-d', '-i', key.file, file], {
    encoding: 'buffer',
    maxBuffer: 64 << 20,
  });
  return stdout;
}

async function cliEncrypt(plaintext: Buffer, recipients: string[]): Promise<string> {
  const input = tmp('plain');
  const out = tmp('cli.age');
  await writeFile(input, plaintext);
  await run('age', [...recipients.flatMap((r) => ['-r', r]), '-o', out, input]);
  return out;
}

/** Byte equality without dumping megabytes into the failure message. */
function assertSameBytes(actual: Buffer, expected: Buffer): void {
  assert.equal(actual.length, expected.length, 'length');
  assert.ok(actual.equals(expected), 'content differs');
}

describe('interop with the age CLI', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'puddleproof-interop-'));
    keyA = await keyFromAgeKeygen();
    keyB = await keyFromTypage();
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const size of SIZES) {
    test(`ours -> age -d, ${size} bytes`, async () => {
      const plaintext = randomBytes(size);
      const file = await ourEncryptToFile(plaintext, [keyA.recipient]);
      assertSameBytes(await cliDecrypt(file, keyA), plaintext);
    });

    test(`age -r -> ours, ${size} bytes`, async () => {
      const plaintext = randomBytes(size);
      const file = await cliEncrypt(plaintext, [keyA.recipient]);
      assertSameBytes(await ourDecryptFile(file, { identities: [keyA.identity] }), plaintext);
    });
  }

  test('ours to two recipients opens with either key in the CLI, and not with a third', async () => {
    const plaintext = randomBytes(200_000);
    const file = await ourEncryptToFile(plaintext, [keyA.recipient, keyB.recipient]);
    assertSameBytes(await cliDecrypt(file, keyA), plaintext);
    assertSameBytes(await cliDecrypt(file, keyB), plaintext);
    const other = await keyFromTypage();
    await assert.rejects(cliDecrypt(file, other), /no identity matched/);
  });

  test('CLI to two recipients opens with either key on our side', async () => {
    const plaintext = randomBytes(200_000);
    const file = await cliEncrypt(plaintext, [keyA.recipient, keyB.recipient]);
    assertSameBytes(await ourDecryptFile(file, { identities: [keyA.identity] }), plaintext);
    assertSameBytes(await ourDecryptFile(file, { identities: [keyB.identity] }), plaintext);
  });

  test('several identities on our side: the matching one is found wherever it is in the list', async () => {
    const plaintext = randomBytes(70_000);
    const file = await cliEncrypt(plaintext, [keyB.recipient]);
    const stranger = await generateX25519Identity();
    for (const identities of [
      [stranger, keyA.identity, keyB.identity],
      [keyB.identity, stranger],
    ]) {
      assertSameBytes(await ourDecryptFile(file, { identities }), plaintext);
    }
    await assert.rejects(
      ourDecryptFile(file, { identities: [stranger, keyA.identity] }),
      NoIdentityMatchedError,
    );
  });
});
