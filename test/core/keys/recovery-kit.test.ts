import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateX25519Identity, identityToRecipient } from '../../../src/core/age/index.js';
import {
  formatRecoveryKit,
  parseRecoveryKit,
  RecoveryKitError,
} from '../../../src/core/keys/recovery-kit.js';

test('the kit parses back and is an identity file the age CLI accepts', async () => {
  const kit = {
    recoveryIdentity: await generateX25519Identity(),
    indexIdentity: await generateX25519Identity(),
    authKey: randomBytes(32),
  };
  const text = formatRecoveryKit(kit, new Date('2026-11-26T00:00:00Z'));
  assert.deepEqual(parseRecoveryKit(text), kit);
  assert.deepEqual(parseRecoveryKit(text.replaceAll('\n', '\r\n')), kit, 'survives Windows line endings');
  assert.match(text, /^# /);
  const dir = await mkdtemp(join(tmpdir(), 'kit-'));
  try {
    await writeFile(join(dir, 'kit.txt'), text);
    const recipient = await identityToRecipient(kit.recoveryIdentity);
    const sealed = execFileSync('age', ['-r', recipient], { input: 'hello' });
    await writeFile(join(dir, 'x.age'), sealed);
    assert.equal(
      execFileSync('age', ['-d', '-i', join(dir, 'kit.txt'), join(dir, 'x.age')]).toString(),
      'hello',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a damaged kit is refused with a plain reason', async () => {
  const text = formatRecoveryKit(
    {
      recoveryIdentity: await generateX25519Identity(),
      indexIdentity: await generateX25519Identity(),
      authKey: randomBytes(32),
    },
    new Date(),
  );
  assert.throws(() => parseRecoveryKit('just some text'), RecoveryKitError);
  assert.throws(
    () => parseRecoveryKit(text.replace(/auth-key: .*/, 'auth-key: short')),
    /authentication key/,
  );
  assert.throws(() => parseRecoveryKit(text.replace(/\nAGE-SECRET-KEY-1.*\n$/, '\n')), /key line/);
});
