// The store worker (src/core/backup/store-worker.ts) on real files, real vault folders and real age keys:
// the files it takes are stored as the main thread stores them, a copy of a file it stored is not stored
// again, its packs and indexes are on disk when it says it is done, and a file it cannot read fails it with
// the file named. Through backupExport, an export stored on both threads restores byte for byte.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateX25519Identity, identityToRecipient } from '../../../src/core/age/index.js';
import { type BackupOutcome, backupExport } from '../../../src/core/backup/backup.js';
import { type StoredFile, storeFile } from '../../../src/core/backup/store-file.js';
import { SharedFiles, StoreHelper } from '../../../src/core/backup/store-helper.js';
import { type ExportEntry, walkExport } from '../../../src/core/backup/walk.js';
import { chunkKeys } from '../../../src/core/dedup/chunk-keys.js';
import { ChunkStore, chunkIdOf, PackWriter } from '../../../src/core/dedup/chunk-store.js';
import { backupContextOf, type Device, deviceIdentities, initVault } from '../../../src/core/device.js';
import { deleteVaultSecrets } from '../../../src/core/keys/vault-secrets.js';
import { restoreFromVault } from '../../../src/core/restore/restore-from-vault.js';
import { verifyBackup } from '../../../src/core/restore/verify.js';
import { newBackupId } from '../../../src/core/vault/layout.js';
import { Vault } from '../../../src/core/vault/vault.js';
import { assertSameTree, makeTrickyExport } from '../../helpers/export-tree.js';

const MiB = 1024 * 1024;
let dir = '';
let files: ExportEntry[] = [];
const authKey = randomBytes(32);
let recipients: { recipients: string[]; indexRecipients: string[] };
let indexIdentity = '';
const devices: Device[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'puddleproof-store-helper-'));
  const exportDir = join(dir, 'ChatExport_2026-12-07');
  await mkdir(join(exportDir, 'photos'), { recursive: true });
  const chat = Buffer.from('<div class="message">See you at the lake on Sunday?</div>\n'.repeat(20_000));
  await writeFile(join(exportDir, 'messages.html'), chat);
  for (const [i, size] of [300_000, 1_500_000, 65_536, 2_500_000, 900_000, 6 * MiB + 5, 0].entries())
    await writeFile(join(exportDir, 'photos', `photo_${i}.jpg`), randomBytes(size));
  // The same photo twice, as an export holds a picture sent twice.
  await copyFile(join(exportDir, 'photos', 'photo_3.jpg'), join(exportDir, 'photos', 'photo_3 (copy).jpg'));
  files = (await walkExport(exportDir)).entries.filter((e) => e.type === 'file');
  const device = await generateX25519Identity();
  indexIdentity = await generateX25519Identity();
  recipients = {
    recipients: [await identityToRecipient(device)],
    indexRecipients: [await identityToRecipient(device), await identityToRecipient(indexIdentity)],
  };
});

after(async () => {
  for (const device of devices) await deleteVaultSecrets(device.store).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

let vaults = 0;
async function newVault(): Promise<Vault> {
  const cloud = join(dir, `cloud-${vaults++}`);
  await mkdir(cloud);
  return Vault.create(cloud);
}

/** Starts the store worker on `shared`, writing into `vault`; counts the bytes it reports. */
function startHelper(vault: Vault, shared: SharedFiles, counted = { bytes: 0, uploaded: 0 }): StoreHelper {
  const helper = StoreHelper.start(
    shared,
    {
      known: [],
      folders: { packsDir: vault.paths.packsDir, indexDir: vault.paths.indexDir },
      writer: { ...recipients, authKey: new Uint8Array(authKey), backupId: newBackupId(new Date()) },
    },
    (n) => {
      counted.bytes += n;
    },
    (n) => {
      counted.uploaded += n;
    },
    () => undefined,
  );
  assert.ok(helper, 'the store worker starts from source');
  return helper;
}

test('the store worker stores the files it takes as this thread does, each chunk once, on disk when done', async () => {
  // This thread takes no file: the worker takes them all.
  const vault = await newVault();
  const counted = { bytes: 0, uploaded: 0 };
  const helper = startHelper(vault, new SharedFiles(files), counted);
  await helper.finished();
  assert.equal(helper.stored.size, files.length);
  assert.equal(
    counted.bytes,
    files.reduce((sum, f) => sum + f.size, 0),
  );
  // The random photos' bytes, and little more: the chat text compresses, the copy is not uploaded again.
  const photos = 300_000 + 1_500_000 + 65_536 + 2_500_000 + 900_000 + 6 * MiB + 5;
  assert.ok(counted.uploaded > photos && counted.uploaded < photos + 500_000, `uploaded ${counted.uploaded}`);

  // The same files stored by this thread, into another vault with the same key.
  const mine = new PackWriter(await newVault(), new ChunkStore(), { ...recipients, authKey, backupId: 'b' });
  const keys = chunkKeys(authKey);
  const reuse = { buffer: Buffer.alloc(0) };
  for (const [i, file] of files.entries()) {
    const here: StoredFile = await storeFile(file, mine, keys, () => undefined, reuse);
    assert.deepEqual(helper.stored.get(i), here, file.relPath);
  }
  await mine.finish();

  // Its packs hold every chunk once (the copied photo is not stored twice), and their indexes are there.
  const names = helper.packs.flatMap(([, entries]) => entries.map((e) => e.name));
  assert.equal(new Set(names).size, names.length, 'no chunk stored twice');
  const listed = new Set([...helper.stored.values()].flatMap((s) => s.chunks.map((c) => c.name)));
  assert.deepEqual(new Set(names), listed);
  const store = await ChunkStore.load(vault, [indexIdentity], authKey);
  assert.deepEqual(store.problems, []);
  assert.deepEqual(new Set(store.locations.keys()), new Set([...listed].map(chunkIdOf)));
});

test('a file the store worker cannot read fails it, naming the file', async () => {
  const vault = await newVault();
  const gone = { ...(files[1] as ExportEntry), absPath: join(dir, 'no such photo.jpg') };
  const helper = startHelper(vault, new SharedFiles([files[0] as ExportEntry, gone]));
  await assert.rejects(helper.finished(), (err: Error) => err.message.includes('no such photo.jpg'));
});

test('an export stored on both threads restores byte for byte and verifies', {
  timeout: 120_000,
}, async () => {
  const root = join(dir, 'world');
  await mkdir(join(root, 'cloud'), { recursive: true });
  await mkdir(join(root, 'watch'));
  const device = await initVault({
    home: join(root, 'home'),
    watchDir: join(root, 'watch'),
    cloudDir: join(root, 'cloud'),
    kitPath: join(root, 'kit.txt'),
    deviceName: 'test device',
  });
  devices.push(device);
  const exportDir = await makeTrickyExport(join(root, 'exports'));
  for (let i = 0; i < 6; i++)
    await writeFile(join(exportDir, 'photos', `more_${i}.jpg`), randomBytes(MiB + i));
  const identities = deviceIdentities(device);
  const outcome: BackupOutcome = await backupExport(
    { ...backupContextOf(device, device.vault), helperFromBytes: 0 },
    exportDir,
    [],
  );
  assert.equal(outcome.status, 'stored');
  if (outcome.status !== 'stored') return;
  const to = join(root, 'restored');
  await restoreFromVault({
    vault: device.vault,
    meta: outcome.meta,
    identities,
    authKey: device.secrets.authKey,
    to,
  });
  await assertSameTree(join(to, 'ChatExport_2026-11-26'), exportDir);
  assert.deepEqual(await verifyBackup(device, outcome.meta.id), { kind: 'ok' });
});
