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
  MetadataError,
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
  assert.throws(() => verifyMetadata({ ...signed, format: 2 }, key), /unsupported/);
});
