// X25519 stanzas wrapped natively (x25519-recipient.ts): what the age CLI and typage open, fresh for every
// header, and refused for a key that cannot be wrapped to.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { Decrypter } from 'age-encryption';
import { encryptBuffer } from '../../../src/core/age/buffer.js';
import { createHeader } from '../../../src/core/age/header.js';
import { generateX25519Identity, identityToRecipient } from '../../../src/core/age/index.js';
import { NativeX25519Recipient, nativeX25519Recipient } from '../../../src/core/age/x25519-recipient.js';

const run = promisify(execFile);
let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'puddleproof-x25519-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** The stanza lines of a header: [type, share] of each `-> ` line, and the body line after it. */
function stanzas(header: Buffer): { args: string[]; body: string }[] {
  const lines = header.toString('latin1').split('\n');
  const found: { args: string[]; body: string }[] = [];
  lines.forEach((line, i) => {
    if (line.startsWith('-> ')) found.push({ args: line.slice(3).split(' '), body: lines[i + 1] ?? '' });
  });
  return found;
}

test('a file wrapped natively to two X25519 recipients opens with each identity in the age CLI and in typage', async () => {
  const identities = [await generateX25519Identity(), await generateX25519Identity()];
  const recipients = await Promise.all(identities.map((i) => identityToRecipient(i)));
  const plain = Buffer.from('the chat, wrapped natively\n');
  const file = join(dir, 'two.age');
  await writeFile(file, await encryptBuffer(plain, recipients));
  for (const [n, identity] of identities.entries()) {
    const keyFile = join(dir, `key-${n}.txt`);
    await writeFile(keyFile, `${identity}\n`);
    const { stdout } = await run('age', ['-d', '-i', keyFile, file], { encoding: 'buffer' });
    assert.deepEqual(stdout, plain);
    const decrypter = new Decrypter();
    decrypter.addIdentity(identity);
    const opened = await decrypter.decrypt(await encryptBuffer(plain, [recipients[n] as string]));
    assert.deepEqual(Buffer.from(opened), plain);
  }
});

test('each stanza is X25519 with its own 32-byte share and a 32-byte wrapped key, fresh for every header', async () => {
  const recipient = await identityToRecipient(await generateX25519Identity());
  assert.ok(nativeX25519Recipient(recipient), 'an age1 recipient is wrapped natively');
  const first = stanzas((await createHeader([recipient, recipient])).header);
  const second = stanzas((await createHeader([recipient])).header);
  const all = [...first, ...second];
  assert.equal(all.length, 3);
  for (const s of all) {
    assert.equal(s.args[0], 'X25519');
    assert.equal(s.args.length, 2);
    assert.equal(Buffer.from(s.args[1] as string, 'base64').length, 32);
    assert.doesNotMatch(s.args[1] as string, /=/, 'base64 without padding, as the spec requires');
    assert.equal(Buffer.from(s.body, 'base64').length, 32);
  }
  assert.equal(new Set(all.map((s) => s.args[1])).size, 3, 'every stanza has a new ephemeral share');
});

test('only lowercase X25519 recipient strings are wrapped natively; others go to typage, which checks them', async () => {
  const recipient = await identityToRecipient(await generateX25519Identity());
  assert.equal(nativeX25519Recipient(recipient.toUpperCase()), null);
  assert.equal(
    nativeX25519Recipient(`${recipient.slice(0, -1)}${recipient.endsWith('q') ? 'p' : 'q'}`),
    null,
  );
  assert.equal(nativeX25519Recipient('age1pq1notakey'), null);
  await assert.rejects(createHeader([`${recipient.slice(0, -1)}${recipient.endsWith('q') ? 'p' : 'q'}`]));
});

test('a low-order public key (all zeros) is refused with a clear error, not wrapped to', () => {
  const zero = new NativeX25519Recipient(new Uint8Array(32));
  assert.throws(() => zero.wrapFileKey(new Uint8Array(16)), /not a usable X25519 key/);
});
