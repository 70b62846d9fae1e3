// "I lost my kit" in the engine service, in-process with the real keychain: kit:renew answers a new kit
// (shown once) and changes nothing until its last characters are typed back; then the new kit is in use:
// it opens the backups made before (the drill passes with it), and the lost kit is no longer the vault's.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EngineService } from '../../../src/core/app/engine-service.js';
import { osKeychain } from '../../../src/core/keys/keychain.js';
import { deleteVaultSecrets } from '../../../src/core/keys/vault-secrets.js';
import { keychainService, loadSettings } from '../../../src/core/profile.js';
import type { EngineStatus, RecoveryKitView } from '../../../src/shared/api.js';
import { storedZip } from '../../helpers/zip.js';

const SEQUENTIAL = { concurrency: 1, timeout: 120_000 };
const lastChars = (text: string) => text.trimEnd().split('\n').at(-1)?.slice(-6) ?? '';

describe('engine service: I lost my kit', SEQUENTIAL, () => {
  let root: string;
  let engine: EngineService;
  let kit: RecoveryKitView;
  const backedUp: string[] = [];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'puddleproof-renew-'));
    const cloud = join(root, 'user', 'Dropbox');
    await mkdir(cloud, { recursive: true });
    engine = new EngineService({
      home: join(root, 'home'),
      places: { home: join(root, 'user'), env: {}, platform: 'linux' },
      progressIntervalMs: 0,
      emit: (event, payload) => {
        if (event !== 'status:changed') return;
        const status = payload as EngineStatus;
        if (status.state.kind === 'idle') backedUp.push(...Object.keys(status.lastBackupBySource));
      },
    });
    await engine.start();
    kit = await engine.call('setup:createKeys', {
      watchDir: join(root, 'watch'),
      cloudDir: cloud,
      deviceName: 'Laptop',
    });
    assert.equal((await engine.call('setup:confirmKit', { typed: lastChars(kit.text) })).ok, true);
    await engine.call('settings:update', { quietSeconds: 1 });
    await writeFile(
      join(root, 'watch', 'WhatsApp Chat - Dana.zip'),
      storedZip([['_chat.txt', Buffer.from('[01.12.26, 10:00:00] Dana: hello\n')]]),
    );
    for (let i = 0; i < 600 && !backedUp.some((s) => s.includes('Dana')); i++)
      await new Promise((r) => setTimeout(r, 50));
    assert.ok(
      backedUp.some((s) => s.includes('Dana')),
      'the first backup was made',
    );
  });

  after(async () => {
    await engine?.stop();
    const settings = await loadSettings(join(root, 'home')).catch(() => null);
    if (settings) await deleteVaultSecrets(osKeychain(keychainService(settings)));
    await rm(root, { recursive: true, force: true });
  });

  test('a new kit is shown once; nothing changes until it is typed back; cancelled, it is forgotten', async () => {
    assert.equal((await engine.call('kit:renewConfirm', { typed: 'ABCDEF' })).ok, false);
    const renewed = await engine.call('kit:renew', undefined);
    assert.notEqual(renewed.text, kit.text);
    assert.match(renewed.text, /^# Puddleproof recovery kit/);
    assert.equal(renewed.challenge.length, 6);
    const wrong = await engine.call('kit:renewConfirm', { typed: 'zzzzzz' });
    assert.deepEqual(wrong, {
      ok: false,
      message: 'That does not match. Look at the last line of your kit and type its last 6 characters.',
    });
    // The vault is unchanged: the old kit is still this vault's kit.
    assert.equal((await engine.call('kit:check', { text: kit.text })).chat, 'Dana — WhatsApp');
    await assert.rejects(engine.call('kit:check', { text: renewed.text }), /not the current recovery kit/);
    await engine.call('kit:renewCancel', undefined);
    const cancelled = await engine.call('kit:renewConfirm', { typed: lastChars(renewed.text) });
    assert.equal(cancelled.ok, false);
    await assert.rejects(
      engine.call('engine:writeRenewedKit', { path: join(root, 'kit.txt') }),
      /no new recovery kit/,
    );
  });

  test('typed back, the new kit is in use: it opens the backups made before; the lost kit is not the vault’s', async () => {
    const renewed = await engine.call('kit:renew', undefined);
    // Saved where the user chose (not in the cloud folder: refused).
    const path = join(root, 'new-kit.txt');
    assert.deepEqual(await engine.call('engine:writeRenewedKit', { path }), { warnings: [] });
    assert.equal(await readFile(path, 'utf8'), renewed.text);
    await assert.rejects(
      engine.call('engine:writeRenewedKit', { path: join(root, 'user', 'Dropbox', 'kit.txt') }),
    );

    const done = await engine.call('kit:renewConfirm', { typed: lastChars(renewed.text) });
    assert.equal(done.ok, true);
    assert.match(done.message, /new recovery kit is in use/);
    // The drill with the new kit opens the newest backup, made before the renewal.
    assert.equal((await engine.call('kit:check', { text: renewed.text })).chat, 'Dana — WhatsApp');
    await assert.rejects(
      engine.call('kit:check', { text: kit.text }),
      /not the current recovery kit of this vault/,
    );
    // Shown once: the engine keeps no copy to give out again.
    assert.equal((await engine.call('kit:renewConfirm', { typed: lastChars(renewed.text) })).ok, false);
    await assert.rejects(engine.call('engine:writeRenewedKit', { path }), /no new recovery kit/);
  });
});
