// Vault format 2 end to end on real files, a real keychain and real age keys: successive exports of one
// chat, with every kind of change a phone makes, cost what is new in them and restore byte for byte; a
// forged, swapped, foreign or damaged object is refused and named; format-1 backups keep working beside.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { crc32 } from 'node:zlib';
import { decryptBuffer, encryptBuffer } from '../../../src/core/age/buffer.js';
import { type BackupOutcome, backupExport } from '../../../src/core/backup/backup.js';
import { ChunkStore, chunkIdOf, IndexCache } from '../../../src/core/dedup/chunk-store.js';
import { packTar, readPackTar } from '../../../src/core/dedup/pack.js';
import { encodeIndex } from '../../../src/core/dedup/pack-index.js';
import { backupContextOf, type Device, deviceIdentities, initVault } from '../../../src/core/device.js';
import { deleteVaultSecrets, recipientOf } from '../../../src/core/keys/vault-secrets.js';
import { RestoreError } from '../../../src/core/restore/restore.js';
import { restoreFromVault } from '../../../src/core/restore/restore-from-vault.js';
import { readSnapshot, readSnapshotFiles } from '../../../src/core/restore/snapshot-restore.js';
import { verifyBackup } from '../../../src/core/restore/verify.js';
import { newBackupId } from '../../../src/core/vault/layout.js';
import type { BackupMetadata, Format2Metadata } from '../../../src/core/vault/metadata.js';
import { distinctContentBytes, type SeriesVersion, writeExportSeries } from '../../helpers/export-series.js';
import { assertSameTree, makeTrickyExport } from '../../helpers/export-tree.js';
import { storedZip } from '../../helpers/zip.js';

const TIMEOUT = { timeout: 120_000 };
const roots: string[] = [];
const devices: Device[] = [];

after(async () => {
  for (const device of devices) await deleteVaultSecrets(device.store).catch(() => undefined);
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

/** A new vault on a temporary cloud folder, with this device's profile in the real keychain. */
async function newWorld(): Promise<{ root: string; device: Device }> {
  const root = await mkdtemp(join(tmpdir(), 'puddleproof-format2-'));
  roots.push(root);
  await mkdir(join(root, 'cloud'));
  await mkdir(join(root, 'watch'));
  const device = await initVault({
    home: join(root, 'home'),
    watchDir: join(root, 'watch'),
    cloudDir: join(root, 'cloud'),
    kitPath: join(root, 'kit.txt'),
    deviceName: 'test device',
  });
  devices.push(device);
  return { root, device };
}

/** Backs up `path` in `format` (default 2) against the vault's current list; returns what was stored. */
async function backUp(device: Device, path: string, format: 1 | 2 = 2): Promise<BackupMetadata> {
  const { backups } = await device.vault.list(deviceIdentities(device), device.secrets.authKey);
  const outcome: BackupOutcome = await backupExport(
    { ...backupContextOf(device, device.vault), format },
    path,
    backups,
  );
  assert.equal(outcome.status, 'stored');
  return (outcome as Extract<BackupOutcome, { status: 'stored' }>).meta;
}

async function restore(device: Device, meta: BackupMetadata, to: string) {
  return restoreFromVault({
    vault: device.vault,
    meta,
    identities: deviceIdentities(device),
    authKey: device.secrets.authKey,
    to,
  });
}

/** Bytes of every file under `dir`. */
async function folderBytes(dir: string): Promise<number> {
  let sum = 0;
  for (const name of await readdir(dir, { recursive: true })) {
    const info = await stat(join(dir, name));
    if (info.isFile()) sum += info.size;
  }
  return sum;
}

/** The cloud folder's format-2 objects' bytes. */
async function format2Bytes(device: Device): Promise<number> {
  const p = device.vault.paths;
  let sum = 0;
  for (const dir of [p.packsDir, p.indexDir, p.snapshotsDir, p.metaDir]) sum += await folderBytes(dir);
  return sum;
}

for (const fixedTimes of [true, false]) {
  describe(`a growing WhatsApp chat, ${fixedTimes ? 'member times kept' : 'every export writing its own member times'}, media renumbered and reordered`, () => {
    let root: string;
    let device: Device;
    let series: SeriesVersion[];
    const stored: BackupMetadata[] = [];

    before(async () => {
      ({ root, device } = await newWorld());
      series = await writeExportSeries(join(root, 'series'), {
        versions: 4,
        firstBytes: 12_000_000,
        lastBytes: 15_000_000,
        seed: fixedTimes ? 5 : 6,
        fixedTimes,
        mediaWindow: 30,
      });
      for (const v of series) stored.push(await backUp(device, v.path));
    });

    test('every version restores byte for byte', TIMEOUT, async () => {
      for (const [i, v] of series.entries()) {
        const to = join(root, `restored-${i}`);
        const result = await restore(device, stored[i] as BackupMetadata, to);
        assert.equal(result.files, 1);
        const restored = await readFile(join(to, stored[i]?.exportName ?? ''));
        assert.ok(restored.equals(await readFile(v.path)), `version ${i + 1} differs`);
      }
    });

    test('the cloud folder holds little more than the distinct content', TIMEOUT, async () => {
      const distinct = distinctContentBytes(series);
      const cloud = await format2Bytes(device);
      const whole = series.reduce((sum, v) => sum + v.bytes, 0);
      assert.ok(
        cloud <= 1.15 * distinct,
        `cloud ${cloud} B > 1.15 × distinct ${distinct} B (exports ${whole} B)`,
      );
      // Each later version uploads about what is new in it: its new media and the text.
      for (const [i, meta] of stored.entries()) {
        if (i === 0 || meta.format !== 2) continue;
        assert.ok(
          meta.uploadedBytes < 0.4 * meta.bytes,
          `version ${i + 1} uploaded ${meta.uploadedBytes} of ${meta.bytes}`,
        );
      }
    });
  });
}

describe('a Telegram folder export that grows', () => {
  let root: string;
  let device: Device;
  let first: BackupMetadata;
  let second: BackupMetadata;
  let v1: string;
  let v2: string;

  before(async () => {
    ({ root, device } = await newWorld());
    v1 = await makeTrickyExport(join(root, 'v1'));
    v2 = join(root, 'v2', 'ChatExport_2026-11-26');
    await cp(v1, v2, { recursive: true, preserveTimestamps: true });
    await writeFile(join(v2, 'messages.html'), `${'<p>a new message</p>\n'.repeat(5000)}`);
    await writeFile(join(v2, 'photos', 'new.jpg'), Buffer.alloc(500_000, 7));
    first = await backUp(device, v1);
    second = await backUp(device, v2);
  });

  test('both versions restore with names, modes and times', TIMEOUT, async () => {
    await restore(device, first, join(root, 'r1'));
    await assertSameTree(join(root, 'r1', 'ChatExport_2026-11-26'), v1);
    await restore(device, second, join(root, 'r2'));
    await assertSameTree(join(root, 'r2', 'ChatExport_2026-11-26'), v2);
  });

  test('the second version uploads only its new files (compressed) and its lists', TIMEOUT, async () => {
    assert.equal(second.format, 2);
    if (second.format !== 2) return;
    // The new photo compresses to almost nothing; the new text too; the rest is known.
    assert.ok(second.uploadedBytes < 200_000, `uploaded ${second.uploadedBytes}`);
  });
});

describe('chunks are shared across chats', () => {
  test('a media file in two chats is stored once', TIMEOUT, async () => {
    const { root, device } = await newWorld();
    const media = Buffer.from(
      await encryptBuffer(Buffer.alloc(3_000_000, 1), [
        'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p',
      ]),
    );
    for (const chat of ['Alice', 'Bob']) {
      const dir = join(root, chat, `ChatExport_${chat}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'messages.html'), `<p>${chat}</p>`);
      await writeFile(join(dir, 'video.mp4'), media);
    }
    const alice = await backUp(device, join(root, 'Alice', 'ChatExport_Alice'));
    const bob = await backUp(device, join(root, 'Bob', 'ChatExport_Bob'));
    assert.ok(alice.format === 2 && bob.format === 2);
    if (alice.format !== 2 || bob.format !== 2) return;
    assert.ok(alice.uploadedBytes > media.length, 'the first chat uploads the video');
    assert.ok(bob.uploadedBytes < 100_000, `the second chat uploads ${bob.uploadedBytes} B`);
  });
});

/** `data` with the 4 bytes at `at` changed so that its CRC-32 is `target` (CRC-32 is affine in the data). */
function withCrc(data: Buffer, at: number, target: number): Buffer {
  const base = crc32(data);
  const flip = (b: Buffer, bit: number) => {
    const i = at + (bit >> 3);
    b[i] = (b[i] ?? 0) ^ (1 << (bit & 7));
  };
  const reduce = (v: number, bits: number, basis: { v: number; bits: number }[]) => {
    for (const row of basis)
      if ((v ^ row.v) >>> 0 < v) {
        v = (v ^ row.v) >>> 0;
        bits = (bits ^ row.bits) >>> 0;
      }
    return { v, bits };
  };
  // What flipping each of the 32 bits does to the CRC, as a basis sorted by leading bit.
  const basis: { v: number; bits: number }[] = [];
  for (let bit = 0; bit < 32; bit++) {
    const flipped = Buffer.from(data);
    flip(flipped, bit);
    const row = reduce((crc32(flipped) ^ base) >>> 0, 2 ** bit, basis);
    if (row.v) basis.push(row);
    basis.sort((x, y) => y.v - x.v);
  }
  const { v, bits } = reduce((base ^ target) >>> 0, 0, basis);
  assert.equal(v, 0, 'some bits give the CRC');
  const out = Buffer.from(data);
  for (let bit = 0; bit < 32; bit++) if ((bits >>> bit) & 1) flip(out, bit);
  assert.equal(crc32(out), target);
  return out;
}

describe('the member cache trusts no record of the zip', () => {
  // Two exports of one zip name: the second's photo differs from the first's outside the samples the
  // member cache looks at, under the same CRC and sizes in the zip's records.
  const photo = randomBytes(64 * 1024);
  const exportsOf = async (root: string, photos: Buffer[], damageLast: boolean) => {
    const paths: string[] = [];
    for (const [n, p] of photos.entries()) {
      const dir = join(root, `export-${n}`);
      await mkdir(dir);
      const zip = storedZip([
        ['photo.jpg', p],
        ['_chat.txt', Buffer.from(`version ${n}\n`)],
      ]);
      // One bit of the photo's stored data flips on disk after the zip was written: its CRC stays.
      const at = 30 + 'photo.jpg'.length + 15_000;
      if (damageLast && n === photos.length - 1) zip[at] = (zip[at] ?? 0) ^ 1;
      await writeFile(join(dir, 'Export.zip'), zip);
      // Exported a minute apart (the same time would make the second the same export as the first).
      const when = new Date(Date.UTC(2026, 11, 1, 12, n));
      await utimes(join(dir, 'Export.zip'), when, when);
      paths.push(join(dir, 'Export.zip'));
    }
    return paths;
  };
  const backUpAndRestore = async (photos: Buffer[], damageLast = false) => {
    const { root, device } = await newWorld();
    const paths = await exportsOf(root, photos, damageLast);
    const metas: BackupMetadata[] = [];
    for (const path of paths) metas.push(await backUp(device, path));
    for (const [n, meta] of metas.entries()) {
      const to = join(root, `restored-${n}`);
      await restore(device, meta, to);
      assert.ok(
        (await readFile(join(to, 'Export.zip'))).equals(await readFile(paths[n] as string)),
        `version ${n + 1} restores byte for byte`,
      );
    }
    return metas;
  };

  test('a member made to match another’s CRC, sizes and samples is stored as it is', TIMEOUT, async () => {
    const changed = Buffer.from(photo);
    changed.write('not the same photo', 10_000);
    const forged = withCrc(changed, 20_000, crc32(photo));
    await backUpAndRestore([photo, forged]);
  });

  test('a member damaged on disk (its CRC not updated) is stored as it is', TIMEOUT, async () => {
    await backUpAndRestore([photo, photo], true);
  });

  test('a member that is the same is not stored again', TIMEOUT, async () => {
    const [, again] = await backUpAndRestore([photo, photo]);
    assert.ok(again?.format === 2 && again.uploadedBytes < photo.length, 'the photo is not uploaded again');
  });
});

describe('authenticity and damage', () => {
  let root: string;
  let device: Device;
  let series: SeriesVersion[];
  const stored: BackupMetadata[] = [];

  before(async () => {
    ({ root, device } = await newWorld());
    series = await writeExportSeries(join(root, 'series'), {
      versions: 3,
      firstBytes: 10_000_000,
      lastBytes: 12_000_000,
      seed: 9,
      fixedTimes: false,
      mediaWindow: 20,
    });
    for (const v of series) stored.push(await backUp(device, v.path));
  });

  /** The packs holding the chunks of a format-2 backup. */
  async function packsOf(meta: BackupMetadata): Promise<Set<string>> {
    const store = await ChunkStore.load(device.vault, deviceIdentities(device), device.secrets.authKey);
    assert.equal(meta.format, 2);
    const entries = await readSnapshot(device.vault, meta as Format2Metadata, deviceIdentities(device));
    const packs = entries.flatMap((e) =>
      e.type === 'file' ? e.chunks.map((c) => store.locations.get(chunkIdOf(c.name))?.pack) : [],
    );
    return new Set(packs.filter((p): p is string => p !== undefined));
  }

  /**
   * Runs `change` on the vault, checks that restoring `meta` fails as `pattern` (and as `problem`, if given)
   * and leaves nothing; undoes it.
   */
  async function refused(
    meta: BackupMetadata,
    pattern: RegExp,
    file: string,
    change: () => Promise<void>,
    problem?: RestoreError['problem'],
  ) {
    const saved = await readFile(file).catch(() => null);
    await change();
    try {
      const to = join(root, `refused-${Math.random().toString(36).slice(2)}`);
      await assert.rejects(restore(device, meta, to), (err: Error) => {
        assert.ok(err instanceof RestoreError, String(err));
        assert.match(err.message, pattern);
        if (problem) assert.equal(err.problem, problem);
        return true;
      });
      await assert.rejects(stat(to), 'nothing is left at the destination');
      assert.deepEqual(
        (await readdir(root)).filter((n) => n.includes('puddleproof-restore')),
        [],
      );
    } finally {
      if (saved) await writeFile(file, saved);
      else await rm(file, { force: true });
    }
  }

  test('a snapshot swapped for another backup’s is refused', TIMEOUT, async () => {
    const [a, b] = stored as [BackupMetadata, BackupMetadata];
    const target = device.vault.paths.snapshot(b.id);
    await refused(b, /does not match its metadata/, target, async () => {
      await writeFile(target, await readFile(device.vault.paths.snapshot(a.id)));
    });
  });

  test('a forged pack (made with the public recipients) is refused and named', TIMEOUT, async () => {
    const meta = stored[0] as BackupMetadata;
    const pack = [...(await packsOf(meta))][0] as string;
    const path = device.vault.paths.pack(pack);
    const chunks = readPackTar(await decryptBuffer(await readFile(path), deviceIdentities(device)));
    const forged = [...chunks.entries()].map(([name, data]) => ({
      name,
      data: Buffer.alloc(data.length, 0x41),
    }));
    const recipients = device.secrets.recipients.map((r) => r.recipient);
    await refused(meta, new RegExp(`Pack ${pack} is damaged or not authentic`), path, async () => {
      await writeFile(path, await encryptBuffer(packTar(forged), recipients));
    });
  });

  test('a damaged pack is named; versions that do not need it still restore', TIMEOUT, async () => {
    const last = stored[2] as BackupMetadata;
    assert.equal(last.format, 2);
    // A pack only the last version needs: what it brought that the others did not have.
    const older = new Set([
      ...(await packsOf(stored[0] as BackupMetadata)),
      ...(await packsOf(stored[1] as BackupMetadata)),
    ]);
    const newest = [...(await packsOf(last))].find((p) => !older.has(p)) as string;
    assert.ok(newest, 'the last version brought a pack of its own');
    const path = device.vault.paths.pack(newest);
    const saved = await readFile(path);
    const damaged = Buffer.from(saved);
    damaged.writeUInt8((damaged.readUInt8(damaged.length >> 1) ^ 0xff) & 0xff, damaged.length >> 1);
    await writeFile(path, damaged);
    try {
      const results = await Promise.all(stored.map((m) => verifyBackup({ ...device }, m.id)));
      assert.deepEqual(results.slice(0, 2), [{ kind: 'ok' }, { kind: 'ok' }]);
      assert.equal(results[2]?.kind, 'failed');
      assert.match((results[2] as { problem: string }).problem, new RegExp(newest));
      await restore(device, stored[1] as BackupMetadata, join(root, 'still-ok'));
      const bytes = await readFile(join(root, 'still-ok', last.exportName));
      assert.ok(bytes.equals(await readFile(series[1]?.path as string)));
    } finally {
      await writeFile(path, saved);
    }
  });

  test(
    'a damaged index of a pack the backup needs is named, as damage, not as not synced yet',
    TIMEOUT,
    async () => {
      const meta = stored[0] as BackupMetadata;
      const pack = [...(await packsOf(meta))][0] as string;
      const path = device.vault.paths.index(pack);
      const pattern = new RegExp(`pack indexes are damaged or not authentic \\(${pack}: `);
      await refused(
        meta,
        pattern,
        path,
        async () => {
          const damaged = await readFile(path);
          damaged.writeUInt8(damaged.readUInt8(damaged.length - 20) ^ 1, damaged.length - 20);
          await writeFile(path, damaged);
        },
        'damaged',
      );
      // Missing instead, it may still be on its way.
      await refused(meta, /its pack index is missing or not synced yet/, path, () => rm(path), 'notSynced');
    },
  );

  test(
    'names that are one on the destination disk are refused, not written into one file',
    TIMEOUT,
    async () => {
      // As on a case-insensitive disk, where another name of the backup made this file first.
      const meta = stored[0] as BackupMetadata;
      assert.equal(meta.format, 2);
      const dir = join(root, 'one-name');
      await mkdir(dir);
      await writeFile(join(dir, meta.exportName), 'made under another name');
      const read = readSnapshotFiles(
        {
          vault: device.vault,
          meta: meta as Format2Metadata,
          identities: deviceIdentities(device),
          authKey: device.secrets.authKey,
        },
        dir,
      );
      await assert.rejects(read, (err: Error) => {
        assert.ok(err instanceof RestoreError, String(err));
        assert.match(err.message, /and another of its names are one on this disk/);
        return true;
      });
      assert.equal(await readFile(join(dir, meta.exportName), 'utf8'), 'made under another name');
    },
  );

  test('an index made with another vault’s key is refused and not used', TIMEOUT, async () => {
    const recipients = [
      ...device.secrets.recipients.map((r) => r.recipient),
      await recipientOf(device.secrets.indexIdentity),
    ];
    const pack = newBackupId(new Date());
    const fake = encodeIndex(Buffer.alloc(32, 9), pack, [
      { name: 'a'.repeat(64), storedBytes: 10, plainBytes: 10, crc: 0 },
    ]);
    const path = device.vault.paths.index(pack);
    await writeFile(path, await encryptBuffer(fake, recipients));
    // Its pack is there too (a copy of a genuine one), so the index is read, and refused.
    const [genuine] = await readdir(device.vault.paths.packsDir);
    await cp(join(device.vault.paths.packsDir, genuine as string), device.vault.paths.pack(pack));
    try {
      const store = await ChunkStore.load(device.vault, deviceIdentities(device), device.secrets.authKey);
      assert.equal(store.locations.has('a'.repeat(64)), false);
      assert.match(store.problems.map((p) => p.problem).join('\n'), /not authentic/);
    } finally {
      await rm(path);
      await rm(device.vault.paths.pack(pack));
    }
  });
});

test(
  'an index whose pack is not in the folder (not synced yet) is left out: its chunks are stored again',
  TIMEOUT,
  async () => {
    const { root, device } = await newWorld();
    const dir = join(root, 'ChatExport_x');
    await mkdir(dir);
    await writeFile(
      join(dir, 'video.mp4'),
      Buffer.from(
        await encryptBuffer(Buffer.alloc(2_000_000, 3), [await recipientOf(device.secrets.indexIdentity)]),
      ),
    );
    const first = await backUp(device, dir);
    const packs = await readdir(device.vault.paths.packsDir);
    // The pack has not arrived on this device yet: only its index has.
    await rm(join(device.vault.paths.packsDir, packs[0] as string));
    await writeFile(join(dir, 'note.txt'), 'a second version');
    const second = await backUp(device, dir);
    assert.ok(first.format === 2 && second.format === 2);
    if (second.format !== 2) return;
    assert.ok(second.uploadedBytes > 2_000_000, `the video is stored again (${second.uploadedBytes} B)`);
    await restore(device, second, join(root, 'restored'));
    assert.ok(
      (await readFile(join(root, 'restored', 'ChatExport_x', 'note.txt'), 'utf8')) === 'a second version',
    );
  },
);

test(
  'the index cache: a backup reads each index once; a new index is read and added; packs gone are dropped; a restore only reads it',
  TIMEOUT,
  async () => {
    const { root, device } = await newWorld();
    const dir = join(root, 'ChatExport_c');
    await mkdir(dir);
    await writeFile(join(dir, 'a.bin'), randomBytes(1_500_000));
    await backUp(device, dir);
    const cache = new IndexCache(join(device.home, 'index-cache.json'));
    const cached = await cache.read(device.vault.root);
    const packs = (await readdir(device.vault.paths.packsDir)).map((n) => n.slice(0, -4));
    assert.deepEqual([...cached.keys()].sort(), packs.sort(), 'every index the backup read is cached');
    // With no key that opens an index, the cache alone still gives every chunk; without it, nothing.
    const fromCache = await ChunkStore.load(device.vault, [], device.secrets.authKey, cache);
    const without = await ChunkStore.load(device.vault, [], device.secrets.authKey);
    assert.ok(fromCache.locations.size > 0);
    assert.equal(without.locations.size, 0);
    assert.equal(without.problems.length, packs.length);
    // A cache for another vault is not used.
    assert.equal((await cache.read(join(root, 'elsewhere'))).size, 0);
    // A second backup adds its pack to the cache; a pack that went away leaves it.
    await writeFile(join(dir, 'b.bin'), randomBytes(1_500_000));
    await backUp(device, dir);
    const after2 = await cache.read(device.vault.root);
    assert.equal(after2.size, packs.length + 1);
    await rm(device.vault.paths.pack(packs[0] as string));
    await ChunkStore.load(device.vault, deviceIdentities(device), device.secrets.authKey, cache);
    assert.equal((await cache.read(device.vault.root)).has(packs[0] as string), false);
    // Read-only, as a restore uses it: indexes it lacks are decrypted, and it is never rewritten.
    await cache.write(device.vault.root, new Map());
    const readOnly = cache.readOnly();
    const store = await ChunkStore.load(
      device.vault,
      deviceIdentities(device),
      device.secrets.authKey,
      readOnly,
    );
    assert.ok(store.locations.size > 0);
    await readOnly.write(device.vault.root, store.cacheable());
    assert.equal((await cache.read(device.vault.root)).size, 0, 'a read-only cache is not written');
    assert.equal((await readOnly.read(device.vault.root)).size, 0);
  },
);

describe('a format-1 vault', () => {
  test(
    'keeps its backups; new ones are format 2; list, verify and restore show both alike',
    TIMEOUT,
    async () => {
      const { root, device } = await newWorld();
      const series = await writeExportSeries(join(root, 'series'), {
        versions: 2,
        firstBytes: 4_000_000,
        lastBytes: 5_000_000,
        seed: 4,
        fixedTimes: false,
        mediaWindow: 10,
      });
      const old = await backUp(device, series[0]?.path as string, 1);
      const fresh = await backUp(device, series[1]?.path as string);
      assert.deepEqual([old.format, fresh.format], [1, 2]);
      const { backups, problems } = await device.vault.list(deviceIdentities(device), device.secrets.authKey);
      assert.deepEqual(problems, []);
      assert.deepEqual(
        backups.map((b) => [b.id, b.chat?.key]),
        [
          [old.id, old.chat?.key],
          [fresh.id, old.chat?.key],
        ],
      );
      for (const [i, meta] of [old, fresh].entries()) {
        assert.deepEqual(await verifyBackup(device, meta.id), { kind: 'ok' });
        const to = join(root, `r${i}`);
        await restore(device, meta, to);
        assert.ok(
          (await readFile(join(to, meta.exportName))).equals(await readFile(series[i]?.path as string)),
        );
      }
    },
  );
});
