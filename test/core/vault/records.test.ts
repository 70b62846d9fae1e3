// Collections and checkpoints: the test vectors of docs/FORMAT.md §12, and records refused when they are
// of another kind, altered, or made with another vault's key.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { generateIdentity, recipientOf } from '../../../src/core/keys/vault-secrets.js';
import { checkpointName } from '../../../src/core/vault/checkpoints.js';
import { openRecord, RecordError, recordProof, sealRecord } from '../../../src/core/vault/records.js';

const AUTH = Buffer.from([...Array(32).keys()]);
const DEVICE = '3f2b8c1e-0000-4000-8000-000000000001';
const BODY = {
  format: 1,
  id: '20261207T101112Z-abcdefghijkl',
  deviceId: DEVICE,
  device: 'laptop',
  createdAt: '2026-12-07T10:11:12.000Z',
  condemned: ['20261201T000000Z-aaaaaaaaaaaa'],
  forgotten: ['20261130T000000Z-bbbbbbbbbbbb'],
};
const asIs = (v: Record<string, unknown>) => {
  const { kind: _kind, proof: _proof, ...body } = v;
  return body;
};

test('the test vectors of FORMAT.md: a checkpoint file name and a collection proof', () => {
  assert.equal(checkpointName(AUTH, DEVICE), '8f2045e535db3b7fc6897e8c7dfa41c5');
  assert.equal(
    recordProof(AUTH, 'collection', BODY).toString('hex'),
    'c05f49a27a595f365479f2b2e765c60486d99af7e4c5d003ca6db81f9d72edc7',
  );
});

test('a record opens as its own kind only, and not with another vault’s key', async () => {
  const identity = await generateIdentity(false);
  const sealed = await sealRecord('collection', BODY, AUTH, [await recipientOf(identity)]);
  assert.deepEqual(await openRecord('collection', sealed, [identity], AUTH, asIs), BODY);
  await assert.rejects(openRecord('checkpoint', sealed, [identity], AUTH, asIs), RecordError);
  await assert.rejects(openRecord('collection', sealed, [identity], randomBytes(32), asIs), /not authentic/);
  // An altered member (here: a pack added to the condemned list) no longer proves.
  const altered = (v: Record<string, unknown>) => ({ ...asIs(v), condemned: [...BODY.condemned, 'x'] });
  await assert.rejects(openRecord('collection', sealed, [identity], AUTH, altered), /not authentic/);
});
