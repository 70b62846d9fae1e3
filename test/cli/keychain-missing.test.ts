// Without a reachable OS keychain (no Secret Service on the D-Bus session) every command that needs the
// vault's keys exits 1 and says what to install or unlock; `init` writes nothing at all: no kit, no vault
// folder, no profile, and never a plaintext key file as a fallback.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeSandbox, type RunResult, type Sandbox } from '../helpers/cli.js';

/** A session bus address nothing listens on: keytar (libsecret) cannot reach any Secret Service. */
const NO_KEYCHAIN = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' };

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Exit 1 with the plain "keychain not available" message and how to fix it, no stack trace. */
function assertKeychainMissing(r: RunResult, command: string): void {
  assert.equal(r.code, 1, `${command}: expected exit 1, got ${r.code}:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, new RegExp(`^puddleproof ${command}: The OS keychain is not available`, 'm'));
  assert.match(r.stderr, /Secret Service/);
  assert.match(r.stderr, /install/);
  assert.match(r.stderr, /unlock/);
  assert.match(r.stderr, /gnome-keyring/);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `a stack trace in stderr:\n${r.stderr}`);
  assert.doesNotMatch(
    r.stderr,
    /node:internal|\.[cm]?[jt]s:\d+:\d+/,
    `a stack trace in stderr:\n${r.stderr}`,
  );
}

/** Every file under `root` (recursively), with its path. */
async function filesUnder(root: string): Promise<string[]> {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const name of await readdir(root)) {
    const path = join(root, name);
    if ((await stat(path)).isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

async function assertNoSecretKeyFile(...roots: string[]): Promise<void> {
  for (const root of roots) {
    for (const path of await filesUnder(root)) {
      const text = await readFile(path, 'latin1');
      assert.equal(text.includes('AGE-SECRET-KEY'), false, `${path} holds a secret key`);
    }
  }
}

describe('init without a keychain', () => {
  let sb: Sandbox;

  before(async () => {
    sb = await makeSandbox();
  });
  after(async () => {
    await sb?.cleanup();
  });

  test('exits 1 saying what to install or unlock, and writes no kit, vault or profile', async () => {
    const r = await sb.run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit], {
      env: NO_KEYCHAIN,
    });
    assertKeychainMissing(r, 'init');
    assert.doesNotMatch(r.stdout, /Created a vault|Recovery kit written/);
    assert.equal(existsSync(sb.kit), false, 'no recovery kit file');
    assert.deepEqual(await readdir(sb.cloud), [], 'no vault folder in the cloud folder');
    assert.deepEqual(await filesUnder(sb.home), [], 'no profile files (no settings, no key file)');
    await assertNoSecretKeyFile(sb.root);
  });

  test('works once the keychain is back (the failure left nothing in the way)', async () => {
    ok(
      await sb.run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit]),
      'init with the keychain',
    );
    assert.equal(existsSync(join(sb.cloud, 'Puddleproof', 'vault.json')), true);
    // With a keychain, the secret keys live in it and in the kit only: not in the profile or cloud folder.
    assert.match(await readFile(sb.kit, 'utf8'), /AGE-SECRET-KEY-/);
    await assertNoSecretKeyFile(sb.home, sb.cloud, sb.watch);
  });
});

describe('an initialized profile without a keychain', () => {
  let sb: Sandbox;
  let id: string;
  let dataBefore: string[];

  before(async () => {
    sb = await makeSandbox();
    ok(await sb.run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit]), 'init');
    await writeFile(join(sb.watch, 'chat.txt'), 'hello\n');
    ok(await sb.run(['backup']), 'backup');
    const listed = JSON.parse(ok(await sb.run(['list', '--json']), 'list').stdout) as { id: string }[];
    assert.equal(listed.length, 1);
    id = (listed[0] as { id: string }).id;
    dataBefore = (await readdir(join(sb.cloud, 'Puddleproof', 'data'))).sort();
    // A new export, so that a backup would have something to write if it got that far.
    await mkdir(join(sb.watch, 'second export'));
    await writeFile(join(sb.watch, 'second export', 'more.txt'), 'more\n');
  });
  after(async () => {
    await sb?.cleanup();
  });

  const commands: [string, () => string[]][] = [
    ['list', () => ['list']],
    ['status', () => ['status']],
    ['backup', () => ['backup']],
    ['restore', () => ['restore', id, '--to', join(sb.root, 'restored')]],
    ['verify', () => ['verify']],
    ['gc', () => ['gc']],
    ['recipients', () => ['recipients', 'list']],
  ];

  test('every command that needs the keys exits 1 with the keychain message and changes nothing', async () => {
    const results = await Promise.all(
      commands.map(async ([name, args]) => [name, await sb.run(args(), { env: NO_KEYCHAIN })] as const),
    );
    for (const [name, r] of results) {
      assertKeychainMissing(r, name);
      assert.equal(r.stdout, '', `${name} printed nothing on stdout`);
    }
    assert.deepEqual((await readdir(join(sb.cloud, 'Puddleproof', 'data'))).sort(), dataBefore);
    assert.equal(existsSync(join(sb.root, 'restored')), false, 'restore wrote nothing');
    assert.deepEqual(
      (await readdir(sb.root)).filter((n) => n.includes('puddleproof-restore')),
      [],
      'no staging folder',
    );
    await assertNoSecretKeyFile(sb.home, sb.cloud, sb.watch);
    // The same profile still works with the keychain: nothing was damaged or replaced.
    const listed = JSON.parse(ok(await sb.run(['list', '--json']), 'list').stdout) as { id: string }[];
    assert.deepEqual(
      listed.map((b) => b.id),
      [id],
    );
  });
});
