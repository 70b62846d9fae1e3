// The mud puddle test, end to end through the CLI: back up, lose the device, recover with the kit alone.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeSandbox, type Sandbox } from '../helpers/cli.js';
import { assertSameTree, makeTrickyExport, setTreeMtimes } from '../helpers/export-tree.js';

interface Listed {
  id: string;
  source: string;
  exportName: string;
  title: string;
  platform: string | null;
  chat: string | null;
  createdAt: string;
  bytes: number;
  files: number;
  device: string;
}

async function listJson(sb: Sandbox, home?: string): Promise<Listed[]> {
  const r = await sb.run(['list', '--json'], home ? { home } : {});
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Listed[];
}

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath ?? entry.path, entry.name));
  }
  return out;
}

for (const format of [2, 1] as const)
  describe(`backup and restore through the CLI (format ${format})`, () => {
    let sb: Sandbox;
    let chat: string;
    let zip: string;
    let backups: Listed[];
    /** Where each backup's own objects are: its data object (format 1) or its snapshot and the packs (2). */
    const contentDirs = () =>
      (format === 1 ? ['data'] : ['snapshots', 'packs']).map((d) => join(sb.cloud, 'Puddleproof', d));
    const contentObjects = async () =>
      (await Promise.all(contentDirs().map((d) => readdir(d)))).flat().sort();

    before(async () => {
      process.env.PUDDLEPROOF_WRITE_FORMAT = String(format);
      sb = await makeSandbox();
      chat = await makeTrickyExport(sb.watch);
      zip = join(sb.watch, 'WhatsApp Chat - Alice.zip');
      await writeFile(zip, randomBytes(200_000));
      await setTreeMtimes(zip);
      const init = await sb.run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit]);
      assert.equal(init.code, 0, init.stderr);
      const backup = await sb.run(['backup']);
      assert.equal(backup.code, 0, backup.stderr);
      backups = await listJson(sb);
    });
    after(async () => {
      delete process.env.PUDDLEPROOF_WRITE_FORMAT;
      await sb.cleanup();
    });

    test('every export becomes one backup, listed with its name, title and sizes', () => {
      assert.equal(backups.length, 2);
      const names = backups.map((b) => b.exportName).sort();
      assert.deepEqual(names, ['ChatExport_2026-11-26', 'WhatsApp Chat - Alice.zip']);
      // Neither holds a chat the app recognises (a folder of odd files, a zip of random bytes): each is
      // "Other files", titled by its full name, and one chat of its own.
      for (const b of backups) {
        assert.equal(b.platform, 'other', b.exportName);
        assert.equal(b.title, b.exportName);
        assert.equal(b.source, b.exportName);
        assert.equal(typeof b.chat, 'string');
      }
      assert.notEqual(backups[0]?.chat, backups[1]?.chat);
      const alice = backups.find((b) => b.exportName === 'WhatsApp Chat - Alice.zip');
      assert.equal(alice?.files, 1);
      assert.equal(alice?.bytes, 200_000);
    });

    test('the cloud folder reveals nothing about the chats', async () => {
      // The restore guide and script are plain text, the same in every vault.
      const guide = ['Puddleproof/RESTORE.txt', 'Puddleproof/restore-with-age.sh'];
      const all = await allFiles(sb.cloud);
      assert.deepEqual(
        all.filter((f) => guide.includes(relative(sb.cloud, f))).length,
        2,
        'the restore guide',
      );
      const files = all.filter((f) => !guide.includes(relative(sb.cloud, f)));
      const under = (dir: string) =>
        files.filter((f) => relative(sb.cloud, f).startsWith(`Puddleproof/${dir}/`));
      if (format === 1)
        assert.equal(
          files.length,
          8,
          'marker + two data + two metadata objects; the trusted list (this device, the data key) and its grant',
        );
      else {
        assert.equal(under('meta').length, 2, 'two metadata objects');
        assert.equal(under('snapshots').length, 2, 'two snapshots');
        assert.ok(under('packs').length >= 1, 'packs');
        assert.equal(under('index').length, under('packs').length, 'an index per pack');
        assert.equal(under('data').length, 0, 'no format-1 data object');
      }
      for (const file of files) {
        const name = relative(sb.cloud, file);
        assert.doesNotMatch(name, /alice|whatsapp|chat|export|html|photos/i, name);
        const bytes = await readFile(file);
        if (name.endsWith('vault.json')) {
          assert.deepEqual(JSON.parse(bytes.toString()), { format: 1 });
          continue;
        }
        assert.ok(bytes.subarray(0, 22).equals(Buffer.from('age-encryption.org/v1\n')), `${name} is age`);
        for (const secret of ['old mill', 'Alice', 'ChatExport', 'messages.html']) {
          assert.equal(bytes.indexOf(secret), -1, `${name} contains ${secret}`);
        }
      }
    });

    test('restore by id gives back the export byte for byte, with modes and mtimes', async () => {
      for (const b of backups) {
        const to = join(sb.root, `restored-${b.id}`);
        const r = await sb.run(['restore', b.id, '--to', to]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /Verified/);
        if (b.exportName === 'ChatExport_2026-11-26')
          await assertSameTree(join(to, 'ChatExport_2026-11-26'), chat);
        else assert.ok((await readFile(join(to, 'WhatsApp Chat - Alice.zip'))).equals(await readFile(zip)));
      }
    });

    if (format === 1)
      test('`age -d -i kit.txt OBJECT | tar -x` restores with standard tools alone', async () => {
        const chatBackup = backups.find((b) => b.exportName === 'ChatExport_2026-11-26');
        assert.ok(chatBackup);
        const to = join(sb.root, 'age-cli');
        await mkdir(to);
        const object = join(sb.cloud, 'Puddleproof', 'data', `${chatBackup.id}.age`);
        const tarBytes = execFileSync('age', ['-d', '-i', sb.kit, object], { maxBuffer: 64 * 1024 * 1024 });
        const untar = spawnSync('tar', ['-x', '-C', to], { input: tarBytes });
        assert.equal(untar.status, 0, untar.stderr.toString());
        await assertSameTree(join(to, 'ChatExport_2026-11-26'), chat);
      });

    test('--only restores just the chosen paths', async () => {
      const chatBackup = backups.find((b) => b.exportName === 'ChatExport_2026-11-26');
      const to = join(sb.root, 'partial');
      const args = ['restore', chatBackup?.id ?? '', '--to', to, '--only', 'ChatExport_2026-11-26/photos'];
      const r = await sb.run(args);
      assert.equal(r.code, 0, r.stderr);
      const restored = (await allFiles(to)).map((f) => relative(to, f)).sort();
      assert.deepEqual(restored, [
        'ChatExport_2026-11-26/photos/exactly-64KiB.jpg',
        'ChatExport_2026-11-26/photos/large.mp4',
      ]);
    });

    test('an identical re-export is not stored twice', async () => {
      const before = await contentObjects();
      // A copy with fresh mtimes: the quick check misses it, the content fingerprint catches it.
      await cp(chat, join(sb.root, 'ChatExport_2026-11-27'), { recursive: true });
      const r = await sb.run(['backup', join(sb.root, 'ChatExport_2026-11-27')]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /unchanged/);
      assert.deepEqual(await contentObjects(), before);
      const again = await sb.run(['backup']);
      assert.match(again.stdout, /unchanged ChatExport_2026-11-26/);
      assert.equal((await listJson(sb)).length, 2);
    });

    test('a brand-new machine recovers everything with the kit alone', async () => {
      const home2 = join(sb.root, 'new-machine');
      const rec = await sb.run(
        [
          'recover',
          '--cloud',
          sb.cloud,
          '--watch',
          sb.watch,
          '--recovery-kit',
          sb.kit,
          '--device',
          'new laptop',
        ],
        { home: home2 },
      );
      assert.equal(rec.code, 0, rec.stderr);
      assert.deepEqual(
        (await listJson(sb, home2)).map((b) => b.id),
        backups.map((b) => b.id),
      );
      const chatBackup = backups.find((b) => b.exportName === 'ChatExport_2026-11-26');
      assert.ok(chatBackup);
      // Joining with the kit also handed over the vault data key: the new machine opens every backup
      // made since that key existed without the kit.
      const without = await sb.run(['restore', chatBackup.id, '--to', join(sb.root, 'nm-1')], {
        home: home2,
      });
      assert.equal(without.code, 0, without.stderr);
      await assertSameTree(join(sb.root, 'nm-1', 'ChatExport_2026-11-26'), chat);
      const to = join(sb.root, 'nm-2');
      const withKit = await sb.run(['restore', chatBackup.id, '--to', to, '--recovery-kit', sb.kit], {
        home: home2,
      });
      assert.equal(withKit.code, 0, withKit.stderr);
      await assertSameTree(join(to, 'ChatExport_2026-11-26'), chat);
      const verify = await sb.run(['verify', '--recovery-kit', sb.kit], { home: home2 });
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      assert.match(verify.stdout, /2 of 2 backups verified/);
    });

    if (format === 1)
      test('restore --file works with the kit alone, without any profile', async () => {
        const object = join(sb.cloud, 'Puddleproof', 'data', `${backups[0]?.id}.age`);
        const usb = join(sb.root, 'usb-stick-copy.age');
        await cp(object, usb);
        const to = join(sb.root, 'from-usb');
        const r = await sb.run(['restore', '--file', usb, '--to', to, '--recovery-kit', sb.kit], {
          home: join(sb.root, 'no-profile-here'),
        });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /Verified/);
      });

    // Last: it changes the vault's recovery key.
    if (format === 1)
      test('after the kit was renewed, the new kit opens an older object: restore --file, and age by hand', async () => {
        const renewed = join(sb.root, 'renewed-kit.txt');
        const r = await sb.run(['kit', 'new', '--recovery-kit', renewed]);
        assert.equal(r.code, 0, r.stderr);
        const vault = join(sb.cloud, 'Puddleproof');
        const object = join(vault, 'data', `${backups[0]?.id}.age`);
        const to = join(sb.root, 'renewed-restore');
        const restored = await sb.run(['restore', '--file', object, '--to', to, '--recovery-kit', renewed], {
          home: join(sb.root, 'no-profile-here'),
        });
        assert.equal(restored.code, 0, restored.stderr);
        // The commands the restore script's header and RESTORE.txt give for format 1, after a renewal.
        const byHand = join(sb.root, 'by-hand');
        await mkdir(byHand);
        const script = [
          `for f in '${vault}'/keys/*.age; do age -d -i '${renewed}' "$f" && echo; done 2>/dev/null |`,
          `  sed -n 's/.*"identity":"\\([A-Z0-9-]*\\)".*/\\1/p' >granted.txt`,
          `age -d -i '${renewed}' -i granted.txt '${object}' | tar -x`,
        ].join('\n');
        execFileSync('sh', ['-c', script], { cwd: byHand });
        await assertSameTree(
          join(byHand, backups[0]?.exportName ?? ''),
          join(to, backups[0]?.exportName ?? ''),
        );
      });
  });

describe('two devices backing up into one cloud folder at the same time', () => {
  let sb: Sandbox;
  after(() => sb.cleanup());

  test('both commit, nothing collides, and every backup verifies', async () => {
    sb = await makeSandbox();
    const init = await sb.run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit]);
    assert.equal(init.code, 0, init.stderr);
    const home2 = join(sb.root, 'second');
    const watch2 = join(sb.root, 'watch2');
    await mkdir(watch2);
    const recover = [
      'recover',
      '--cloud',
      sb.cloud,
      '--watch',
      watch2,
      '--recovery-kit',
      sb.kit,
      '--device',
      'second',
    ];
    const rec = await sb.run(recover, { home: home2 });
    assert.equal(rec.code, 0, rec.stderr);
    for (let i = 0; i < 4; i++) {
      await writeFile(join(sb.watch, `WhatsApp Chat - A${i}.zip`), randomBytes(300_000));
      await writeFile(join(watch2, `WhatsApp Chat - B${i}.zip`), randomBytes(300_000));
    }
    const [a, b] = await Promise.all([sb.run(['backup']), sb.run(['backup'], { home: home2 })]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const listed = await listJson(sb);
    assert.equal(listed.length, 8);
    assert.equal(new Set(listed.map((l) => l.id)).size, 8);
    assert.equal(new Set(listed.map((l) => l.device)).size, 2);
    const verify = await sb.run(['verify', '--recovery-kit', sb.kit]);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    // One trusted list: each device put itself on it, and each backup run applies it, so both devices
    // encrypted to each other and the first opens the second's backups without the kit.
    const own = await sb.run(['verify']);
    assert.equal(own.code, 0, own.stdout + own.stderr);
    assert.match(own.stdout, /8 of 8 backups verified/);
  });
});

describe('hybrid post-quantum keys', () => {
  let sb: Sandbox;
  after(() => sb.cleanup());

  test('init --pq makes PQ keys; backups restore with the device key and with the kit', async () => {
    sb = await makeSandbox();
    const init = await sb.run([
      'init',
      '--watch',
      sb.watch,
      '--cloud',
      sb.cloud,
      '--recovery-kit',
      sb.kit,
      '--pq',
    ]);
    assert.equal(init.code, 0, init.stderr);
    assert.match(await readFile(sb.kit, 'utf8'), /^AGE-SECRET-KEY-PQ-1/m);
    const recipients = await sb.run(['recipients', 'list']);
    assert.match(recipients.stdout, /^age1pq1/m);
    await writeFile(join(sb.watch, 'WhatsApp Chat - PQ.zip'), randomBytes(100_000));
    assert.equal((await sb.run(['backup'])).code, 0);
    const [b] = await listJson(sb);
    assert.ok(b);
    const r = await sb.run(['restore', b.id, '--to', join(sb.root, 'pq-restored')]);
    assert.equal(r.code, 0, r.stderr);
    // A new machine with the kit alone opens it too.
    const home2 = join(sb.root, 'new-machine');
    const recover = ['recover', '--cloud', sb.cloud, '--watch', sb.watch, '--recovery-kit', sb.kit];
    assert.equal((await sb.run(recover, { home: home2 })).code, 0);
    const k = await sb.run(['restore', b.id, '--to', join(sb.root, 'pq-kit'), '--recovery-kit', sb.kit], {
      home: home2,
    });
    assert.equal(k.code, 0, k.stderr);
  });
});
