import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import {
  generateX25519Identity,
  identityToRecipient,
  NoIdentityMatchedError,
} from '../../../src/core/age/index.js';
import {
  type BackupMetadata,
  decryptMetadata,
  encryptMetadata,
  JSON_PAD_MIN,
  MetadataError,
  paddedJson,
  signMetadata,
  verifyMetadata,
} from '../../../src/core/vault/metadata.js';

const meta: BackupMetadata = {
  format: 1,
  id: '20261126T170503Z-abcdefghijkl',
  source: 'WhatsApp Chat - Alice',
  exportName: 'WhatsApp Chat - Alice.zip',
  createdAt: '2026-11-26T17:05:03.000Z',
  device: 'laptop',
  deviceId: 'd1',
  files: 1,
  dirs: 0,
  bytes: 10,
  tarBytes: 3072,
  tarSha256: 'a'.repeat(64),
  fingerprint: 'b'.repeat(64),
  quickFingerprint: 'c'.repeat(64),
};

test('metadata round-trips through age and verifies under its key', async () => {
  const key = randomBytes(32);
  const identity = await generateX25519Identity();
  const bytes = await encryptMetadata(signMetadata(meta, key), [await identityToRecipient(identity)]);
  assert.deepEqual(verifyMetadata(await decryptMetadata(bytes, [identity]), key), meta);
  await assert.rejects(decryptMetadata(bytes, [await generateX25519Identity()]), NoIdentityMatchedError);
});

test('a changed field, a wrong key or a missing proof is refused unless explicitly allowed', () => {
  const key = randomBytes(32);
  const signed = signMetadata(meta, key);
  assert.throws(() => verifyMetadata({ ...signed, bytes: 11 }, key), MetadataError);
  assert.throws(() => verifyMetadata(signed, randomBytes(32)), /not authentic/);
  assert.throws(() => verifyMetadata({ ...meta }, key), /not authentic/);
  assert.deepEqual(verifyMetadata({ ...meta }, key, true), meta);
  assert.throws(() => verifyMetadata({ ...signed, files: -1 }, key), /bad "files"/);
  assert.throws(() => verifyMetadata({ ...signed, format: 3 }, key), /unsupported/);
});

test('format-2 metadata carries its snapshot hash and upload size, under the same proof rules', () => {
  const key = randomBytes(32);
  const { tarBytes: _bytes, tarSha256: _sha, ...common } = meta as Extract<BackupMetadata, { format: 1 }>;
  const v2: BackupMetadata = { ...common, format: 2, snapshotSha256: 'd'.repeat(64), uploadedBytes: 1234 };
  const signed = signMetadata(v2, key);
  assert.deepEqual(verifyMetadata(signed, key), v2);
  assert.throws(() => verifyMetadata({ ...signed, snapshotSha256: 'e'.repeat(64) }, key), /not authentic/);
  assert.throws(() => verifyMetadata({ ...signed, uploadedBytes: 1 }, key), /not authentic/);
  assert.throws(() => verifyMetadata({ ...signed, uploadedBytes: -1 }, key), /bad "uploadedBytes"/);
  // A format-1 record relabelled as format 2 (or back) lacks the other format's fields.
  assert.throws(() => verifyMetadata({ ...signMetadata(meta, key), format: 2 }, key), /bad "snapshotSha256"/);
  assert.throws(() => verifyMetadata({ ...signed, format: 1 }, key), /bad "tarBytes"/);
});

test('encrypted metadata is padded: its size does not tell one chat’s title, people or preview from another’s', async () => {
  const recipient = await identityToRecipient(await generateX25519Identity());
  const key = randomBytes(32);
  const withChat = (title: string, people: number, text: string): BackupMetadata => ({
    ...meta,
    source: title,
    chat: {
      key: 'k'.repeat(32),
      summary: {
        platform: 'whatsapp',
        title,
        participants: Array.from({ length: people }, (_, i) => `Person ${i}`),
        messages: people * 10,
        first: '2026-01-01T00:00:00.000Z',
        last: '2026-11-26T17:00:00.000Z',
        media: 0,
        mediaBytes: 0,
        preview: [{ sender: 'Person 0', time: '2026-11-26T17:00:00.000Z', text }],
        sample: [],
        warnings: [],
      },
    },
  });
  const sizeOf = async (m: BackupMetadata) =>
    (await encryptMetadata(signMetadata(m, key), [recipient])).length;
  const small = await sizeOf(withChat('Al', 2, 'ok'));
  const other = await sizeOf(
    withChat('The long-running family group with a very long title indeed', 30, 'x'.repeat(500)),
  );
  assert.equal(small, other, 'one bucket for both');
  assert.equal(paddedJson({ a: 1 }).length, JSON_PAD_MIN);
  // Past the smallest bucket, sizes go by powers of two.
  const big = paddedJson({ text: 'y'.repeat(JSON_PAD_MIN * 3) });
  assert.equal(big.length, JSON_PAD_MIN * 4);
  assert.deepEqual(JSON.parse(big.toString('utf8')), { text: 'y'.repeat(JSON_PAD_MIN * 3) });
  // The padding is inside the encryption and does not change what is read back.
  const m = withChat('Al', 2, 'ok');
  const identity = await generateX25519Identity();
  const bytes = await encryptMetadata(signMetadata(m, key), [await identityToRecipient(identity)]);
  assert.deepEqual(verifyMetadata(await decryptMetadata(bytes, [identity]), key), m);
});
