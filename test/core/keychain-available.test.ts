// The tests run against the real OS keychain (a private gnome-keyring in CI): prove it is there.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import keytar from '@github/keytar';

test('a secret stored through keytar is visible to another process and can be deleted', async () => {
  const service = `puddleproof-test-${randomUUID()}`;
  await keytar.setPassword(service, 'probe', 'secret-value');
  try {
    const seen = execFileSync(
      process.execPath,
      [
        '-e',
        `require('@github/keytar').getPassword(${JSON.stringify(service)}, 'probe').then((v) => process.stdout.write(String(v)))`,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(seen, 'secret-value');
  } finally {
    assert.equal(await keytar.deletePassword(service, 'probe'), true);
  }
  assert.equal(await keytar.getPassword(service, 'probe'), null);
});
