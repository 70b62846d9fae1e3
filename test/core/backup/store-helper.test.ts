// The store worker (src/core/backup/store-worker.ts) on real files, real vault folders and real age keys:
// the pieces it takes (whole files, segments of a zip made by the system `zip`) are stored as the main
// thread stores them, a copy of a file it stored is not stored again, its packs and indexes are on disk when
// it says it is done, and a file it cannot read fails it with the file named. Through backupExport, exports
// stored on both threads (a Telegram folder, successive WhatsApp zips) restore byte for byte.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { generateX25519Identity, identityToRecipient } from '../../../src/core/age/index.js';
import { type BackupOutcome, backupExport } from '../../../src/core/backup/backup.js';
import { type StorePiece, stampOf, storePiece } from '../../../src/core/backup/store-file.js';
import { SharedPieces, StoreHelper } from '../../../src/core/backup/store-helper.js';
import { walkExport } from '../../../src/core/backup/walk.js';
import { chunkKeys } from '../../../src/core/dedup/chunk-keys.js';
import { ChunkStore, chunkIdOf, PackWriter } from '../../../src/core/dedup/chunk-store.js';
import { fileLayout } from '../../../src/core/dedup/file-chunks.js';
import { backupContextOf, type Device, deviceIdentities } from '../../../src/core/device.js';
import { restoreFromVault } from '../../../src/core/restore/restore-from-vault.js';
import { verifyBackup } from '../../../src/core/restore/verify.js';
import { newBackupId } from '../../../src/core/vault/layout.js';
import { Vault } from '../../../src/core/vault/vault.js';
import { writeExportSeries } from '../../helpers/export-series.js';
import { assertSameTree, makeTrickyExport } from '../../helpers/export-tree.js';
import { TestVaults } from '../../helpers/vault-devices.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
let dir = '';
/** The export's files whole, and the segments of a zip among them. */
const pieces: StorePiece[] = [];
/** The random bytes among them (the copy of photo 3 aside). */
let randomBytesIn = 0;
const authKey = randomBytes(32);
let recipients: { recipients: string[]; indexRecipients: string[] };
let indexIdentity = '';
const worlds = new TestVaults();

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
  const sizes = [300_000, 1_500_000, 65_536, 2_500_000, 900_000, 6 * MiB + 5, 0];
  // A zip: a stored and a deflated member of random bytes (the deflated one stays as large), and text.
  const zipped = join(dir, 'zipped');
  await mkdir(zipped);
  await writeFile(join(zipped, 'a.opus'), randomBytes(700_000));
  await writeFile(join(zipped, 'b.jpg'), randomBytes(1_200_000));
  // (Text that deflates to more than MIN_MEMBER_BYTES, so that it is a member segment of its own.)
  await writeFile(join(zipped, '_chat.txt'), randomBytes(200_000).toString('hex'));
  await run('zip', ['-q', '-0', join(exportDir, 'media.zip'), 'a.opus'], { cwd: zipped });
  await run('zip', ['-q', join(exportDir, 'media.zip'), 'b.jpg', '_chat.txt'], { cwd: zipped });
  randomBytesIn = sizes.reduce((a, b) => a + b, 0) + 700_000 + 1_200_000;
  for (const e of (await walkExport(exportDir)).entries) {
    if (e.type !== 'file') continue;
    if (!e.relPath.endsWith('.zip')) {
      pieces.push({ path: e.absPath, stamp: stampOf(e.stats), segment: null });
      continue;
    }
    const fd = openSync(e.absPath, 'r');
    const { segments } = await fileLayout(fd, e.absPath);
    closeSync(fd);
    assert.ok(segments.filter((g) => g.kind === 'member').length === 3, 'the zip has three members');
    for (const segment of segments) pieces.push({ path: e.absPath, stamp: stampOf(e.stats), segment });
  }
  const device = await generateX25519Identity();
  indexIdentity = await generateX25519Identity();
  recipients = {
    recipients: [await identityToRecipient(device)],
    indexRecipients: [await identityToRecipient(device), await identityToRecipient(indexIdentity)],
  };
});

after(async () => {
  await worlds.cleanUp();
  await rm(dir, { recursive: true, force: true });
});

let vaults = 0;
async function newVault(): Promise<Vault> {
  const cloud = join(dir, `cloud-${vaults++}`);
  await mkdir(cloud);
  return Vault.create(cloud);
}

/** Starts the store worker on `shared`, writing into `vault`; counts the bytes it reports. */
function startHelper(vault: Vault, shared: SharedPieces, counted = { bytes: 0, uploaded: 0 }): StoreHelper {
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

test('the store worker stores the pieces it takes as this thread does, each chunk once, on disk when done', async () => {
  // This thread takes no piece: the worker takes them all.
  const vault = await newVault();
  const counted = { bytes: 0, uploaded: 0 };
  const helper = startHelper(vault, new SharedPieces(pieces), counted);
  await helper.finished();
  assert.equal(helper.stored.size, pieces.length);
  assert.equal(
    counted.bytes,
    pieces.reduce((sum, p) => sum + (p.segment ? p.segment.length : p.stamp.size), 0),
  );
  // The random bytes, and little more: the text compresses, the copy is not uploaded again.
  assert.ok(
    counted.uploaded > randomBytesIn && counted.uploaded < randomBytesIn + 600_000,
    `uploaded ${counted.uploaded} for ${randomBytesIn} random bytes`,
  );

  // The same pieces stored by this thread, into another vault with the same key.
  const mine = new PackWriter(await newVault(), new ChunkStore(), { ...recipients, authKey, backupId: 'b' });
  const keys = chunkKeys(authKey);
  const reuse = { buffer: Buffer.alloc(0) };
  for (const [i, piece] of pieces.entries()) {
    const here = await storePiece(piece, mine, keys, () => undefined, reuse);
    assert.deepEqual(helper.stored.get(i), here, `${piece.path} ${JSON.stringify(piece.segment)}`);
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

test('a file the store worker cannot read fails it, naming the file, with the error’s code', async () => {
  const vault = await newVault();
  const gone = {
    path: join(dir, 'no such photo.jpg'),
    stamp: { size: 1000, ino: 1, mtimeMs: 0 },
    segment: null,
  };
  const helper = startHelper(vault, new SharedPieces([pieces[0] as StorePiece, gone]));
  await assert.rejects(
    helper.finished(),
    (err: NodeJS.ErrnoException) => err.message.includes('no such photo.jpg') && err.code === 'ENOENT',
  );
});

test('stopped after a failure elsewhere, the worker leaves no pack without its index', async () => {
  const vault = await newVault();
  // Enough random bytes for several packs: the stop comes while the worker still has work.
  const big: StorePiece[] = [];
  for (let i = 0; i < 6; i++) {
    const path = join(dir, `video_${i}.mp4`);
    await writeFile(path, randomBytes(6 * MiB));
    big.push({ path, stamp: stampOf(await stat(path)), segment: null });
  }
  const shared = new SharedPieces(big);
  let packs = 0;
  let stopping: Promise<void> | undefined;
  const helper = StoreHelper.start(
    shared,
    {
      known: [],
      folders: { packsDir: vault.paths.packsDir, indexDir: vault.paths.indexDir },
      writer: { ...recipients, authKey: new Uint8Array(authKey), backupId: newBackupId(new Date()) },
    },
    () => undefined,
    () => {
      // Stopped as the first pack is sealed: its write to disk, rename and index are still to come.
      packs++;
      stopping ??= helper?.stop();
    },
    () => undefined,
  );
  assert.ok(helper);
  // It ends either way: stopped (nearly always), or done if it stored everything before it saw the request.
  const ended = await helper.finished().then(
    () => 'done',
    () => 'stopped',
  );
  await stopping;
  assert.ok(packs >= 1 && (ended === 'stopped' || packs >= 4), `${ended} after ${packs} packs`);
  const packNames = (await readdir(vault.paths.packsDir)).filter((n) => !n.startsWith('.tmp-'));
  assert.ok(packNames.length >= 1, 'the pack it sealed is in place');
  assert.deepEqual(
    packNames.sort(),
    (await readdir(vault.paths.indexDir)).filter((n) => !n.startsWith('.tmp-')).sort(),
  );
});

test('a file replaced or changed after the export was listed is not stored', async () => {
  const zip = pieces.find((p) => p.segment?.kind === 'member') as StorePiece;
  const copy = join(dir, 'replaced.zip');
  await copyFile(zip.path, copy);
  const listedStamp = stampOf(await stat(copy));
  // A new export of the same size renamed over it, as a sync client or a phone would.
  const other = join(dir, 'other.zip');
  await writeFile(other, randomBytes(listedStamp.size));
  await rename(other, copy);
  const writer = new PackWriter(await newVault(), new ChunkStore(), {
    ...recipients,
    authKey,
    backupId: 'c',
  });
  const keys = chunkKeys(authKey);
  const reuse = { buffer: Buffer.alloc(0) };
  const changed = /replaced\.zip changed while it was being backed up/;
  await assert.rejects(
    storePiece({ ...zip, path: copy, stamp: listedStamp }, writer, keys, () => undefined, reuse),
    changed,
  );
  // A whole file written again in place, at the same size.
  const photo = join(dir, 'rewritten.jpg');
  await writeFile(photo, randomBytes(10_000));
  const before = stampOf(await stat(photo));
  await writeFile(photo, randomBytes(10_000));
  await utimes(photo, new Date(), new Date(before.mtimeMs + 5_000));
  await assert.rejects(
    storePiece({ path: photo, stamp: before, segment: null }, writer, keys, () => undefined, reuse),
    /rewritten\.jpg changed while it was being backed up/,
  );
  // As listed, both are stored.
  await storePiece(
    { path: photo, stamp: stampOf(await stat(photo)), segment: null },
    writer,
    keys,
    () => undefined,
    reuse,
  );
  await storePiece(
    { ...zip, path: copy, stamp: stampOf(await stat(copy)) },
    writer,
    keys,
    () => undefined,
    reuse,
  );
  await writer.finish();
});

/** Backs up `path` with the store worker whatever its size; returns the backup's metadata. */
async function backUpOnTwoThreads(device: Device, path: string) {
  const { backups } = await device.vault.list(deviceIdentities(device), device.secrets.authKey);
  const outcome: BackupOutcome = await backupExport(
    { ...backupContextOf(device, device.vault), helperFromBytes: 0 },
    path,
    backups,
  );
  assert.equal(outcome.status, 'stored');
  return (outcome as Extract<BackupOutcome, { status: 'stored' }>).meta;
}

function restore(device: Device, meta: Awaited<ReturnType<typeof backUpOnTwoThreads>>, to: string) {
  return restoreFromVault({
    vault: device.vault,
    meta,
    identities: deviceIdentities(device),
    authKey: device.secrets.authKey,
    to,
  });
}

test('a folder export stored on both threads restores byte for byte and verifies', {
  timeout: 120_000,
}, async () => {
  const { root, a: device } = await worlds.first('puddleproof-store-helper-', 'test device');
  const exportDir = await makeTrickyExport(join(root, 'exports'));
  for (let i = 0; i < 6; i++)
    await writeFile(join(exportDir, 'photos', `more_${i}.jpg`), randomBytes(MiB + i));
  const meta = await backUpOnTwoThreads(device, exportDir);
  await restore(device, meta, join(root, 'restored'));
  await assertSameTree(join(root, 'restored', 'ChatExport_2026-11-26'), exportDir);
  assert.deepEqual(await verifyBackup(device, meta.id), { kind: 'ok' });
});

test('successive WhatsApp zips stored on both threads restore byte for byte; later ones upload what is new', {
  timeout: 120_000,
}, async () => {
  const { root, a: device } = await worlds.first('puddleproof-store-helper-', 'test device');
  const series = await writeExportSeries(join(root, 'series'), {
    versions: 3,
    firstBytes: 12_000_000,
    lastBytes: 14_000_000,
    seed: 7,
    fixedTimes: false,
    mediaWindow: 30,
  });
  const stored = [];
  for (const v of series) stored.push(await backUpOnTwoThreads(device, v.path));
  for (const [i, v] of series.entries()) {
    const meta = stored[i] as (typeof stored)[number];
    const to = join(root, `restored-${i}`);
    assert.equal((await restore(device, meta, to)).files, 1);
    assert.ok((await readFile(join(to, meta.exportName))).equals(await readFile(v.path)), `version ${i + 1}`);
    assert.deepEqual(await verifyBackup(device, meta.id), { kind: 'ok' });
    // Each later version uploads about what is new in it: its new media and the text.
    if (i > 0 && meta.format === 2)
      assert.ok(meta.uploadedBytes < 0.4 * meta.bytes, `version ${i + 1} uploaded ${meta.uploadedBytes}`);
  }
});
