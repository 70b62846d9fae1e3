// Folder choices that leak chats or keys, or make the vault back itself up, through the CLI: `init` and
// `recover` refuse them with exit 1 and a message naming both folders, and write nothing (no profile, no
// keychain entry, no vault, no kit); a profile made before the check stops backing up and says why; an
// entry of the export folder that leads to the vault is never an export.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeSandbox, type RunResult, type Sandbox } from '../helpers/cli.js';

/**
 * No keychain at all for the refused runs: a refusal that reached the keychain would fail with the
 * keychain's message instead, so the refusal provably comes before any key is made or stored.
 */
const NO_KEYCHAIN = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' };

/** Asserts a refusal that wrote nothing anywhere. */
async function assertRefusedCleanly(
  sb: Sandbox,
  r: RunResult,
  command: string,
  pattern: RegExp,
  named: string[],
  kit?: string,
) {
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, new RegExp(`^puddleproof ${command}: `));
  assert.match(r.stderr, pattern);
  for (const path of named) assert.ok(r.stderr.includes(path), `the message names ${path}: ${r.stderr}`);
  assert.equal(existsSync(join(sb.home, 'settings.json')), false, 'no profile');
  assert.doesNotMatch(r.stderr, /keychain/, 'refused before the keychain was reached');
  if (kit) assert.equal(existsSync(kit), false, 'no kit');
}

describe('init refuses, and writes nothing', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await makeSandbox();
  });
  after(() => sb.cleanup());

  const init = (watch: string, cloud: string, kit: string) =>
    sb.run(['init', '--watch', watch, '--cloud', cloud, '--recovery-kit', kit], { env: NO_KEYCHAIN });
  const noVaultIn = async (cloud: string) =>
    assert.equal(existsSync(join(cloud, 'Puddleproof')), false, `no vault in ${cloud}`);

  test('the same folder as export folder and cloud folder', async () => {
    const r = await init(sb.cloud, sb.cloud, sb.kit);
    await assertRefusedCleanly(sb, r, 'init', /same folder/, [sb.cloud], sb.kit);
    await noVaultIn(sb.cloud);
  });

  test('the cloud folder inside the export folder', async () => {
    const cloud = join(sb.watch, 'Dropbox');
    await mkdir(cloud);
    const r = await init(sb.watch, cloud, sb.kit);
    await assertRefusedCleanly(sb, r, 'init', /inside the export folder/, [sb.watch, cloud], sb.kit);
    await noVaultIn(cloud);
  });

  test('the export folder inside the cloud folder (it is not created)', async () => {
    const watch = join(sb.cloud, 'Chat exports');
    const r = await init(watch, sb.cloud, sb.kit);
    await assertRefusedCleanly(sb, r, 'init', /uploaded unencrypted/, [watch, sb.cloud], sb.kit);
    assert.equal(existsSync(watch), false, 'the export folder was not created');
    await noVaultIn(sb.cloud);
  });

  test('the recovery kit inside the cloud folder, or inside the export folder', async () => {
    for (const [kit, pattern] of [
      [join(sb.cloud, 'kit.txt'), /inside the cloud folder/],
      [join(sb.watch, 'kit.txt'), /inside the export folder/],
    ] as const) {
      const r = await init(sb.watch, sb.cloud, kit);
      await assertRefusedCleanly(sb, r, 'init', pattern, [kit], kit);
      await noVaultIn(sb.cloud);
    }
  });

  test('an export folder that is a symbolic link into the cloud folder', async () => {
    const target = join(sb.cloud, 'exports');
    await mkdir(target);
    const link = join(sb.root, 'exports-link');
    await symlink(target, link);
    const r = await init(link, sb.cloud, sb.kit);
    await assertRefusedCleanly(sb, r, 'init', /inside the cloud folder/, [link, sb.cloud], sb.kit);
    await noVaultIn(sb.cloud);
  });

  test('allowed with a warning: the kit saved into a synced folder, the export folder inside one', async () => {
    const fakeHome = join(sb.root, 'user-home');
    const dropbox = join(fakeHome, 'Dropbox');
    await mkdir(join(dropbox, 'exports'), { recursive: true });
    const kit = join(dropbox, 'kit.txt');
    const r = await sb.run(
      ['init', '--watch', join(dropbox, 'exports'), '--cloud', sb.cloud, '--recovery-kit', kit],
      { env: { HOME: fakeHome } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warning: The recovery kit is saved in .*Dropbox.*no longer offline/m);
    assert.match(r.stderr, /^warning: The export folder .* is inside .*Dropbox.*uploaded there unencrypted/m);
    assert.ok(existsSync(kit));
  });
});

describe('recover refuses, and writes nothing', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await makeSandbox();
    const r = await sb.run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => sb.cleanup());

  test('an export folder inside the cloud folder, on a new device', async () => {
    const home = join(sb.root, 'second-device');
    const watch = join(sb.cloud, 'exports');
    const r = await sb.run(['recover', '--watch', watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit], {
      home,
      env: NO_KEYCHAIN,
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^puddleproof recover: The export folder .* is inside the cloud folder/);
    assert.equal(existsSync(home), false, 'no profile');
    assert.equal(existsSync(watch), false);
    assert.doesNotMatch(r.stderr, /keychain/, 'refused before the keychain was reached');
  });
});

describe('a profile made before the check, whose folders overlap', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await makeSandbox();
    const r = await sb.run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit]);
    assert.equal(r.code, 0, r.stderr);
    await writeFile(join(sb.watch, 'WhatsApp Chat - Alice.zip'), 'a chat');
    assert.equal((await sb.run(['backup'])).code, 0);
    // As an older version allowed: an export folder inside the cloud folder.
    const settingsPath = join(sb.home, 'settings.json');
    const settings = JSON.parse(await readFile(settingsPath, 'utf8'));
    await writeFile(settingsPath, JSON.stringify({ ...settings, watchDir: join(sb.cloud, 'exports') }));
    await mkdir(join(sb.cloud, 'exports'));
    await writeFile(join(sb.cloud, 'exports', 'WhatsApp Chat - Carol.zip'), 'another chat');
  });
  after(() => sb.cleanup());

  test('status says why it needs attention; backup refuses and adds nothing; nothing is lost', async () => {
    const status = await sb.run(['status', '--json']);
    assert.equal(status.code, 0, status.stderr);
    const state = JSON.parse(status.stdout).state;
    assert.equal(state.kind, 'foldersRefused');
    assert.match(state.message, /inside the cloud folder/);
    const before = await readdir(join(sb.cloud, 'Puddleproof', 'data'));
    const backup = await sb.run(['backup']);
    assert.equal(backup.code, 1);
    assert.match(backup.stderr, /inside the cloud folder.*Nothing was backed up/s);
    assert.deepEqual(await readdir(join(sb.cloud, 'Puddleproof', 'data')), before);
    // What was backed up before is all there.
    const list = await sb.run(['list', '--json']);
    assert.deepEqual(
      (JSON.parse(list.stdout) as { exportName: string }[]).map((b) => b.exportName),
      ['WhatsApp Chat - Alice.zip'],
    );
  });
});

describe('the vault is never an export', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await makeSandbox();
    const r = await sb.run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit]);
    assert.equal(r.code, 0, r.stderr);
    await writeFile(join(sb.watch, 'WhatsApp Chat - Bob.zip'), 'a chat');
    await symlink(sb.cloud, join(sb.watch, 'my cloud'));
    await symlink(join(sb.cloud, 'Puddleproof'), join(sb.watch, 'vault'));
  });
  after(() => sb.cleanup());

  test('links to the cloud folder or the vault in the export folder are skipped, and refused by name', async () => {
    const status = JSON.parse((await sb.run(['status', '--json'])).stdout);
    assert.deepEqual(status.pending, ['WhatsApp Chat - Bob.zip']);
    const backup = await sb.run(['backup']);
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, /stored WhatsApp Chat - Bob\.zip/);
    assert.doesNotMatch(backup.stdout, /my cloud|vault/);
    const named = await sb.run(['backup', join(sb.watch, 'my cloud')]);
    assert.equal(named.code, 1);
    assert.match(named.stderr, /is the vault's own folder, inside it, or holds it/);
    const list = JSON.parse((await sb.run(['list', '--json'])).stdout) as { exportName: string }[];
    assert.deepEqual(
      list.map((b) => b.exportName),
      ['WhatsApp Chat - Bob.zip'],
    );
  });
});
