// The folder check: export and cloud folders apart, the recovery kit outside both, compared as the file
// system sees them (symbolic links resolved, folder identity); warnings for folders a sync client uploads.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { checkFolderChoice, folderRefusal, overlaps } from '../../src/core/folder-choice.js';

const root = await mkdtemp(join(tmpdir(), 'puddleproof-folders-'));
after(() => rm(root, { recursive: true, force: true }));

let count = 0;
/** A fresh world: a home with an export folder and a cloud folder, nothing else. */
async function world() {
  const home = join(root, `w${count++}`);
  const watch = join(home, 'Chat exports');
  const cloud = join(home, 'Backups cloud');
  await mkdir(watch, { recursive: true });
  await mkdir(cloud, { recursive: true });
  const places = { home, env: {}, platform: 'linux' as const };
  return { home, watch, cloud, places };
}

describe('refused', () => {
  test('the same folder, also under two spellings of its path', async () => {
    const { watch } = await world();
    const refused = await folderRefusal({ watchDir: watch, cloudDir: `${watch}/./` });
    assert.match(refused ?? '', /are the same folder/);
    assert.ok(refused?.includes(watch), 'the message names the folder');
    assert.match(refused ?? '', /Choose an export folder outside the cloud folder/);
  });

  test('the cloud folder inside the export folder: the vault would back itself up', async () => {
    const { watch } = await world();
    const cloud = join(watch, 'Dropbox');
    await mkdir(cloud);
    const refused = await folderRefusal({ watchDir: watch, cloudDir: cloud });
    assert.match(refused ?? '', /The cloud folder .* is inside the export folder/);
    assert.ok(refused?.includes(watch) && refused.includes(cloud), 'both folders are named');
  });

  test('the export folder inside the cloud folder, even one that does not exist yet', async () => {
    const { cloud } = await world();
    for (const watchDir of [join(cloud, 'exports'), join(cloud, 'not', 'there', 'yet')]) {
      const refused = await folderRefusal({ watchDir, cloudDir: cloud });
      assert.match(refused ?? '', /is inside the cloud folder .*uploaded unencrypted/, watchDir);
      assert.ok(refused?.includes(watchDir) && refused.includes(cloud));
    }
  });

  test('the recovery kit inside the cloud folder or inside the export folder', async () => {
    const { watch, cloud } = await world();
    const inCloud = await folderRefusal({
      watchDir: watch,
      cloudDir: cloud,
      kitPath: join(cloud, 'kit.txt'),
    });
    assert.match(inCloud ?? '', /recovery kit .* inside the cloud folder .*keep it offline/);
    const deep = join(cloud, 'a', 'b', 'kit.txt');
    assert.match(
      (await folderRefusal({ watchDir: watch, cloudDir: cloud, kitPath: deep })) ?? '',
      /cloud folder/,
    );
    const inWatch = await folderRefusal({
      watchDir: watch,
      cloudDir: cloud,
      kitPath: join(watch, 'kit.txt'),
    });
    assert.match(inWatch ?? '', /recovery kit .* inside the export folder .*backed up/);
  });

  test('a kit inside an export folder that is still to be created', async () => {
    const { home, cloud } = await world();
    const watchDir = join(home, 'New exports');
    const refused = await folderRefusal({ watchDir, cloudDir: cloud, kitPath: join(watchDir, 'kit.txt') });
    assert.match(refused ?? '', /inside the export folder/);
    assert.equal(
      await folderRefusal({ watchDir, cloudDir: cloud, kitPath: join(home, 'New kit.txt') }),
      null,
    );
  });

  test('through symbolic links: an export folder that is a link into the cloud folder, and the reverse', async () => {
    const { home, watch, cloud } = await world();
    const linkedWatch = join(home, 'exports-link');
    await mkdir(join(cloud, 'chats'));
    await symlink(join(cloud, 'chats'), linkedWatch);
    assert.match(
      (await folderRefusal({ watchDir: linkedWatch, cloudDir: cloud })) ?? '',
      /inside the cloud folder/,
    );
    // A link to the cloud folder itself, inside the export folder.
    const linkedCloud = join(watch, 'cloud-link');
    await symlink(cloud, linkedCloud);
    assert.match(
      (await folderRefusal({ watchDir: watch, cloudDir: linkedCloud })) ?? '',
      /inside the export folder/,
    );
    // The kit saved through a link that leads into the cloud folder.
    const door = join(home, 'door');
    await symlink(cloud, door);
    const refused = await folderRefusal({ watchDir: watch, cloudDir: cloud, kitPath: join(door, 'kit.txt') });
    assert.match(refused ?? '', /inside the cloud folder/);
    // The same folder reached through a link.
    assert.equal(
      await folderRefusal({ watchDir: watch, cloudDir: door }),
      null,
      'the cloud folder through a link',
    );
    assert.match((await folderRefusal({ watchDir: door, cloudDir: cloud })) ?? '', /same folder/);
  });

  test('a case-insensitive file system: the same folder under another case', async (t) => {
    // Needs a file system that ignores case: vfat on a loop device, where this machine allows it.
    const mountPoint = join(root, 'vfat');
    const image = join(root, 'vfat.img');
    try {
      await mkdir(mountPoint);
      execFileSync('truncate', ['-s', '8M', image]);
      execFileSync('mkfs.vfat', [image], { stdio: 'ignore' });
      execFileSync('mount', ['-o', 'loop', image, mountPoint], { stdio: 'ignore' });
    } catch {
      t.skip('no case-insensitive file system can be mounted here (needs root, loop devices and vfat)');
      return;
    }
    try {
      await mkdir(join(mountPoint, 'Dropbox'));
      const refused = await folderRefusal({
        watchDir: join(mountPoint, 'DROPBOX', 'exports'),
        cloudDir: join(mountPoint, 'Dropbox'),
      });
      assert.match(refused ?? '', /inside the cloud folder/);
      const kit = await folderRefusal({
        watchDir: join(mountPoint, 'new exports'),
        cloudDir: join(mountPoint, 'Dropbox'),
        kitPath: join(mountPoint, 'NEW EXPORTS', 'kit.txt'),
      });
      assert.match(kit ?? '', /inside the export folder/);
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });
});

describe('allowed', () => {
  test('folders side by side, a kit elsewhere, names that only share a prefix', async () => {
    const { home, watch, cloud, places } = await world();
    await mkdir(`${cloud} 2`);
    assert.deepEqual(
      await checkFolderChoice({ watchDir: watch, cloudDir: cloud, kitPath: join(home, 'kit.txt') }, places),
      {
        refused: null,
        warnings: [],
      },
    );
    assert.equal(await folderRefusal({ watchDir: `${cloud} 2`, cloudDir: cloud }), null);
    assert.equal(await folderRefusal({ watchDir: join(home, 'Chat'), cloudDir: cloud }), null);
  });

  test('warnings: the kit or the export folder inside another folder a sync client uploads', async () => {
    const { home, cloud, places } = await world();
    const dropbox = join(home, 'Dropbox');
    const watchDir = join(dropbox, 'Chat exports');
    await mkdir(watchDir, { recursive: true });
    const check = await checkFolderChoice(
      { watchDir, cloudDir: cloud, kitPath: join(dropbox, 'Documents', 'kit.txt') },
      places,
    );
    assert.equal(check.refused, null);
    assert.equal(check.warnings.length, 2);
    assert.match(
      check.warnings[0] ?? '',
      /recovery kit is saved in .*Dropbox \(Dropbox\).*no longer offline/,
    );
    assert.match(check.warnings[1] ?? '', /export folder .* is inside .*Dropbox.*uploaded there unencrypted/);
  });

  test('a refusal comes without warnings (the reason is what matters)', async () => {
    const { home, places } = await world();
    const dropbox = join(home, 'Dropbox');
    await mkdir(dropbox);
    const check = await checkFolderChoice({ watchDir: dropbox, cloudDir: dropbox }, places);
    assert.match(check.refused ?? '', /same folder/);
    assert.deepEqual(check.warnings, []);
  });
});

test('overlaps: the vault, anything in it, and anything that holds it', async () => {
  const { home, watch, cloud } = await world();
  const vault = join(cloud, 'Puddleproof');
  await mkdir(join(vault, 'data'), { recursive: true });
  assert.equal(await overlaps(vault, vault), true);
  assert.equal(await overlaps(join(vault, 'data'), vault), true);
  assert.equal(await overlaps(cloud, vault), true);
  const link = join(watch, 'my cloud');
  await symlink(cloud, link);
  assert.equal(await overlaps(link, vault), true, 'a link to the cloud folder holds the vault');
  assert.equal(await overlaps(join(watch, 'WhatsApp Chat - Alice.zip'), vault), false);
  assert.equal(await overlaps(home, join(home, 'elsewhere')), true);
});
