// Reclaiming packs across devices whose cloud folders are joined by a sync that delivers late: each
// device has its own folder, and `sync` (a small two-way sync, like a sync client's) carries files between
// them, holding back what a test says has not arrived yet. Real files, keychain and age keys.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  copyFile,
  cp,
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
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { decryptBuffer } from '../../../src/core/age/buffer.js';
import { NoIdentityMatchedError } from '../../../src/core/age/index.js';
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
  recoverVault,
} from '../../../src/core/device.js';
import { readRecoveryKit } from '../../../src/core/keys/recovery-kit.js';
import { deleteVaultSecrets, recipientOf } from '../../../src/core/keys/vault-secrets.js';
import { restoreFromVault } from '../../../src/core/restore/restore-from-vault.js';
import { readSnapshot } from '../../../src/core/restore/snapshot-restore.js';
import { verifyBackup } from '../../../src/core/restore/verify.js';
import { acknowledge } from '../../../src/core/vault/acknowledge.js';
import { checkpointName, readCheckpoints } from '../../../src/core/vault/checkpoints.js';
import { readCollections, writeCollection } from '../../../src/core/vault/collections.js';
import type { BackupMetadata, Format2Metadata } from '../../../src/core/vault/metadata.js';

const TIMEOUT = { timeout: 120_000 };
const roots: string[] = [];
const devices: Device[] = [];
const DAY = 86_400_000;

after(async () => {
  for (const device of devices) await deleteVaultSecrets(device.store).catch(() => undefined);
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

/** Files under `dir`, by path relative to it. */
async function files(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of await readdir(dir, { recursive: true })) {
    const path = join(dir, name);
    if ((await stat(path)).isFile()) out.set(relative(dir, path), path);
  }
  return out;
}

/**
 * A two-way sync of two folders with memory of what both had after the last pass (as a sync client keeps):
 * a file gone from one side since then was deleted there; a new or changed file is copied (newer wins).
 * Files for which `hold(path)` is true are not carried this time ("not synced yet").
 */
function syncPair(a: string, b: string) {
  let last = new Map<string, number>();
  return async (hold: (path: string) => boolean = () => false) => {
    const fa = await files(a);
    const fb = await files(b);
    const next = new Map<string, number>();
    for (const path of new Set([...fa.keys(), ...fb.keys()])) {
      const pa = fa.get(path);
      const pb = fb.get(path);
      if (hold(path)) {
        if (last.has(path)) next.set(path, 1);
        continue;
      }
      if (pa && pb) {
        const [ta, tb] = [(await stat(pa)).mtimeMs, (await stat(pb)).mtimeMs];
        if (!(await readFile(pa)).equals(await readFile(pb))) {
          if (ta >= tb) await copyFile(pa, pb);
          else await copyFile(pb, pa);
        }
        next.set(path, 1);
      } else if (pa || pb) {
        const [from, toRoot] = pa ? [pa, b] : [pb as string, a];
        if (last.has(path)) {
          await rm(from); // deleted on the other side since the last pass
        } else {
          await mkdir(join(toRoot, path, '..'), { recursive: true });
          await copyFile(from, join(toRoot, path));
          next.set(path, 1);
        }
      }
    }
    last = next;
  };
}

/**
 * An export of random (incompressible) bytes: its chunks are its own, but for `shared` (a photo that other
 * exports hold too) when given.
 */
async function newExport(dir: string, name: string, bytes = 300_000, shared?: Buffer): Promise<string> {
  const path = join(dir, name);
  await mkdir(path, { recursive: true });
  await writeFile(join(path, 'messages.html'), `<html><body>${name}</body></html>`);
  await writeFile(join(path, 'photo.jpg'), randomBytes(bytes));
  if (shared) await writeFile(join(path, 'shared.jpg'), shared);
  return path;
}

async function twoDevices() {
  const root = await mkdtemp(join(tmpdir(), 'puddleproof-reclaim-'));
  roots.push(root);
  for (const d of ['cloud-a', 'cloud-b', 'watch-a', 'watch-b', 'exports']) await mkdir(join(root, d));
  const a = await initVault({
    home: join(root, 'home-a'),
    watchDir: join(root, 'watch-a'),
    cloudDir: join(root, 'cloud-a'),
    kitPath: join(root, 'kit.txt'),
    deviceName: 'laptop',
  });
  devices.push(a);
  const sync = syncPair(join(root, 'cloud-a'), join(root, 'cloud-b'));
  await sync();
  const b = await recoverVault({
    home: join(root, 'home-b'),
    watchDir: join(root, 'watch-b'),
    cloudDir: join(root, 'cloud-b'),
    kit: await readRecoveryKit(join(root, 'kit.txt')),
    deviceName: 'desktop',
  });
  devices.push(b);
  return { root, a, b, sync, exports: join(root, 'exports') };
}

async function backUp(device: Device, path: string): Promise<Format2Metadata> {
  const { backups } = await device.vault.list(deviceIdentities(device), device.secrets.authKey);
  const outcome: BackupOutcome = await backupExport(backupContextOf(device, device.vault), path, backups);
  assert.equal(outcome.status, 'stored');
  return (outcome as Extract<BackupOutcome, { status: 'stored' }>).meta as Format2Metadata;
}

async function reclaimOn(
  device: Device,
  opts: {
    forgotten?: string[];
    now?: Date;
    silentMs?: number;
    watchDir?: string;
    dryRun?: boolean;
    identities?: string[];
  } = {},
) {
  return reclaim({
    vault: device.vault,
    device: { id: device.settings.deviceId, name: device.settings.deviceName },
    journal: device.journal,
    identities: deviceIdentities(device),
    authKey: device.secrets.authKey,
    recipients: await recordRecipients(device),
    packRecipients: device.secrets.recipients.map((r) => r.recipient),
    graceMs: 0,
    ...cachesOf(device),
    ...opts,
  });
}

/** Forgets backups on `device` and reclaims with them as the run's forgotten ones (what prune does). */
async function prune(device: Device, ids: string[], opts: { identities?: string[] } = {}) {
  await device.vault.forget(ids);
  return reclaimOn(device, { forgotten: ids, ...opts });
}

/**
 * Identities that open every pack of the vault (the device's and the kit's): here A never hands B the vault's
 * data key, so without the kit neither opens the other's packs, and neither condemns copies of chunks a
 * pack of the other keeps (it cannot check that pack).
 */
async function openingAll(device: Device, root: string) {
  return { identities: deviceIdentities(device, await readRecoveryKit(join(root, 'kit.txt'))) };
}

/** The packs a backup's chunks are in (by the vault's indexes, every pack). */
async function packsOf(device: Device, meta: Format2Metadata): Promise<Set<string>> {
  const store = await ChunkStore.load(device.vault, deviceIdentities(device), device.secrets.authKey);
  const where = new Map<string, string>();
  for (const [pack, entries] of store.byPack) for (const e of entries) where.set(chunkIdOf(e.name), pack);
  const packs = new Set<string>();
  for (const e of await readSnapshot(device.vault, meta, deviceIdentities(device)))
    if (e.type === 'file') for (const c of e.chunks) packs.add(where.get(chunkIdOf(c.name)) ?? 'missing');
  return packs;
}

/** How many of a backup's chunks are in `pack` and in no other pack. */
async function chunksOnlyIn(device: Device, meta: Format2Metadata, pack: string): Promise<number> {
  const store = await ChunkStore.load(device.vault, deviceIdentities(device), device.secrets.authKey);
  const packs = new Map<string, Set<string>>();
  for (const [p, entries] of store.byPack)
    for (const e of entries) packs.set(chunkIdOf(e.name), (packs.get(chunkIdOf(e.name)) ?? new Set()).add(p));
  let only = 0;
  for (const e of await readSnapshot(device.vault, meta, deviceIdentities(device)))
    if (e.type === 'file')
      for (const c of e.chunks) {
        const where = packs.get(chunkIdOf(c.name));
        if (where?.size === 1 && where.has(pack)) only++;
      }
  return only;
}

/** A backup that made one pack (before anything else reached its device), and that pack. */
async function withPack(device: Device, meta: Format2Metadata) {
  const packs = [...(await packsOf(device, meta))];
  assert.equal(packs.length, 1);
  return { device, meta, pack: packs[0] as string };
}

/** Two such backups, the one whose pack is older (its id sorts first) first. */
function byPackAge<T extends { pack: string }>(x: T, y: T): [T, T] {
  return x.pack < y.pack ? [x, y] : [y, x];
}

/** How many packs hold each chunk that is in more than one, as the device's indexes say. */
async function chunkCopies(device: Device): Promise<number[]> {
  const store = await ChunkStore.load(device.vault, deviceIdentities(device), device.secrets.authKey);
  const copies = new Map<string, number>();
  for (const entries of store.byPack.values())
    for (const e of entries) copies.set(chunkIdOf(e.name), (copies.get(chunkIdOf(e.name)) ?? 0) + 1);
  return [...copies.values()].filter((n) => n > 1);
}

async function packNames(device: Device): Promise<Set<string>> {
  return new Set(
    (await readdir(device.vault.paths.packsDir)).filter((n) => n.endsWith('.age')).map((n) => n.slice(0, -4)),
  );
}

/** Restores `meta` on `device` with the recovery kit too (packs of another device are not encrypted to it). */
async function restores(device: Device, meta: BackupMetadata, root: string): Promise<void> {
  const to = join(root, `restored-${meta.id}-${randomBytes(3).toString('hex')}`);
  await restoreFromVault({
    vault: device.vault,
    meta,
    identities: deviceIdentities(device, await readRecoveryKit(join(root, 'kit.txt'))),
    authKey: device.secrets.authKey,
    to,
  });
  const restored = await readFile(join(to, meta.exportName, 'photo.jpg'));
  assert.ok(restored.length > 0);
}

/**
 * One (on A): a page, a photo of its own and a shared photo; Two (on B): the same page and the shared photo,
 * stored in a later second (pack ids begin with it) and before A's pack reached B: B's pack holds only
 * copies of chunks A's older pack keeps.
 */
async function copiesOfAnOlderPack() {
  const devices = await twoDevices();
  const { a, b, sync, exports } = devices;
  const shared = randomBytes(200_000);
  const one = join(exports, 'One');
  const two = join(exports, 'Two');
  for (const dir of [one, two]) {
    await mkdir(dir);
    await writeFile(join(dir, 'messages.html'), '<html><body>the same page</body></html>');
    await writeFile(join(dir, 'shared.jpg'), shared);
  }
  await writeFile(join(one, 'photo.jpg'), randomBytes(900_000));
  const first = await backUp(a, one);
  const { pack: older } = await withPack(a, first);
  const second = Math.floor(Date.now() / 1000);
  while (Math.floor(Date.now() / 1000) === second) await new Promise((r) => setTimeout(r, 20));
  const { pack: newer } = await withPack(b, await backUp(b, two));
  await sync();
  assert.ok(older < newer, 'the older pack keeps the shared chunks, the newer holds copies');
  return { ...devices, first, older, newer };
}

/**
 * The same export backed up on A and, before A's pack reached B, on B: two packs hold its chunks. Returns
 * A's backup and the older pack's name.
 */
async function oneExportInTwoPacks() {
  const devices = await twoDevices();
  const { a, b, sync, exports } = devices;
  const shared = await newExport(exports, 'Shared chat');
  const onB = join(exports, 'b', 'Shared chat');
  await cp(shared, onB, { recursive: true });
  const fromA = await backUp(a, shared);
  await backUp(b, onB);
  await sync();
  const [older] = [...(await packNames(a))].sort();
  assert.ok(older);
  return { ...devices, shared, fromA, older };
}

describe('reclaiming packs', () => {
  test(
    'one device: a pack no backup uses is condemned by one prune and deleted by the next',
    TIMEOUT,
    async () => {
      const { root, a, exports } = await twoDevices();
      const old = await backUp(a, await newExport(exports, 'Old chat'));
      const kept = await backUp(a, await newExport(exports, 'Kept chat'));
      const oldPacks = await packsOf(a, old);
      assert.equal(oldPacks.size, 1);

      const first = await prune(a, [old.id]);
      assert.equal(first.deletedPacks, 0, 'the first step only condemns');
      assert.equal(first.condemnedPacks, 1);
      assert.ok(first.condemnedBytes > 300_000);
      for (const p of oldPacks) assert.ok((await packNames(a)).has(p));

      // While the kept backup's metadata is only a sync client's placeholder here, nothing is deleted.
      const metaFile = a.vault.paths.meta(kept.id);
      const placeholder = join(a.vault.paths.metaDir, `.${kept.id}.age.icloud`);
      await rename(metaFile, placeholder);
      const held = await reclaimOn(a);
      await rename(placeholder, metaFile);
      assert.equal(held.deletedPacks, 0, JSON.stringify(held));
      assert.ok(
        held.waiting.includes(`backup ${kept.id} is not downloaded here yet`),
        held.waiting.join('\n'),
      );

      const second = await reclaimOn(a);
      assert.equal(second.deletedPacks, 1, JSON.stringify(second));
      assert.ok(second.freedBytes >= first.condemnedBytes);
      assert.deepEqual(second.waiting, []);
      for (const p of oldPacks) assert.ok(!(await packNames(a)).has(p));
      assert.ok(!(await readdir(a.vault.paths.indexDir)).includes(`${[...oldPacks][0]}.age`));
      await restores(a, kept, root);
      const third = await reclaimOn(a);
      assert.equal(third.deletedPacks + third.condemnedPacks + third.pendingPacks, 0);
    },
  );

  test(
    'a backup made before its device saw the collection keeps what it needs; a later one does not reuse the pack',
    TIMEOUT,
    async () => {
      // (Each device checks the other's packs before deleting a pack whose chunks they keep: with the kit.)
      const { root, a, b, sync, exports } = await twoDevices();
      const shared = await newExport(exports, 'Shared chat');
      const onA = await backUp(a, shared);
      const [pack] = await packsOf(a, onA);
      assert.ok(pack);
      await sync();
      // A removes its backup and condemns the pack; before the collection reaches B, B backs up the same
      // export and, seeing the pack and its index, reuses it.
      const condemn = await prune(a, [onA.id], await openingAll(a, root));
      assert.equal(condemn.condemnedPacks, 1);
      // B's export holds the same photo (and a note of its own, so it is not the same export).
      const onB = join(exports, 'b', 'Shared chat');
      await cp(shared, onB, { recursive: true });
      await writeFile(join(onB, 'note.txt'), 'from B');
      const early = await backUp(b, onB);
      const earlyPacks = await packsOf(b, early);
      assert.ok(earlyPacks.has(pack), 'B reused the pack');

      await sync((path) => path.includes('/snapshots/') || path.includes('/meta/'));
      let r = await reclaimOn(a, await openingAll(a, root));
      assert.equal(r.deletedPacks, 0);
      assert.ok(
        r.waiting.some((w) => /desktop has not acknowledged/.test(w)),
        r.waiting.join('\n'),
      );

      // B acknowledges (any backup or prune does); its checkpoint lists its backup, whose snapshot and
      // metadata have still not reached A: A waits for them.
      await reclaimOn(b, await openingAll(b, root));
      await sync((path) => path.includes('/snapshots/') || path.includes('/meta/'));
      r = await reclaimOn(a, await openingAll(a, root));
      assert.equal(r.deletedPacks, 0);
      assert.ok(
        r.waiting.some((w) => w.includes(`backup ${early.id} of desktop has not synced here yet`)),
        r.waiting.join('\n'),
      );

      // B has seen the collection now: a new backup of B holding the same photo stores its chunks again
      // instead of reusing the pack.
      const again = join(exports, 'b2', 'Shared chat');
      await cp(shared, again, { recursive: true });
      await writeFile(join(again, 'note.txt'), 'from B, again');
      const third = await backUp(b, again);
      assert.equal(
        await chunksOnlyIn(b, third, pack),
        0,
        'a backup after the acknowledgement avoids the pack',
      );
      await sync();

      // With everything here, A deletes its pack: what B's early backup needs of it is in the new backup's
      // pack too. B's pack of its note (condemned by A while B's backup had not reached A) holds a chunk
      // that the early backup needs and no other pack holds: it waits for B, which copies the chunk into a
      // new pack at its next prune, and then deletes it.
      assert.equal(earlyPacks.size, 2);
      const [notePack] = [...earlyPacks].filter((p) => p !== pack);
      r = await reclaimOn(a, await openingAll(a, root));
      assert.deepEqual(r.deleted, [pack], JSON.stringify(r));
      assert.ok(
        r.waiting.some((w) => w.includes(`pack ${notePack} holds chunks a kept backup needs`)),
        r.waiting.join('\n'),
      );
      // Were the note pack not on A (a device still downloading the vault), A would not take its index for
      // the rest of an interrupted deletion: the chunk the early backup needs is only in that pack.
      const notePackOnA = a.vault.paths.pack(notePack as string);
      await rename(notePackOnA, `${notePackOnA}.elsewhere`);
      r = await reclaimOn(a, await openingAll(a, root));
      await rename(`${notePackOnA}.elsewhere`, notePackOnA);
      assert.deepEqual(r.deleted, [], JSON.stringify(r));
      await stat(a.vault.paths.index(notePack as string));
      await sync();
      // Damaged, the pack cannot be copied out: it stays, the prune says why and goes on.
      const packFile = b.vault.paths.pack(notePack as string);
      const intact = await readFile(packFile);
      await writeFile(packFile, Buffer.concat([intact.subarray(0, intact.length - 40), randomBytes(40)]));
      r = await reclaimOn(b, await openingAll(b, root));
      assert.deepEqual([r.deleted, r.rescuedPacks], [[], 0], JSON.stringify(r));
      assert.ok(
        r.waiting.some((w) => w.startsWith(`condemned pack ${notePack} could not be copied out:`)),
        r.waiting.join('\n'),
      );
      await writeFile(packFile, intact);
      r = await reclaimOn(b, await openingAll(b, root));
      assert.deepEqual([r.deleted, r.rescuedPacks], [[notePack], 1], JSON.stringify(r));
      await sync();
      assert.deepEqual(await chunkCopies(a), [], 'every chunk is in one pack');
      assert.equal((await reclaimOn(a, await openingAll(a, root))).pendingPacks, 0);
      for (const device of [a, b]) for (const meta of [early, third]) await restores(device, meta, root);
    },
  );

  test('a device silent for longer than the limit is not waited for, and is reported', TIMEOUT, async () => {
    const { a, b, sync, exports } = await twoDevices();
    await backUp(b, await newExport(exports, 'B chat'));
    const old = await backUp(a, await newExport(exports, 'A chat'));
    await sync();
    await prune(a, [old.id]);
    const now = new Date(Date.now() + 100 * DAY);
    const waitingNow = await reclaimOn(a, { now: new Date() });
    assert.ok(waitingNow.waiting.some((w) => /desktop/.test(w)));
    const r = await reclaimOn(a, { now, silentMs: 90 * DAY });
    assert.deepEqual(
      r.silent.map((s) => s.device),
      ['desktop'],
    );
    assert.equal(r.deletedPacks, 1, JSON.stringify(r));
  });

  test(
    'a running backup that has not read the collections holds back the acknowledgement',
    TIMEOUT,
    async () => {
      const { a, exports } = await twoDevices();
      const old = await backUp(a, await newExport(exports, 'Old chat'));
      await backUp(a, await newExport(exports, 'Other chat'));
      const id = '20261207T000000Z-aaaaaaaaaaaa';
      await a.journal.begin(id); // this process: running, has not looked at the collections yet
      await prune(a, [old.id]);
      const { collections } = await readCollections(a.vault, deviceIdentities(a), a.secrets.authKey);
      const [collection] = collections.keys();
      assert.ok(collection);
      const mine = async () =>
        (await readCheckpoints(a.vault, deviceIdentities(a), a.secrets.authKey)).checkpoints.get(
          a.settings.deviceId,
        );
      assert.deepEqual((await mine())?.acked, []);
      assert.equal((await reclaimOn(a)).deletedPacks, 0);
      await a.journal.saw(id, [collection]);
      assert.equal((await reclaimOn(a)).deletedPacks, 1);
      assert.deepEqual((await mine())?.acked, [collection]);
      await a.journal.end(id);
    },
  );

  test('a collection not made with the vault’s keys is refused and deletes nothing', TIMEOUT, async () => {
    const { a, exports } = await twoDevices();
    const kept = await backUp(a, await newExport(exports, 'Kept chat'));
    const [pack] = await packsOf(a, kept);
    assert.ok(pack);
    const recipients = [await recipientOf(a.secrets.indexIdentity)];
    await writeCollection(
      a.vault,
      { id: 'x', name: 'forger' },
      new Date(Date.now() - DAY),
      [pack],
      [],
      randomBytes(32),
      recipients,
    );
    const { collections, problems } = await readCollections(a.vault, deviceIdentities(a), a.secrets.authKey);
    assert.equal(collections.size, 0);
    assert.match(problems[0]?.problem ?? '', /not authentic/);
    for (let i = 0; i < 2; i++) assert.equal((await reclaimOn(a)).deletedPacks, 0);
    assert.ok((await packNames(a)).has(pack));
  });

  test(
    'a pack this device wrote that is mostly unneeded is repacked: what is needed moves, the rest is freed',
    TIMEOUT,
    async () => {
      const { root, a, exports } = await twoDevices();
      const first = join(exports, 'Photos');
      await mkdir(first);
      const keptPhoto = randomBytes(200_000);
      await writeFile(join(first, 'kept.jpg'), keptPhoto);
      await writeFile(join(first, 'gone.jpg'), randomBytes(600_000));
      const old = await backUp(a, first);
      const [oldPack] = await packsOf(a, old);
      assert.ok(oldPack);
      const second = join(exports, 'Photos later');
      await mkdir(second);
      await writeFile(join(second, 'kept.jpg'), keptPhoto);
      await writeFile(join(second, 'photo.jpg'), randomBytes(10_000));
      const later = await backUp(a, second);
      assert.ok((await packsOf(a, later)).has(oldPack), 'the later backup uses the first pack');

      const r = await prune(a, [old.id]);
      assert.equal(r.repackedPacks, 1, JSON.stringify(r));
      assert.equal(
        await chunksOnlyIn(a, later, oldPack),
        0,
        'what the kept backup needs is in a new pack too',
      );
      const again = await reclaimOn(a);
      assert.deepEqual(again.deleted, [oldPack]);
      assert.ok(again.freedBytes > 600_000);
      const to = join(root, 'restored');
      await restoreFromVault({
        vault: a.vault,
        meta: later,
        identities: deviceIdentities(a),
        authKey: a.secrets.authKey,
        to,
      });
      assert.deepEqual(await readFile(join(to, 'Photos later', 'kept.jpg')), keptPhoto);
    },
  );

  test(
    'two devices that stored the same new chunks at once: one copy is reclaimed, both backups restore',
    TIMEOUT,
    async () => {
      const { root, a, b, sync, exports } = await twoDevices();
      const shared = await newExport(exports, 'Shared chat');
      const onB = join(exports, 'b', 'Shared chat');
      await cp(shared, onB, { recursive: true });
      const fromA = await backUp(a, shared);
      const fromB = await backUp(b, onB); // before A's pack reached B: B stores the same chunks
      await sync();
      assert.equal((await packNames(a)).size, 2);
      // Either pack may be the older (both made in one second): each device checks the other's with the kit.
      const first = await reclaimOn(a, await openingAll(a, root));
      assert.equal(first.condemnedPacks, 1, JSON.stringify(first));
      await sync();
      const onDeviceB = await reclaimOn(b, await openingAll(b, root)); // B acknowledges, and may delete at once
      await sync();
      const second = await reclaimOn(a, await openingAll(a, root));
      assert.equal(onDeviceB.deletedPacks + second.deletedPacks, 1, JSON.stringify([onDeviceB, second]));
      await sync();
      assert.equal((await packNames(b)).size, 1);
      await restores(a, fromB, root);
      await restores(b, fromA, root);
    },
  );

  test(
    'a device that cannot read its own checkpoint or a backup’s metadata here still lists the backup',
    TIMEOUT,
    async () => {
      const { a, exports } = await twoDevices();
      const mine = await backUp(a, await newExport(exports, 'Chat'));
      const request = async () => ({
        vault: a.vault,
        device: { id: a.settings.deviceId, name: a.settings.deviceName },
        journal: a.journal,
        identities: deviceIdentities(a),
        authKey: a.secrets.authKey,
        recipients: await recordRecipients(a),
        seen: new Set<string>(),
        known: [],
        dryRun: true,
      });
      assert.deepEqual((await acknowledge(await request())).backups, [mine.id]);
      // Both evicted by the sync client (placeholders): the backup is still listed as this device's.
      const placeholder = async (dir: string, name: string) =>
        rename(join(dir, `${name}.age`), join(dir, `.${name}.age.icloud`));
      await placeholder(a.vault.paths.metaDir, mine.id);
      await placeholder(a.vault.paths.devicesDir, checkpointName(a.secrets.authKey, a.settings.deviceId));
      assert.deepEqual((await acknowledge(await request())).backups, [mine.id]);
    },
  );

  test(
    'an own pack that cannot be repacked keeps the other packs holding copies of what it keeps',
    TIMEOUT,
    async () => {
      // (This device's run is what is tested: another device, not knowing the pack is damaged, may still
      // condemn the copy as a duplicate; see the README.)
      const { a, first, older, newer } = await copiesOfAnOlderPack();
      // The older pack is damaged here: its repack fails, and the newer may hold the only whole copy.
      const path = a.vault.paths.pack(older);
      const bytes = await readFile(path);
      flip(bytes, Math.floor(bytes.length / 2));
      await writeFile(path, bytes);
      const r = await prune(a, [first.id]);
      assert.ok(
        r.waiting.some((w) => w.startsWith(`pack ${older} could not be repacked`)),
        r.waiting.join('\n'),
      );
      const { collections } = await readCollections(a.vault, deviceIdentities(a), a.secrets.authKey);
      assert.ok(
        ![...collections.values()].some((c) => c.condemned.includes(newer)),
        'the copy is not condemned',
      );
      assert.equal(r.condemnedPacks, 0);
    },
  );

  test(
    'a pack holding only copies is not condemned while the pack that keeps them is damaged',
    TIMEOUT,
    async () => {
      const { root, b, older, newer } = await copiesOfAnOlderPack();
      // Damaged in B's folder: B, which did not write it, must not drop the only whole copies.
      const withKit = await openingAll(b, root);
      const path = b.vault.paths.pack(older);
      const whole = await readFile(path);
      const bytes = Buffer.from(whole);
      flip(bytes, Math.floor(bytes.length / 2));
      await writeFile(path, bytes);
      const r = await reclaimOn(b, withKit);
      assert.ok(
        r.waiting.some((w) =>
          w.startsWith(`pack ${newer} is kept: it holds copies of chunks that pack ${older} keeps`),
        ),
        r.waiting.join('\n'),
      );
      assert.equal(r.condemnedPacks, 0);
      const condemnedNow = async () =>
        [
          ...(await readCollections(b.vault, deviceIdentities(b), b.secrets.authKey)).collections.values(),
        ].some((c) => c.condemned.includes(newer));
      assert.equal(await condemnedNow(), false);
      // Whole again: the copies are condemned as duplicates.
      await writeFile(path, whole);
      assert.equal((await reclaimOn(b, withKit)).condemnedPacks, 1);
      assert.equal(await condemnedNow(), true);
    },
  );

  test(
    'a condemned pack of copies is not deleted while the pack that keeps them has been damaged since',
    TIMEOUT,
    async () => {
      const { root, a, b, sync, older, newer } = await copiesOfAnOlderPack();
      assert.equal((await reclaimOn(b, await openingAll(b, root))).condemnedPacks, 1);
      await sync();
      // A deletes condemned packs once every device has acknowledged; its keeper was whole at the
      // condemnation, and is damaged now.
      const path = a.vault.paths.pack(older);
      const whole = await readFile(path);
      const bytes = Buffer.from(whole);
      flip(bytes, Math.floor(bytes.length / 2));
      await writeFile(path, bytes);
      const r = await reclaimOn(a, await openingAll(a, root));
      assert.deepEqual(r.deleted, []);
      assert.ok(
        r.waiting.some((w) =>
          w.startsWith(
            `condemned pack ${newer} is not deleted: it holds copies of chunks that pack ${older} keeps`,
          ),
        ),
        r.waiting.join('\n'),
      );
      assert.ok((await packNames(a)).has(newer));
      // Whole again: the copies go.
      await writeFile(path, whole);
      assert.deepEqual((await reclaimOn(a, await openingAll(a, root))).deleted, [newer]);
    },
  );

  test(
    'a condemned pack of copies not here yet keeps its index while the pack that keeps them is damaged',
    TIMEOUT,
    async () => {
      const { root, a, b, sync, older, newer } = await copiesOfAnOlderPack();
      assert.equal((await reclaimOn(b, await openingAll(b, root))).condemnedPacks, 1);
      await sync();
      const { backups } = await a.vault.list(deviceIdentities(a), a.secrets.authKey);
      const two = backups.find((m) => m.exportName === 'Two');
      assert.ok(two);
      // The keeper is damaged on A since the condemnation; the pack of copies has not reached A yet (its
      // index has). Its index must stay: without it no reader would use the only whole copies.
      const path = a.vault.paths.pack(older);
      const bytes = Buffer.from(await readFile(path));
      flip(bytes, Math.floor(bytes.length / 2));
      await writeFile(path, bytes);
      const newerOnA = a.vault.paths.pack(newer);
      await rename(newerOnA, `${newerOnA}.elsewhere`);
      const r = await reclaimOn(a, await openingAll(a, root));
      await rename(`${newerOnA}.elsewhere`, newerOnA); // it arrives
      assert.deepEqual(r.deleted, [], `deleted the index of the only whole copies: ${JSON.stringify(r)}`);
      assert.ok(
        r.waiting.some((w) => w.startsWith(`condemned pack ${newer} is not deleted`)),
        r.waiting.join('\n'),
      );
      // Two (B's backup: the page and the shared photo) restores on A only from the pack of copies.
      await restoreFromVault({
        vault: a.vault,
        meta: two,
        identities: deviceIdentities(a, await readRecoveryKit(join(root, 'kit.txt'))),
        authKey: a.secrets.authKey,
        to: join(root, 'restored-two'),
      });
    },
  );

  test(
    'an index two collections condemned, whose pack is gone, counts as one deletion',
    TIMEOUT,
    async () => {
      const { a, b, sync, exports } = await twoDevices();
      const old = await backUp(a, await newExport(exports, 'Old chat'));
      await backUp(a, await newExport(exports, 'Kept chat'));
      const [x] = [...(await packsOf(a, old))];
      assert.ok(x);
      await sync();
      // A removes the backup and condemns its pack; before A's collection reaches B, B condemns it too.
      assert.equal((await prune(a, [old.id])).condemnedPacks, 1);
      await sync((path) => path.includes('/collections/'));
      assert.equal((await reclaimOn(b)).condemnedPacks, 1);
      await sync();
      // B acknowledges A's collection in a run that deletes nothing (a backup's metadata is a placeholder).
      const placeholder = join(b.vault.paths.metaDir, `.${old.id}.age.icloud`);
      await writeFile(placeholder, '');
      assert.equal((await reclaimOn(b)).deletedPacks, 0);
      await rm(placeholder);
      await sync();
      // The rest of an interrupted deletion on A: the pack is gone, its index is left.
      await rm(a.vault.paths.pack(x));
      const r = await reclaimOn(a);
      assert.deepEqual(r.deleted, [x], JSON.stringify(r));
      assert.equal(r.deletedPacks, 1);
    },
  );

  test(
    'a keeper whose age header is damaged (no key matches any more) keeps its copies, as one for other keys',
    TIMEOUT,
    async () => {
      const { root, a, b, newer, older } = await copiesOfAnOlderPack();
      const withKit = await openingAll(b, root);
      const path = b.vault.paths.pack(older);
      const whole = await readFile(path);
      await decryptBuffer(whole, withKit.identities); // B opens the keeper while it is whole
      // One bit flipped in the body of the stanza B's keys open: the header opens for nobody any more (B: no
      // key matches; A: the header's MAC fails). It looks like a pack for other keys, but it is damaged.
      const text = whole.subarray(0, whole.indexOf('\n---')).toString('latin1');
      let damaged: Buffer | undefined;
      for (
        let line = text.indexOf('\n-> ') + 1;
        line > 0 && !damaged;
        line = text.indexOf('\n-> ', line) + 1
      ) {
        const body = text.indexOf('\n', line) + 1;
        for (let at = body + 5; at < body + 30; at++) {
          if (!/[A-Za-z0-9+/]/.test(String.fromCharCode((whole[at] ?? 0) ^ 1))) continue;
          const bytes = Buffer.from(whole);
          bytes[at] = (bytes[at] ?? 0) ^ 1;
          const err = await decryptBuffer(bytes, withKit.identities).then(
            () => null,
            (e: Error) => e,
          );
          if (err instanceof NoIdentityMatchedError) damaged = bytes;
          break;
        }
      }
      assert.ok(damaged, 'a one-bit flip in a stanza after which no key matches');
      await assert.rejects(decryptBuffer(damaged, (await openingAll(a, root)).identities));
      await writeFile(path, damaged);
      const r = await reclaimOn(b, withKit);
      assert.equal(r.condemnedPacks, 0, `condemned the only readable copy: ${r.waiting.join('; ')}`);
      assert.ok(
        r.waiting.some(
          (w) => w.startsWith(`pack ${newer} is kept`) && w.includes('no key of this device opens'),
        ),
        r.waiting.join('\n'),
      );
    },
  );

  test(
    'a chunk in two packs, the first only a placeholder here: the restore reads it from the other',
    TIMEOUT,
    async () => {
      const { root, a, fromA, older } = await oneExportInTwoPacks();
      const dir = a.vault.paths.packsDir;
      await rename(join(dir, `${older}.age`), join(dir, `.${older}.age.icloud`));
      await restores(a, fromA, root);
    },
  );

  test(
    'a chunk in two packs, the first damaged: the restore reads around it and says so; verify names it',
    TIMEOUT,
    async () => {
      const { root, a, shared, fromA, older } = await oneExportInTwoPacks();
      const path = join(a.vault.paths.packsDir, `${older}.age`);
      const bytes = await readFile(path);
      flip(bytes, Math.floor(bytes.length / 2));
      await writeFile(path, bytes);
      const kit = await readRecoveryKit(join(root, 'kit.txt'));
      const to = join(root, 'restored');
      const result = await restoreFromVault({
        vault: a.vault,
        meta: fromA,
        identities: deviceIdentities(a, kit),
        authKey: a.secrets.authKey,
        to,
      });
      const restored = await files(join(to, fromA.exportName));
      const original = await files(shared);
      assert.deepEqual([...restored.keys()].sort(), [...original.keys()].sort());
      for (const [name, at] of original)
        assert.ok((await readFile(at)).equals(await readFile(restored.get(name) as string)), name);
      assert.match(result.warning ?? '', new RegExp(`^Pack ${older} is damaged.*restored from other packs`));
      // Verification does not read around it: the damage is reported, so that it can be dealt with.
      const verified = await verifyBackup(a, fromA.id, kit);
      assert.equal(verified.kind, 'failed');
      assert.match(
        verified.kind === 'failed' ? verified.problem : '',
        new RegExp(`Pack ${older} is damaged`),
      );
    },
  );

  test(
    'copies stored at once beside chunks of their own: the older pack keeps them, the newer one is repacked',
    TIMEOUT,
    async () => {
      const { root, a, b, sync, exports } = await twoDevices();
      // Both exports hold the same new photo, and each a smaller photo of its own: neither pack holds only
      // copies.
      const photo = randomBytes(600_000);
      const fromA = await backUp(a, await newExport(exports, 'Chat on A', 100_000, photo));
      // Before A's pack reached B.
      const fromB = await backUp(b, await newExport(exports, 'Chat on B', 100_000, photo));
      // Pack ids begin with the second they were made in: within one, either may be the older.
      const [older, newer] = byPackAge(await withPack(a, fromA), await withPack(b, fromB));
      await sync();
      // The older pack keeps the photo: its device has nothing to do. The newer holds mostly a copy: its
      // device repacks its own chunks.
      const onOlder = await reclaimOn(older.device, await openingAll(older.device, root));
      assert.equal(onOlder.condemnedPacks + onOlder.repackedPacks, 0, JSON.stringify(onOlder));
      const onNewer = await reclaimOn(newer.device, await openingAll(newer.device, root));
      assert.equal(onNewer.repackedPacks, 1, JSON.stringify(onNewer));
      assert.equal(
        await chunksOnlyIn(newer.device, newer.meta, newer.pack),
        0,
        'what only the newer pack held is in a new pack too',
      );
      await sync();
      const ack = await reclaimOn(older.device, await openingAll(older.device, root)); // acknowledges the collection, and may delete at once
      await sync();
      const last = await reclaimOn(newer.device, await openingAll(newer.device, root));
      assert.deepEqual([...ack.deleted, ...last.deleted], [newer.pack]);
      await sync();
      assert.deepEqual(await chunkCopies(a), [], 'every chunk is in one pack');
      for (const device of [a, b]) for (const meta of [fromA, fromB]) await restores(device, meta, root);
    },
  );

  test(
    'two devices condemning at once packs that hold the same needed chunk: the older pack’s copy moves',
    TIMEOUT,
    async () => {
      const { root, a, b, sync, exports } = await twoDevices();
      const photo = randomBytes(200_000);
      // Each device stores the photo beside a large photo of its own (before the other's pack arrived),
      // then a later export that needs only the photo; then each removes its first backup, at the same
      // time: each condemns its old pack, which holds the photo the later backups need. The device whose
      // pack is the older (and keeps the photo) repacks it; the other's holds only a copy of it besides
      // what is unneeded.
      const oldA = await backUp(a, await newExport(exports, 'Chat A', 600_000, photo));
      const oldB = await backUp(b, await newExport(exports, 'Chat B', 600_000, photo));
      const [older, newer] = byPackAge(await withPack(a, oldA), await withPack(b, oldB));
      await sync();
      const laterA = await backUp(a, await newExport(exports, 'Chat A later', 1_000, photo));
      const laterB = await backUp(b, await newExport(exports, 'Chat B later', 1_000, photo));
      await sync();
      const onOlder = await prune(older.device, [older.meta.id], await openingAll(older.device, root));
      const onNewer = await prune(newer.device, [newer.meta.id], await openingAll(newer.device, root));
      assert.deepEqual(
        [onOlder.repackedPacks, onOlder.condemnedPacks, onNewer.repackedPacks, onNewer.condemnedPacks],
        [1, 1, 0, 1],
        JSON.stringify([onOlder, onNewer]),
      );
      for (let turn = 0; turn < 3; turn++)
        for (const device of [a, b]) {
          await sync();
          await reclaimOn(device, await openingAll(device, root));
        }
      await sync();
      const left = await packNames(a);
      assert.ok(!left.has(older.pack) && !left.has(newer.pack), 'both old packs are deleted');
      assert.deepEqual(await chunkCopies(a), [], 'every chunk is in one pack');
      for (const device of [a, b]) for (const meta of [laterA, laterB]) await restores(device, meta, root);
    },
  );

  test(
    'a device that comes back after months: a backup it made while away on a reclaimed pack is stored again',
    TIMEOUT,
    async () => {
      const { root, a, b, sync, exports } = await twoDevices();
      const shared = await newExport(exports, 'Shared chat');
      const onA = await backUp(a, shared);
      const [pack] = await packsOf(a, onA);
      assert.ok(pack);
      const fromB = await backUp(b, await newExport(exports, 'B chat'));
      await sync();
      // B goes away (its folder no longer syncs). A removes its backup; months later, with B still silent,
      // A reclaims the pack without waiting for B, and says so.
      await prune(a, [onA.id]);
      assert.equal((await reclaimOn(a)).deletedPacks, 0, 'B is waited for while it is not silent for long');
      const months = new Date(Date.now() + 120 * DAY);
      const r = await reclaimOn(a, { now: months, silentMs: 90 * DAY });
      assert.deepEqual(
        r.silent.map((s) => s.device),
        ['desktop'],
      );
      assert.deepEqual(r.deleted, [pack]);
      // Away, B backed up an export from its watch folder holding the same photo: it reused the pack.
      const awayPath = join(root, 'watch-b', 'Shared chat');
      await cp(shared, awayPath, { recursive: true });
      await writeFile(join(awayPath, 'note.txt'), 'written while away');
      const away = await backUp(b, awayPath);
      assert.ok((await packsOf(b, away)).has(pack));
      // B comes back: the sync brings the collection and the deletion; B finds the backup it cannot keep,
      // removes it, and stores the export again; everything else restores.
      await sync();
      // While a newer export is under its name, the backup is only reported: it is not removed.
      const note = join(awayPath, 'note.txt');
      const noted = await stat(note);
      await writeFile(note, 'a newer export');
      const newer = await reclaimOn(b, { now: months, watchDir: join(root, 'watch-b') });
      assert.deepEqual(newer.lost, [{ id: away.id, exportName: 'Shared chat', backUpAgain: false }]);
      const listed = await b.vault.list(deviceIdentities(b), b.secrets.authKey);
      assert.ok(listed.backups.some((m) => m.id === away.id));
      await writeFile(note, 'written while away');
      await utimes(note, noted.atime, noted.mtime);
      const back = await reclaimOn(b, { now: months, watchDir: join(root, 'watch-b') });
      assert.deepEqual(back.lost, [{ id: away.id, exportName: 'Shared chat', backUpAgain: true }]);
      const { backups } = await b.vault.list(deviceIdentities(b), b.secrets.authKey);
      assert.ok(!backups.some((m) => m.id === away.id));
      const again = await backUp(b, awayPath);
      await restores(b, again, root);
      await restores(b, fromB, root);
      await sync();
      await restores(a, fromB, root);
      // Back again (its checkpoint is new), B is waited for once more.
      await reclaimOn(b, { now: months });
      await sync();
      const after = await reclaimOn(a, { now: months, silentMs: 90 * DAY });
      assert.deepEqual(after.silent, []);
    },
  );

  test(
    'a device whose checkpoint is here but cannot be read (a placeholder, cut short) is waited for',
    TIMEOUT,
    async () => {
      const { root, a, b, sync, exports } = await twoDevices();
      const x = await newExport(exports, 'Chat X');
      const onA = await backUp(a, x);
      const [pack] = await packsOf(a, onA);
      assert.ok(pack);
      await sync();
      // A removes its backup and condemns the pack; B has not seen the collection when it backs up the same
      // content, so its backup uses the pack; none of B's new files has reached A yet.
      await prune(a, [onA.id]);
      const late = (path: string) => /^Puddleproof\/(collections|devices)\//.test(path);
      await sync(late);
      const copy = join(root, 'watch-b', 'Chat X');
      await cp(x, copy, { recursive: true, preserveTimestamps: true });
      const onB = await backUp(b, copy);
      assert.ok((await packsOf(b, onB)).has(pack), 'B reuses the condemned pack');
      await sync((path) => late(path) || path.includes(onB.id));

      const dir = a.vault.paths.devicesDir;
      const name = `${checkpointName(a.secrets.authKey, b.settings.deviceId)}.age`;
      const whole = await readFile(join(dir, name));
      await rename(join(dir, name), join(dir, `.${name}.icloud`));
      const placeholder = await reclaimOn(a);
      assert.deepEqual(placeholder.deleted, []);
      assert.ok(
        placeholder.waiting.some((w) => w.includes(name.slice(0, -4)) && /not downloaded here yet/.test(w)),
        placeholder.waiting.join('\n'),
      );
      await rm(join(dir, `.${name}.icloud`));
      await writeFile(join(dir, name), whole.subarray(0, 100));
      const cut = await reclaimOn(a);
      assert.deepEqual(cut.deleted, []);
      assert.ok(
        cut.waiting.some((w) => /checkpoint .* cannot be read here/.test(w)),
        cut.waiting.join('\n'),
      );
      // Past the silence limit, such a device is not waited for any more, and is reported as silent.
      const months = await reclaimOn(a, {
        now: new Date(Date.now() + 100 * DAY),
        silentMs: 90 * DAY,
        dryRun: true,
      });
      assert.ok(
        months.silent.some((d) => d.device.includes(name.slice(0, -4))),
        JSON.stringify(months.silent),
      );

      await writeFile(join(dir, name), whole);
      await sync();
      const listed = await a.vault.list(deviceIdentities(a), a.secrets.authKey);
      const arrived = listed.backups.find((m) => m.id === onB.id);
      assert.ok(arrived, "B's backup reached A");
      await restores(a, arrived, root);
      assert.equal((await reclaimOn(a)).deletedPacks, 0, 'B still uses the pack');
      await restores(a, arrived, root);
    },
  );

  test(
    'an own pack due for repacking that cannot be read here stays; the rest of the run goes on',
    TIMEOUT,
    async () => {
      for (const kind of ['placeholder', 'damaged'] as const) {
        const { root, a, exports } = await twoDevices();
        const x = await newExport(exports, 'Chat X', 1_000_000);
        await writeFile(join(x, 'notes.txt'), 'Kept in every version.\n');
        const first = await backUp(a, x);
        const { pack } = await withPack(a, first);
        await writeFile(join(x, 'photo.jpg'), randomBytes(1_000_000));
        const second = await backUp(a, x);
        const other = await backUp(a, await newExport(exports, 'Chat Z'));
        const { pack: otherPack } = await withPack(a, other);
        // The first version's pack keeps only the notes (repacked); the other chat's keeps nothing.
        const path = a.vault.paths.pack(pack);
        const whole = await readFile(path);
        if (kind === 'placeholder') await rename(path, join(a.vault.paths.packsDir, `.${pack}.age.icloud`));
        else await writeFile(path, randomBytes(whole.length));
        const r = await prune(a, [first.id, other.id]);
        assert.ok(
          r.waiting.some((w) => w.startsWith(`pack ${pack} could not be repacked`)),
          r.waiting.join('\n'),
        );
        assert.equal(r.repackedPacks, 0);
        assert.equal(r.condemnedPacks, 1, 'the unused pack is condemned all the same');
        const { collections } = await readCollections(a.vault, deviceIdentities(a), a.secrets.authKey);
        assert.deepEqual(
          [...collections.values()].flatMap((c) => c.condemned),
          [otherPack],
        );
        // Once the pack is back, the next run repacks it.
        await rm(join(a.vault.paths.packsDir, `.${pack}.age.icloud`), { force: true });
        await writeFile(path, whole);
        const again = await reclaimOn(a);
        assert.equal(again.repackedPacks, 1, kind);
        await restores(a, second, root);
      }
    },
  );
});

/** Flips the bits of byte `at` of `bytes`. */
function flip(bytes: Buffer, at: number): void {
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
}
