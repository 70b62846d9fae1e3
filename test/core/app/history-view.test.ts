// The history the window shows, from a real vault (keys in the OS keychain): each version's format and
// what it uploaded (storedBytes: a format-2 backup's uploadedBytes, only what was new; a format-1
// backup's whole data object), and the vault's real size over time, from the files in its folder.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildHistoryView, storedBytesOf } from '../../../src/core/app/history-view.js';
import { Verifications } from '../../../src/core/app/verifications.js';
import { backupExport } from '../../../src/core/backup/backup.js';
import { backupContextOf, type Device, deviceIdentities, initVault } from '../../../src/core/device.js';
import { deleteVaultSecrets } from '../../../src/core/keys/vault-secrets.js';
import type { BackupMetadata } from '../../../src/core/vault/metadata.js';
import type { HistoryView } from '../../../src/shared/api.js';

const PHOTO_BYTES = 1_500_000;

describe('the history view: what each version uploaded, and the vault size', { concurrency: 1 }, () => {
  let root: string;
  let device: Device;
  let exportPath: string;
  const stored: BackupMetadata[] = [];
  /** What each backup wrote into the cloud folder, as onUpload was told it. */
  const told: number[] = [];
  let view: HistoryView;

  /** Backs the export up in `format`; it must be stored. */
  async function backUp(format: 1 | 2): Promise<void> {
    let uploaded = 0;
    const context = {
      ...backupContextOf(device, device.vault, undefined, (bytes) => {
        uploaded += bytes;
      }),
      format,
    };
    const outcome = await backupExport(context, exportPath, stored);
    assert.equal(outcome.status, 'stored');
    if (outcome.status === 'stored') stored.push(outcome.meta);
    told.push(uploaded);
  }

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'puddleproof-history-view-'));
    await mkdir(join(root, 'watch'));
    await mkdir(join(root, 'cloud'));
    device = await initVault({
      home: join(root, 'home'),
      watchDir: join(root, 'watch'),
      cloudDir: join(root, 'cloud'),
      kitPath: join(root, 'kit.txt'),
      deviceName: 'test device',
    });
    exportPath = join(root, 'watch', 'Trip');
    await mkdir(exportPath);
    await writeFile(join(exportPath, 'video.mp4'), randomBytes(PHOTO_BYTES));
    await writeFile(join(exportPath, 'notes.txt'), 'Day one.\n');
    await backUp(2);
    await appendFile(join(exportPath, 'notes.txt'), 'Day two.\n');
    await backUp(2);
    await appendFile(join(exportPath, 'notes.txt'), 'Day three.\n');
    await backUp(1);
    const listing = await device.vault.list(deviceIdentities(device), device.secrets.authKey);
    view = await buildHistoryView(device.vault, listing, device.settings.deviceId, new Verifications(root));
  });

  after(async () => {
    await deleteVaultSecrets(device?.store).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  test('each version has its format, and storedBytes is what it added to the cloud folder', async () => {
    const versions = view.sources[0]?.versions ?? [];
    assert.equal(view.sources.length, 1);
    // Newest first.
    assert.deepEqual(
      versions.map((v) => v.id),
      stored.map((m) => m.id).reverse(),
    );
    const [third, second, first] = versions;
    assert.ok(first && second && third);
    assert.deepEqual([first.format, second.format, third.format], [2, 2, 1]);
    // Format 2: the metadata's uploadedBytes, which is what the backup reported writing.
    const [m1, m2] = stored;
    assert.ok(m1?.format === 2 && m2?.format === 2);
    assert.equal(first.storedBytes, m1.uploadedBytes);
    assert.equal(second.storedBytes, m2.uploadedBytes);
    assert.deepEqual(told.slice(0, 2), [m1.uploadedBytes, m2.uploadedBytes]);
    assert.ok(first.storedBytes > PHOTO_BYTES, 'the first backup uploads everything');
    assert.ok(second.storedBytes < PHOTO_BYTES / 20, 'the second only what is new');
    // Format 1: the whole data object (onUpload is only told of format-2 objects).
    const data = (await stat(device.vault.paths.data(third.id))).size;
    assert.equal(third.storedBytes, data);
    assert.ok(data > PHOTO_BYTES);
    assert.equal(told[2], 0);
    for (const v of versions)
      assert.equal(
        await storedBytesOf(device.vault, stored.find((m) => m.id === v.id) as BackupMetadata),
        v.storedBytes,
      );
  });

  test('the vault size is what its folder holds: growing by what each backup added, ending at its size now', async () => {
    assert.deepEqual(
      view.vaultSize.map((p) => p.at),
      stored.map((m) => m.createdAt),
    );
    const [first, second, third] = view.vaultSize;
    assert.ok(first && second && third);
    assert.equal(third.bytes, await folderBytes(device.vault.root), 'the last point is the folder now');
    assert.ok(first.bytes > PHOTO_BYTES, 'the first backup holds the video');
    assert.ok(second.bytes - first.bytes < PHOTO_BYTES / 20, 'a small step for a small change');
    const data = (await stat(device.vault.paths.data(stored[2]?.id ?? ''))).size;
    assert.ok(third.bytes - second.bytes >= data, 'the format-1 backup adds its whole archive');
  });

  test('after a prune, the size is still what the folder holds (a pack the kept backups use stays)', async () => {
    const [m1] = stored;
    assert.ok(m1);
    await device.vault.forget([m1.id]);
    const listing = await device.vault.list(deviceIdentities(device), device.secrets.authKey);
    const after = await buildHistoryView(
      device.vault,
      listing,
      device.settings.deviceId,
      new Verifications(root),
    );
    assert.equal(after.vaultSize.length, 2);
    const [second] = after.vaultSize;
    assert.ok(second && second.bytes > PHOTO_BYTES, 'the video, which the second backup uses, counts');
    assert.equal(after.vaultSize.at(-1)?.bytes, await folderBytes(device.vault.root));
  });

  test('a format-1 backup whose data object is missing: null (the view shows 0)', async () => {
    const [, , m3] = stored;
    assert.ok(m3);
    await rm(device.vault.paths.data(m3.id));
    assert.equal(await storedBytesOf(device.vault, m3), null);
  });
});

/** Bytes of every file under `dir`. */
async function folderBytes(dir: string): Promise<number> {
  let sum = 0;
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile()) sum += (await stat(join(e.parentPath, e.name))).size;
  return sum;
}
