// What sync folders do to a vault's files: conflict copies and duplicates in place of (or beside) an object,
// placeholders not downloaded yet, objects that are missing for a while. None of them may lose data: a copy
// is read where the object is gone, a removed backup's copies go with it, a missing or not downloaded pack is
// "not synced yet" until it has been missing long enough to call it damaged.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { storedBytesOf } from '../../../src/core/app/history-view.js';
import { type BackupOutcome, backupExport } from '../../../src/core/backup/backup.js';
import { ChunkStore, chunkIdOf } from '../../../src/core/dedup/chunk-store.js';
import { reclaim } from '../../../src/core/dedup/reclaim.js';
import {
  backupContextOf,
  cachesOf,
  type Device,
  deviceIdentities,
  initVault,
  recordRecipients,
} from '../../../src/core/device.js';
import { deleteVaultSecrets } from '../../../src/core/keys/vault-secrets.js';
import { RestoreError } from '../../../src/core/restore/restore.js';
import { restoreFromVault } from '../../../src/core/restore/restore-from-vault.js';
import { readSnapshot } from '../../../src/core/restore/snapshot-restore.js';
import { checkVault, MISSING_DAMAGED_AFTER_MS } from '../../../src/core/restore/vault-check.js';
import type { Format2Metadata } from '../../../src/core/vault/metadata.js';
import { writeRestoreGuide } from '../../../src/core/vault/restore-guide.js';
import { Vault } from '../../../src/core/vault/vault.js';
import { restorePhotoOn } from '../../helpers/vault-devices.js';

const TIMEOUT = { timeout: 120_000 };
const roots: string[] = [];
const devices: Device[] = [];

after(async () => {
  for (const device of devices) await deleteVaultSecrets(device.store).catch(() => undefined);
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

async function world() {
  const root = await mkdtemp(join(tmpdir(), 'puddleproof-sync-'));
  roots.push(root);
  for (const d of ['cloud', 'watch', 'exports']) await mkdir(join(root, d));
  const device = await initVault({
    home: join(root, 'home'),
    watchDir: join(root, 'watch'),
    cloudDir: join(root, 'cloud'),
    kitPath: join(root, 'kit.txt'),
    deviceName: 'laptop',
  });
  devices.push(device);
  const backUp = async (name: string, format: 1 | 2 = 2): Promise<Format2Metadata> => {
    const path = join(root, 'exports', name);
    await mkdir(path);
    await writeFile(join(path, 'photo.jpg'), randomBytes(200_000));
    await writeFile(join(path, 'messages.html'), `<p>${name}</p>`);
    const { backups } = await device.vault.list(deviceIdentities(device), device.secrets.authKey);
    const context = { ...backupContextOf(device, device.vault), format };
    const outcome: BackupOutcome = await backupExport(context, path, backups);
    assert.equal(outcome.status, 'stored');
    return (outcome as Extract<BackupOutcome, { status: 'stored' }>).meta as Format2Metadata;
  };
  const reclaimNow = async (forgotten: string[] = []) =>
    reclaim({
      vault: device.vault,
      device: { id: device.settings.deviceId, name: device.settings.deviceName },
      journal: device.journal,
      identities: deviceIdentities(device),
      authKey: device.secrets.authKey,
      recipients: await recordRecipients(device),
      packRecipients: device.secrets.recipients.map((r) => r.recipient),
      graceMs: 0,
      forgotten,
      ...cachesOf(device),
    });
  const restore = (meta: Format2Metadata) => restorePhotoOn(device, meta, root);
  const check = (opts: { now?: Date; readData?: boolean } = {}) =>
    device.vault.list(deviceIdentities(device), device.secrets.authKey).then(({ backups }) =>
      checkVault({
        vault: device.vault,
        backups,
        identities: deviceIdentities(device),
        authKey: device.secrets.authKey,
        missingLog: join(root, 'home', 'missing-since.json'),
        ...opts,
      }),
    );
  const packsOf = async () =>
    (await readdir(device.vault.paths.packsDir)).filter((n) => /^\d{8}T\d{6}Z-[a-z2-7]{12}\.age$/.test(n));
  return { root, device, backUp, restore, check, packsOf, reclaim: reclaimNow };
}

describe('what sync folders do to the vault', () => {
  test(
    'an object only left as a sync client’s conflict copy is still read: the backup lists, restores and checks',
    TIMEOUT,
    async () => {
      const w = await world();
      const meta = await backUp(w, 'Chat');
      const p = w.device.vault.paths;
      const [pack] = await w.packsOf();
      assert.ok(pack);
      const id = pack.slice(0, -4);
      await rename(p.meta(meta.id), join(p.metaDir, `${meta.id} (conflicted copy 2026-12-07).age`));
      await rename(p.snapshot(meta.id), join(p.snapshotsDir, `${meta.id} (1).age`));
      await rename(p.pack(id), join(p.packsDir, `${id}-DESKTOP-AB12CD.age`));
      await rename(p.index(id), join(p.indexDir, `${id}.sync-conflict-20261207-101112-ABCDEFG.age`));
      const { backups } = await w.device.vault.list(deviceIdentities(w.device), w.device.secrets.authKey);
      assert.deepEqual(
        backups.map((b) => b.id),
        [meta.id],
      );
      await w.restore(meta);
      const report = await w.check({ readData: true });
      assert.equal(report.copies.length, 4);
      assert.deepEqual(report.missing, []);
      assert.equal(report.readPacks?.ok, 1);
    },
  );

  test(
    'a backup whose metadata is only a placeholder here is committed: gc keeps its snapshot',
    TIMEOUT,
    async () => {
      const w = await world();
      const meta = await backUp(w, 'Chat');
      const p = w.device.vault.paths;
      await rename(p.meta(meta.id), join(p.metaDir, `.${meta.id}.age.icloud`));
      assert.deepEqual(await w.device.vault.gc(new Set(), 0, Date.now() + 1000), []);
      await stat(p.snapshot(meta.id));
    },
  );

  test(
    'a removed backup takes its copies with it (a copy left behind would bring it back)',
    TIMEOUT,
    async () => {
      const w = await world();
      const meta = await backUp(w, 'Chat');
      const p = w.device.vault.paths;
      await writeFile(join(p.metaDir, `${meta.id} (1).age`), await readFile(p.meta(meta.id)));
      await writeFile(join(p.snapshotsDir, `${meta.id} 2.age`), await readFile(p.snapshot(meta.id)));
      await w.device.vault.forget([meta.id]);
      assert.deepEqual(await w.device.vault.committedIds(), []);
      assert.deepEqual(await readdir(p.metaDir), []);
      assert.deepEqual(await readdir(p.snapshotsDir), []);
    },
  );

  test(
    'a pack not downloaded yet (placeholder) is not synced yet: restore refuses cleanly, the backup stays',
    TIMEOUT,
    async () => {
      const w = await world();
      const meta = await backUp(w, 'Chat');
      const p = w.device.vault.paths;
      const [pack] = await w.packsOf();
      assert.ok(pack);
      const held = join(w.root, 'held.age');
      await rename(join(p.packsDir, pack), held);
      await writeFile(join(p.packsDir, `.${pack}.icloud`), 'bplist00');
      // The pack is in the cloud: its chunks still count as stored (a backup does not upload them again).
      const store = await ChunkStore.load(
        w.device.vault,
        deviceIdentities(w.device),
        w.device.secrets.authKey,
      );
      assert.equal(store.byPack.size, 1);
      const to = join(w.root, 'not-yet');
      await assert.rejects(
        restoreFromVault({
          vault: w.device.vault,
          meta,
          identities: deviceIdentities(w.device),
          authKey: w.device.secrets.authKey,
          to,
        }),
        (err) =>
          err instanceof RestoreError &&
          err.problem === 'notSynced' &&
          /may not be synced yet/.test(err.message),
      );
      await assert.rejects(readdir(to), /ENOENT/, 'a failed restore leaves nothing');
      const report = await w.check();
      assert.deepEqual(report.placeholders, [`packs/.${pack}.icloud`]);
      // Downloaded: everything restores.
      await rm(join(p.packsDir, `.${pack}.icloud`));
      await rename(held, join(p.packsDir, pack));
      await w.restore(meta);
    },
  );

  test(
    'a missing pack is "not synced yet" until it has been missing for the margin, then damaged',
    TIMEOUT,
    async () => {
      const w = await world();
      const meta = await backUp(w, 'Chat');
      const [pack] = await w.packsOf();
      assert.ok(pack);
      await rename(join(w.device.vault.paths.packsDir, pack), join(w.root, 'away.age'));
      const first = await w.check();
      assert.equal(first.missing.length, 1);
      assert.equal(first.missing[0]?.backup, meta.id);
      assert.equal(first.missing[0]?.damaged, false);
      assert.deepEqual(first.indexesWithoutPack, [pack.slice(0, -4)]);
      const since = first.missing[0]?.since ?? '';
      const soon = await w.check({ now: new Date(Date.parse(since) + MISSING_DAMAGED_AFTER_MS / 2) });
      assert.equal(soon.missing[0]?.damaged, false);
      assert.equal(soon.missing[0]?.since, since, 'the first time it was seen missing is kept');
      const late = await w.check({ now: new Date(Date.parse(since) + MISSING_DAMAGED_AFTER_MS + 1000) });
      assert.equal(late.missing[0]?.damaged, true);
      // It arrives after all: nothing is missing, and the clock starts again if it goes missing later.
      await rename(join(w.root, 'away.age'), join(w.device.vault.paths.packsDir, pack));
      assert.deepEqual((await w.check()).missing, []);
      await w.restore(meta);
    },
  );

  test('a backup removed while another device lists the folder is gone, not a problem', TIMEOUT, async () => {
    const w = await world();
    const meta = await backUp(w, 'Chat');
    const vault = w.device.vault;
    const listed = await vault.committedIds();
    await vault.forget([meta.id]); // between the listing and the reading
    vault.committedIds = async () => listed;
    const { backups, problems } = await vault.list(deviceIdentities(w.device), w.device.secrets.authKey);
    assert.deepEqual(backups, []);
    assert.deepEqual(problems, []);
  });

  test('--read-data reads packs no backup uses too, and names a damaged one', TIMEOUT, async () => {
    const w = await world();
    const old = await backUp(w, 'Old');
    const [oldPack] = await w.packsOf();
    assert.ok(oldPack);
    await backUp(w, 'Kept');
    await w.device.vault.forget([old.id]);
    const before = await w.check({ readData: true });
    assert.equal(before.unusedPacks, 1);
    assert.equal(before.readPacks?.ok, 2);
    // Damage the pack no backup uses: verifying backups would not notice, reading every pack does.
    const path = join(w.device.vault.paths.packsDir, oldPack);
    const bytes = await readFile(path);
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 1;
    await writeFile(path, bytes);
    const after = await w.check({ readData: true });
    assert.equal(after.readPacks?.damaged.length, 1);
    assert.equal(`${after.readPacks?.damaged[0]?.pack}.age`, oldPack);
  });

  test(
    'a late copy of a removed backup’s snapshot is an orphan: gc removes it after the margin',
    TIMEOUT,
    async () => {
      const w = await world();
      const meta = await backUp(w, 'Chat');
      await w.device.vault.forget([meta.id]);
      const p = w.device.vault.paths;
      // A copy from another device's sync client arrives after the removal.
      const late = join(p.snapshotsDir, `${meta.id} (1).age`);
      await writeFile(late, randomBytes(5000));
      assert.deepEqual(await w.device.vault.gc(new Set(), 60_000), [], 'young: kept for now');
      assert.deepEqual(await w.device.vault.gc(new Set(), 60_000, Date.now() + 120_000), [late]);
      assert.deepEqual(await readdir(p.snapshotsDir), []);
    },
  );

  test('reclaiming a pack frees its copies too, and says so', TIMEOUT, async () => {
    const w = await world();
    const meta = await backUp(w, 'Chat');
    await backUp(w, 'Other chat');
    const [pack, ...more] = await packsOfBackup(w.device, meta);
    assert.ok(pack && more.length === 0);
    const p = w.device.vault.paths;
    await copyFile(p.pack(pack), join(p.packsDir, `${pack} (1).age`));
    const sizes = async () => {
      let sum = 0;
      for (const dir of [p.packsDir, p.indexDir])
        for (const name of await readdir(dir)) sum += (await stat(join(dir, name))).size;
      return sum;
    };
    await w.device.vault.forget([meta.id]);
    await w.reclaim([meta.id]);
    const before = await sizes();
    const r = await w.reclaim();
    assert.deepEqual(r.deleted, [pack]);
    assert.equal(r.freedBytes, before - (await sizes()));
  });

  test('a format-1 backup whose data object is only a copy here shows the copy’s size', TIMEOUT, async () => {
    const w = await world();
    const meta = await w.backUp('Chat', 1);
    const p = w.device.vault.paths;
    const bytes = (await stat(p.data(meta.id))).size;
    await rename(p.data(meta.id), join(p.dataDir, `${meta.id} (Bob's conflicted copy 2026-12-01).age`));
    assert.equal(await storedBytesOf(w.device.vault, meta), bytes);
  });

  test(
    'a vault whose marker is only a placeholder here is not downloaded yet, not missing',
    TIMEOUT,
    async () => {
      const w = await world();
      const cloud = join(w.root, 'cloud');
      const { root } = w.device.vault;
      await rename(join(root, 'vault.json'), join(root, '.vault.json.icloud'));
      await rename(join(root, 'RESTORE.txt'), join(root, '.RESTORE.txt.icloud'));
      await assert.rejects(Vault.open(cloud), /is not downloaded here yet/);
      await assert.rejects(Vault.create(cloud), /already holds a Puddleproof vault/);
      // The guide is not written again beside its placeholder (iCloud would keep both, as "RESTORE 2.txt").
      await writeRestoreGuide(root);
      assert.ok(!(await readdir(root)).includes('RESTORE.txt'));
    },
  );
});

function backUp(w: Awaited<ReturnType<typeof world>>, name: string) {
  return w.backUp(name);
}

/** The packs a backup's chunks are in. */
async function packsOfBackup(device: Device, meta: Format2Metadata): Promise<string[]> {
  const store = await ChunkStore.load(device.vault, deviceIdentities(device), device.secrets.authKey);
  const packs = new Set<string>();
  for (const e of await readSnapshot(device.vault, meta, deviceIdentities(device)))
    if (e.type === 'file')
      for (const c of e.chunks) packs.add(store.locations.get(chunkIdOf(c.name))?.pack ?? 'none');
  return [...packs];
}
