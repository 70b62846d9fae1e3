// Device profiles of one vault on a temporary cloud folder (real keychain, real files), for the tests of
// the trusted list, pairing and the recovery kit: the first device, devices that join with the kit, and a
// backup of one random photo that a device restores with its own keys.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackupOutcome, backupExport } from '../../src/core/backup/backup.js';
import {
  backupContextOf,
  type Device,
  deviceIdentities,
  initVault,
  recoverVault,
} from '../../src/core/device.js';
import { readRecoveryKit } from '../../src/core/keys/recovery-kit.js';
import { deleteVaultSecrets } from '../../src/core/keys/vault-secrets.js';
import { restoreFromVault } from '../../src/core/restore/restore-from-vault.js';
import { syncTrustedList } from '../../src/core/trust.js';
import type { BackupMetadata } from '../../src/core/vault/metadata.js';

/** The vaults a test file makes; `cleanUp` (in `after`) removes their folders and keychain entries. */
export class TestVaults {
  private readonly roots: string[] = [];
  private readonly devices: Device[] = [];

  /** A new vault (`root/cloud`, its kit at `root/kit.txt`) made by device `name` in `root/home-a`. */
  async first(prefix: string, name: string): Promise<{ root: string; a: Device }> {
    const root = await mkdtemp(join(tmpdir(), prefix));
    this.roots.push(root);
    await mkdir(join(root, 'cloud'));
    const a = await initVault({
      home: join(root, 'home-a'),
      watchDir: join(root, 'watch-a'),
      cloudDir: join(root, 'cloud'),
      kitPath: join(root, 'kit.txt'),
      deviceName: name,
    });
    this.keep(a);
    await syncTrustedList(a);
    return { root, a };
  }

  /** A device that joins the vault in `root` with its kit, and puts itself on the vault's list. */
  async joinWithKit(root: string, name: string, home: string): Promise<Device> {
    const d = await recoverVault({
      home: join(root, home),
      watchDir: join(root, `watch-${home}`),
      cloudDir: join(root, 'cloud'),
      kit: await readRecoveryKit(join(root, 'kit.txt')),
      deviceName: name,
    });
    this.keep(d);
    await syncTrustedList(d);
    return d;
  }

  /** A device made elsewhere (e.g. by pairing), removed with the others. */
  keep(device: Device): void {
    this.devices.push(device);
  }

  async cleanUp(): Promise<void> {
    for (const d of this.devices) await deleteVaultSecrets(d.store).catch(() => undefined);
    for (const r of this.roots) await rm(r, { recursive: true, force: true });
  }
}

/** Backs up `root/exports/name` (one random photo of `bytes`) on `device`, against the vault's backups. */
export async function backUpPhoto(
  device: Device,
  root: string,
  name: string,
  bytes: number,
): Promise<BackupMetadata> {
  const path = join(root, 'exports', name);
  await mkdir(path, { recursive: true });
  await writeFile(join(path, 'photo.jpg'), randomBytes(bytes));
  const { backups } = await device.vault.list(deviceIdentities(device), device.secrets.authKey);
  const outcome: BackupOutcome = await backupExport(backupContextOf(device, device.vault), path, backups);
  assert.equal(outcome.status, 'stored');
  return (outcome as Extract<BackupOutcome, { status: 'stored' }>).meta;
}

/** Restores `meta` (made by backUpPhoto) on `device` with its own keys only, and checks the photo. */
export async function restorePhotoOn(device: Device, meta: BackupMetadata, root: string): Promise<void> {
  const to = join(root, `restored-${randomBytes(4).toString('hex')}`);
  await restoreFromVault({
    vault: device.vault,
    meta,
    identities: deviceIdentities(device),
    authKey: device.secrets.authKey,
    to,
  });
  assert.deepEqual(
    await readFile(join(to, meta.exportName, 'photo.jpg')),
    await readFile(join(root, 'exports', meta.exportName, 'photo.jpg')),
  );
}
