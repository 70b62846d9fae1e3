// The chunk store and pack writer on a real vault folder with real age keys: packs of about
// PACK_TARGET_BYTES, each with its index; a fresh store finds every chunk; known chunks cost nothing; a
// forged index is refused. Also src/core/age/buffer.ts against the system `age`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { decryptBuffer, encryptBuffer } from '../../../src/core/age/buffer.js';
import {
  generateX25519Identity,
  identityToRecipient,
  NoIdentityMatchedError,
} from '../../../src/core/age/index.js';
import {
  ChunkStore,
  chunkIdOf,
  PackWriter,
  type PackWriterOptions,
} from '../../../src/core/dedup/chunk-store.js';
import { crcUpdate } from '../../../src/core/dedup/cksum.js';
import { PACK_TARGET_BYTES, PADDING_NAME, plainOf, readPackTar } from '../../../src/core/dedup/pack.js';
import { decodeIndex, type IndexEntry } from '../../../src/core/dedup/pack-index.js';
import { newBackupId } from '../../../src/core/vault/layout.js';
import { Vault } from '../../../src/core/vault/vault.js';

const run = promisify(execFile);

interface Key {
  identity: string;
  recipient: string;
  /** A file with the identity, for `age -d -i`. */
  file: string;
}

let dir = '';
let fileNo = 0;
const tmp = (name: string) => join(dir, `${fileNo++}-${name}`);

/** A device key and the vault index key. */
let device: Key;
let indexKey: Key;
let stranger: Key;
const authKey = randomBytes(32);

async function newKey(): Promise<Key> {
  const identity = await generateX25519Identity();
  const file = tmp('key.txt');
  await writeFile(file, `${identity}\n`, { mode: 0o600 });
  return { identity, recipient: await identityToRecipient(identity), file };
}

async function newVault(): Promise<Vault> {
  const cloud = tmp('cloud');
  await mkdir(cloud);
  return Vault.create(cloud);
}

function writerOptions(over: Partial<PackWriterOptions> = {}): PackWriterOptions {
  return {
    recipients: [device.recipient],
    indexRecipients: [device.recipient, indexKey.recipient],
    authKey,
    backupId: newBackupId(new Date()),
    ...over,
  };
}

const idOf = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function chatText(seed: number, bytes: number): Buffer {
  const lines: string[] = [];
  for (let i = 0, size = 0; size < bytes; i++) {
    const line = `[${(i % 28) + 1}.03.24, 10:${String(i % 60).padStart(2, '0')}] ${i % 2 ? 'Alice' : 'Bob'}: message ${seed}-${i} about the weekend\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join(''));
}

/** The objects (file names) in a vault's packs and index folders. */
async function objects(vault: Vault): Promise<{ packs: string[]; index: string[] }> {
  return {
    packs: (await readdir(vault.paths.packsDir)).sort(),
    index: (await readdir(vault.paths.indexDir)).sort(),
  };
}

async function readIndex(vault: Vault, pack: string, identity = indexKey.identity): Promise<IndexEntry[]> {
  const plain = await decryptBuffer(await readFile(vault.paths.index(pack)), [identity]);
  return decodeIndex(authKey, pack, plain);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'puddleproof-chunk-store-'));
  [device, indexKey, stranger] = [await newKey(), await newKey(), await newKey()];
});
after(() => rm(dir, { recursive: true, force: true }));

for (const inThread of [false, true])
  describe(`a backup adding many chunks, sealed ${inThread ? 'in this thread' : 'by the pack worker'}`, () => {
    let vault: Vault;
    /** The chunks added, in order, without repeats. */
    const chunks: { id: string; data: Buffer; name: string }[] = [];
    let writer: PackWriter;
    let uploaded = 0;

    before(async () => {
      vault = await newVault();
      const store = await ChunkStore.load(vault, [indexKey.identity], authKey);
      assert.equal(store.locations.size, 0);
      writer = new PackWriter(vault, store, writerOptions({ onUpload: (n) => (uploaded += n), inThread }));
      // Loaded before the chunks come, so that every pack after the first is the worker's.
      await writer.warmUp();
      // About 20 MiB of media (random, 300 KiB–1 MiB a chunk) with chat text between: two full packs and a
      // third one written by finish().
      const sizes = [300 * 1024, 1024 * 1024, 700 * 1024 + 1, 450 * 1024 + 3, 1000 * 1024 - 7, 333 * 1024];
      for (let i = 0; i < 44; i++) {
        const data = i % 4 === 3 ? chatText(i, 200_000 + i) : randomBytes(sizes[i % sizes.length] as number);
        const id = idOf(data);
        const { name } = await writer.add(id, data);
        chunks.push({ id, data, name });
        // A chunk added again while it is pending, or after its pack was written, is not stored twice.
        if (i % 5 === 0) assert.equal((await writer.add(id, data)).name, name);
        if (i === 20)
          assert.equal(
            (await writer.add(chunks[0]?.id as string, chunks[0]?.data as Buffer)).name,
            chunks[0]?.name,
          );
      }
      assert.equal(writer.packs.length, 2, 'two packs written while adding');
      await writer.finish();
      assert.equal(writer.sealedInWorker, !inThread);
    });

    test('text chunks are stored gzipped, media as it is', () => {
      for (const [i, c] of chunks.entries()) assert.equal(c.name, i % 4 === 3 ? `${c.id}.gz` : c.id);
    });

    test('every pack but the last holds at least PACK_TARGET_BYTES stored bytes, and is written as soon as it does', async () => {
      assert.equal(writer.packs.length, 3);
      const listed: IndexEntry[] = [];
      for (const [i, pack] of writer.packs.entries()) {
        const entries = await readIndex(vault, pack);
        const stored = entries.reduce((sum, e) => sum + e.storedBytes, 0);
        const last = entries.at(-1) as IndexEntry;
        if (i < writer.packs.length - 1) {
          assert.ok(stored >= PACK_TARGET_BYTES, `pack ${i}: ${stored} bytes`);
          assert.ok(
            stored - last.storedBytes < PACK_TARGET_BYTES,
            `pack ${i} was not written as soon as it was full`,
          );
        } else assert.ok(stored < PACK_TARGET_BYTES);
        listed.push(...entries);
      }
      // The indexes list every chunk once, in the order added, with its stored and plain sizes.
      assert.deepEqual(
        listed.map((e) => e.name),
        chunks.map((c) => c.name),
      );
      for (const [i, e] of listed.entries()) assert.equal(e.plainBytes, chunks[i]?.data.length);
    });

    test('each pack has its index, and nothing else (no temporary file) is left', async () => {
      const names = writer.packs.map((p) => `${p}.age`).sort();
      assert.deepEqual(await objects(vault), { packs: names, index: names });
      let bytes = 0;
      for (const name of names)
        for (const folder of [vault.paths.packsDir, vault.paths.indexDir])
          bytes += (await readFile(join(folder, name))).length;
      assert.equal(uploaded, bytes, 'onUpload was told the bytes of every object');
    });

    test('each pack decrypts to a tar of exactly the chunks its index lists, which the index key cannot open', async () => {
      for (const pack of writer.packs) {
        const sealed = await readFile(vault.paths.pack(pack));
        const tar = await decryptBuffer(sealed, [device.identity]);
        const files = readPackTar(tar);
        const entries = await readIndex(vault, pack);
        assert.deepEqual(
          [...files.keys()],
          entries.map((e) => e.name),
        );
        for (const e of entries) {
          const data = files.get(e.name) as Buffer;
          assert.equal(data.length, e.storedBytes);
          const chunk = chunks.find((c) => c.name === e.name);
          assert.deepEqual(plainOf({ name: e.name, data }, e.plainBytes), chunk?.data);
        }
        await assert.rejects(decryptBuffer(sealed, [indexKey.identity]), NoIdentityMatchedError);
      }
    });

    test('the system age and tar read a pack', async () => {
      const pack = writer.packs[0] as string;
      const out = tmp('pack.tar');
      await run('age', ['-d', '-i', device.file, '-o', out, vault.paths.pack(pack)]);
      const { stdout } = await run('tar', ['-tf', out]);
      const entries = await readIndex(vault, pack);
      assert.deepEqual(stdout.trimEnd().split('\n'), [...entries.map((e) => e.name), PADDING_NAME]);
    });

    test('ChunkStore.load in a fresh instance finds every chunk in its pack', async () => {
      const where = new Map<string, { pack: string; entry: IndexEntry }>();
      for (const pack of writer.packs)
        for (const entry of await readIndex(vault, pack)) where.set(chunkIdOf(entry.name), { pack, entry });
      for (const identities of [
        [indexKey.identity],
        [device.identity],
        [stranger.identity, device.identity],
      ]) {
        const store = await ChunkStore.load(vault, identities, authKey);
        assert.deepEqual(store.problems, []);
        assert.equal(store.locations.size, chunks.length);
        for (const c of chunks) {
          const found = where.get(c.id);
          assert.ok(found);
          assert.deepEqual(store.locations.get(c.id), { ...found.entry, pack: found.pack });
          assert.equal(store.locations.get(c.id)?.name, c.name);
        }
      }
    });

    test('adding chunks the vault holds writes nothing and returns their stored names and CRCs', async () => {
      const before = await objects(vault);
      let uploads = 0;
      const store = await ChunkStore.load(vault, [indexKey.identity], authKey);
      const again = new PackWriter(vault, store, writerOptions({ onUpload: () => uploads++ }));
      for (const c of chunks) {
        assert.equal(again.known(c.id)?.name, c.name);
        const entry = await again.add(c.id, c.data);
        assert.equal(entry.name, c.name);
        assert.equal(entry.crc, crcUpdate(0, c.data), 'the CRC register of its plain bytes');
        assert.equal(entry.plainBytes, c.data.length);
      }
      await again.finish();
      assert.deepEqual(again.packs, []);
      assert.equal(uploads, 0);
      assert.deepEqual(await objects(vault), before);
    });
  });

test('chunks another writer of the backup stored (learned) are known: not stored again', async () => {
  const vault = await newVault();
  const writer = new PackWriter(
    vault,
    await ChunkStore.load(vault, [indexKey.identity], authKey),
    writerOptions(),
  );
  const learned = randomBytes(1000);
  const fresh = randomBytes(1000);
  const entry = { name: idOf(learned), storedBytes: 1000, plainBytes: 1000, crc: crcUpdate(0, learned) };
  writer.learn([entry]);
  assert.deepEqual(writer.known(idOf(learned)), entry);
  assert.deepEqual(await writer.add(idOf(learned), learned), entry);
  await writer.add(idOf(fresh), fresh);
  await writer.finish();
  assert.equal(writer.packs.length, 1);
  const names = (await readIndex(vault, writer.packs[0] as string)).map((e) => e.name);
  assert.deepEqual(names, [idOf(fresh)]);
});

test('the pack worker starts once 2 MiB of new chunks are pending, before a second pack; not for less', async () => {
  for (const [bytes, started] of [
    [2 * 1024 * 1024 - 1, false],
    [2 * 1024 * 1024, true],
  ] as const) {
    const vault = await newVault();
    const store = await ChunkStore.load(vault, [indexKey.identity], authKey);
    const writer = new PackWriter(vault, store, writerOptions());
    const data = randomBytes(bytes);
    await writer.add(idOf(data), data);
    assert.equal(writer.workerStarted, started, `${bytes} bytes`);
    await writer.finish();
    // One pack: sealed in this thread either way, and readable.
    assert.equal(writer.sealedInWorker, false);
    assert.equal(writer.packs.length, 1);
    assert.equal((await readIndex(vault, writer.packs[0] as string)).length, 1);
  }
});

test('an index made with another authentication key is a problem, and its chunks are not used', async () => {
  const vault = await newVault();
  const genuine = [randomBytes(1000), chatText(1, 5000), randomBytes(70_000)];
  const writer = new PackWriter(vault, new ChunkStore(), writerOptions());
  for (const data of genuine) await writer.add(idOf(data), data);
  await writer.finish();
  // Encrypted to the right recipients, but made without this vault's authentication key; it claims a chunk
  // of its own and one the genuine pack holds.
  const claimed = [randomBytes(2000), genuine[0] as Buffer];
  const forger = new PackWriter(vault, new ChunkStore(), writerOptions({ authKey: randomBytes(32) }));
  for (const data of claimed) await forger.add(idOf(data), data);
  await forger.finish();
  // An index this device cannot open, and names that are not objects.
  const foreign = new PackWriter(
    vault,
    new ChunkStore(),
    writerOptions({ recipients: [stranger.recipient], indexRecipients: [stranger.recipient] }),
  );
  await foreign.add(idOf(claimed[0] as Buffer), claimed[0] as Buffer);
  await foreign.finish();
  await writeFile(join(vault.paths.indexDir, 'notes.txt'), 'not an index');
  await writeFile(
    join(vault.paths.indexDir, `.tmp-0123456789abcdef-${newBackupId(new Date())}.age`),
    'partial',
  );

  const store = await ChunkStore.load(vault, [indexKey.identity], authKey);
  const [genuinePack, forgedPack, foreignPack] = [writer.packs[0], forger.packs[0], foreign.packs[0]];
  const problems = [...store.problems].sort((a, b) =>
    a.id === forgedPack ? -1 : b.id === forgedPack ? 1 : 0,
  );
  assert.equal(problems.length, 2, JSON.stringify(store.problems));
  assert.equal(problems[0]?.id, forgedPack);
  assert.match(problems[0]?.problem ?? '', /^pack index: .*not authentic/);
  assert.equal(problems[1]?.id, foreignPack);
  assert.match(problems[1]?.problem ?? '', /^pack index: None of the keys/);
  assert.deepEqual([...store.locations.keys()].sort(), genuine.map(idOf).sort());
  for (const location of store.locations.values()) assert.equal(location.pack, genuinePack);
  assert.equal(store.locations.has(idOf(claimed[0] as Buffer)), false);
});

/** Watches `folders`; `seen()` gives every name created in them up to now, once the kernel has reported it. */
function watchNames(folders: string[]) {
  const names = new Map<string, string[]>(folders.map((f) => [f, []]));
  const watchers: FSWatcher[] = folders.map((folder) =>
    watch(folder, (_event, name) => {
      if (name) names.get(folder)?.push(name.toString());
    }),
  );
  return {
    /** Creates a marker file in each folder and waits until its event arrives: every earlier event has too. */
    async seen(): Promise<Map<string, string[]>> {
      const marker = 'zz-marker';
      await Promise.all(
        folders.map(async (folder, i) => {
          const arrived = new Promise<void>((resolve) =>
            watchers[i]?.on('change', (_event, name) => {
              if (name?.toString() === marker) resolve();
            }),
          );
          await writeFile(join(folder, marker), '');
          await arrived;
          await rm(join(folder, marker));
        }),
      );
      for (const w of watchers) w.close();
      return names;
    },
  };
}

test('temporary files carry the backup id and none is left after finish()', { timeout: 30_000 }, async () => {
  const vault = await newVault();
  const backupId = newBackupId(new Date());
  const folders = [vault.paths.packsDir, vault.paths.indexDir];
  const watcher = watchNames(folders);
  const writer = new PackWriter(vault, new ChunkStore(), writerOptions({ backupId }));
  // Three chunks fill a pack; finish() writes the fourth in a second one.
  for (let i = 0; i < 4; i++) {
    const data = randomBytes(3_000_000 + i);
    await writer.add(idOf(data), data);
  }
  await writer.finish();
  const seen = await watcher.seen();
  const committed = writer.packs.map((p) => `${p}.age`);
  assert.equal(committed.length, 2);
  for (const folder of folders) {
    const names = new Set((seen.get(folder) ?? []).filter((n) => n !== 'zz-marker'));
    const temps = [...names].filter((n) => n.startsWith('.tmp-'));
    assert.equal(temps.length, 2, `${folder}: one temporary file per object: ${[...names].join(', ')}`);
    for (const temp of temps) assert.match(temp, new RegExp(`^\\.tmp-[0-9a-f]{16}-${backupId}\\.age$`));
    assert.deepEqual([...names].filter((n) => !n.startsWith('.tmp-')).sort(), committed.sort());
    assert.deepEqual((await readdir(folder)).sort(), committed.sort(), `${folder} holds the objects alone`);
  }
});

describe('age/buffer', () => {
  const sizes = [0, 1, 65535, 65536, 65537, 1024 * 1024 + 5];

  test('encryptBuffer output decrypts with the system age, with each recipient’s identity file', async () => {
    for (const size of sizes) {
      const plain = randomBytes(size);
      const sealed = await encryptBuffer(plain, [device.recipient, indexKey.recipient]);
      const path = tmp('sealed.age');
      await writeFile(path, sealed);
      for (const key of [device, indexKey]) {
        // (Through stdout: `age -o` creates no file for an empty plaintext.)
        const { stdout } = await run('age', ['-d', '-i', key.file, path], {
          encoding: 'buffer',
          maxBuffer: 2 ** 24,
        });
        assert.deepEqual(stdout, plain, `${size} bytes`);
      }
      assert.deepEqual(await decryptBuffer(sealed, [indexKey.identity]), plain);
    }
  });

  test('decryptBuffer opens what the system age encrypted', async () => {
    for (const size of sizes) {
      const plain = randomBytes(size);
      const input = tmp('plain');
      const sealed = tmp('sealed.age');
      await writeFile(input, plain);
      await run('age', ['-r', device.recipient, '-o', sealed, input]);
      assert.deepEqual(
        await decryptBuffer(await readFile(sealed), [stranger.identity, device.identity]),
        plain,
      );
    }
  });

  test('decryptBuffer rejects a wrong identity, and a cut or changed file', async () => {
    const plain = randomBytes(100_000);
    const sealed = await encryptBuffer(plain, [device.recipient]);
    await assert.rejects(decryptBuffer(sealed, [stranger.identity]), NoIdentityMatchedError);
    await assert.rejects(
      decryptBuffer(sealed, [indexKey.identity, stranger.identity]),
      NoIdentityMatchedError,
    );
    await assert.rejects(decryptBuffer(sealed.subarray(0, sealed.length - 1), [device.identity]));
    const changed = Buffer.from(sealed);
    changed.writeUInt8(changed.readUInt8(changed.length - 100) ^ 1, changed.length - 100);
    await assert.rejects(decryptBuffer(changed, [device.identity]));
    assert.deepEqual(await decryptBuffer(sealed, [device.identity]), plain);
  });
});

test('abandon() after a failure waits for the packs handed off: each is in place with its index', async () => {
  for (const inThread of [true, false]) {
    const vault = await newVault();
    const writer = new PackWriter(vault, new ChunkStore(), writerOptions({ inThread }));
    // Three chunks fill a pack, handed off at once; the fourth is pending.
    for (let i = 0; i < 4; i++) {
      const data = randomBytes(3_000_000 + i);
      await writer.add(idOf(data), data);
    }
    assert.equal(writer.packs.length, 1);
    await writer.abandon();
    const committed = writer.packs.map((p) => `${p}.age`);
    for (const folder of [vault.paths.packsDir, vault.paths.indexDir])
      assert.deepEqual(
        await readdir(folder),
        committed,
        `${folder} (sealed ${inThread ? 'here' : 'in the worker'})`,
      );
  }
});
