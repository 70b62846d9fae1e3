// Pairing a new device without the kit, on one cloud folder with real keys and keychain: the approved
// device restores backups without the kit and is on every device's trusted list; a forged, altered or
// replayed request or reply is refused; a request shows the same check string on both devices.
import assert from 'node:assert/strict';
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Encrypter } from 'age-encryption';
import { encryptBuffer } from '../../src/core/age/buffer.js';
import type { Device } from '../../src/core/device.js';
import { findPairing, PairingError, requestPairing } from '../../src/core/pairing.js';
import { syncTrustedList } from '../../src/core/trust.js';
import { backUpPhoto, restorePhotoOn, TestVaults } from '../helpers/vault-devices.js';

const TIMEOUT = { timeout: 120_000 };
const vaults = new TestVaults();
after(() => vaults.cleanUp());

async function world() {
  const { root, a } = await vaults.first('puddleproof-pair-', "Sam's desktop");
  const request = (name: string, home: string) =>
    requestPairing({
      home: join(root, home),
      watchDir: join(root, `watch-${home}`),
      cloudDir: join(root, 'cloud'),
      deviceName: name,
    });
  return { root, a, request, pairingDir: a.vault.paths.pairingDir };
}

const backUp = (device: Device, root: string, name: string) => backUpPhoto(device, root, name, 50_000);

describe('pairing a device without the kit', () => {
  test(
    'approved on a device of the vault, the new device joins: same check string, restores without the kit',
    TIMEOUT,
    async () => {
      const { root, a, request } = await world();
      const before = await backUp(a, root, 'Before pairing');
      const pending = await request("Anna's laptop", 'home-b');
      assert.match(pending.code, /^[a-z2-7]{5}(-[a-z2-7]{1,5}){5}$/);
      const candidate = await findPairing(a, pending.code.toUpperCase().replace(/-/g, ' '));
      assert.equal(candidate.name, "Anna's laptop");
      assert.equal(candidate.check, pending.check, 'both screens show the same check string');
      await candidate.approve();
      const b = await pending.wait({ pollMs: 10 });
      vaults.keep(b);
      assert.deepEqual(await readdir(a.vault.paths.pairingDir), [], 'the exchange leaves nothing behind');
      // Each is a recipient of the other's new backups.
      await syncTrustedList(a);
      const fromA = await backUp(a, root, 'From A');
      const fromB = await backUp(b, root, 'From B');
      await restorePhotoOn(b, fromA, root);
      await restorePhotoOn(a, fromB, root);
      await restorePhotoOn(b, before, root); // made before it joined: it was handed the vault data key
      assert.ok(a.secrets.recipients.some((r) => r.label === "Anna's laptop"));
    },
  );

  test(
    'a request not made with the code, or altered, is refused; nothing is handed over',
    TIMEOUT,
    async () => {
      const { a, request, pairingDir } = await world();
      const pending = await request('Intruder', 'home-x');
      const [name] = await readdir(pairingDir);
      assert.ok(name);
      const file = join(pairingDir, name);
      const genuine = await readFile(file);
      // Forged: a request under the right name, encrypted with another passphrase.
      const e = new Encrypter();
      e.setPassphrase('not-the-code');
      e.setScryptWorkFactor(10);
      await writeFile(file, await e.encrypt('{"kind":"pair-request"}'));
      await assert.rejects(
        findPairing(a, pending.code),
        (err) => err instanceof PairingError && /not genuine/.test(err.message),
      );
      // Altered: one byte of the genuine request flipped.
      const altered = Buffer.from(genuine);
      altered[altered.length - 5] = (altered[altered.length - 5] ?? 0) ^ 1;
      await writeFile(file, altered);
      await assert.rejects(findPairing(a, pending.code), PairingError);
      // A wrong code finds nothing.
      await assert.rejects(findPairing(a, 'aaaaa-aaaaa-aaaaa-aaaaa-aaaaa-a'), /No pairing request/);
      await assert.rejects(findPairing(a, 'not a code'), /not a pairing code/);
      assert.deepEqual(
        (await readdir(pairingDir)).filter((n) => n.includes('reply')),
        [],
      );
    },
  );

  test(
    'a reply not made with this code, or for another request, is refused by the new device',
    TIMEOUT,
    async () => {
      const { a, request, pairingDir } = await world();
      // A genuine reply to one request, copied as the reply to another (a replay).
      const first = await request('First', 'home-1');
      const second = await request('Second', 'home-2');
      await (await findPairing(a, first.code)).approve();
      const names = await readdir(pairingDir);
      const reply = names.find((n) => n.endsWith('-reply.age'));
      assert.ok(reply);
      const secondRequest = names.find(
        (n) => n.endsWith('-request.age') && !n.startsWith(reply.slice(0, 24)),
      );
      assert.ok(secondRequest);
      await copyFile(join(pairingDir, reply), join(pairingDir, secondRequest.replace('-request', '-reply')));
      await assert.rejects(
        second.wait({ pollMs: 10 }),
        (err) => err instanceof PairingError && /does not open|refused/.test(err.message),
      );
      // A reply encrypted to the new device's key by someone without the code: refused too.
      const third = await request('Third', 'home-3');
      const candidate = await findPairing(a, third.code);
      const rid = (await readdir(pairingDir)).find(
        (n) =>
          n.endsWith('-request.age') &&
          !n.startsWith(reply.slice(0, 24)) &&
          !n.startsWith(secondRequest.slice(0, 24)),
      );
      assert.ok(rid);
      const forged = {
        kind: 'pair-reply',
        rid: rid.slice(0, 24),
        recipient: candidate.recipient,
        indexIdentity: 'x',
        authKey: 'x',
        recoveryRecipient: 'x',
        by: 'x',
        at: 'x',
        proof: '00',
      };
      await writeFile(
        join(pairingDir, rid.replace('-request', '-reply')),
        await encryptBuffer(Buffer.from(JSON.stringify(forged)), [candidate.recipient]),
      );
      await assert.rejects(
        third.wait({ pollMs: 10 }),
        (err) => err instanceof PairingError && /not made with this code/.test(err.message),
      );
      // The genuine one still works.
      vaults.keep(await first.wait({ pollMs: 10 }));
    },
  );

  test('a pairing given up on the new device leaves nothing in the cloud folder', TIMEOUT, async () => {
    const { a, request, pairingDir } = await world();
    const pending = await request('Given up', 'home-g');
    assert.equal((await readdir(pairingDir)).length, 1);
    const stop = new AbortController();
    const waiting = pending.wait({ pollMs: 10, signal: stop.signal });
    stop.abort();
    await assert.rejects(waiting, { name: 'AbortError' });
    assert.deepEqual(await readdir(pairingDir), []);
    await assert.rejects(findPairing(a, pending.code), /No pairing request/);
  });
});
