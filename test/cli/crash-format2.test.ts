// kill -9 during format-2 (deduplicated) backups of a large export: no partial backup is ever listed,
// committed backups still verify, the journal marks the killed backup, `gc` removes at once what this device
// left unfinished (temporary files, an orphan snapshot) but never a whole pack or index, and the next backup
// reuses the packs of the killed runs (only the snapshot is new) and restores byte for byte. A kill during
// the backup of a changed version leaves the earlier backup restorable.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { appendFile, mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, type TestContext, test } from 'node:test';
import { decryptBuffer } from '../../src/core/age/buffer.js';
import { decodeIndex } from '../../src/core/dedup/pack-index.js';
import { type RecoveryKit, readRecoveryKit } from '../../src/core/keys/recovery-kit.js';
import { decryptMetadata, verifyMetadata } from '../../src/core/vault/metadata.js';
import { makeSandbox, type RunResult, type Sandbox } from '../helpers/cli.js';
import { killedWhen, sha256File } from '../helpers/processes.js';

const MiB = 1024 * 1024;
/** The random media file: incompressible and unique, so it fills about 17 packs of 8–12 MiB. */
const BIG_FILE_MIB = 160;
/** What the changed version adds: a few packs of new chunks. */
const NEW_FILE_MIB = 40;
const ID_OBJECT = /^\d{8}T\d{6}Z-[a-z2-7]{12}\.age$/;
const TEMP_OBJECT = /^\.tmp-[0-9a-f]{16}-(\d{8}T\d{6}Z-[a-z2-7]{12})\.age$/;

/** Asserts a CLI run succeeded, showing its output when it did not. */
function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Writes `mib` MiB of fresh random bytes (no block repeats: every chunk is new to the vault). */
async function writeRandomFile(path: string, mib: number): Promise<void> {
  const handle = await open(path, 'w');
  try {
    for (let i = 0; i < mib; i += 4) await handle.write(randomBytes(Math.min(4, mib - i) * MiB));
  } finally {
    await handle.close();
  }
}

/** Chat text that compresses well (its chunks are stored gzipped). */
function chatText(lines: number, from = 0): string {
  let text = '';
  for (let i = from; i < from + lines; i++) {
    const who = i % 3 === 0 ? 'Alice' : i % 3 === 1 ? 'Bob' : 'Carol';
    text += `12/03/2024, ${String(8 + (i % 12)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} - ${who}: message ${i} about the puddle by the door\n`;
  }
  return text;
}

/** Names in `dir` now (none if it cannot be read). */
function namesNow(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const temps = (names: readonly string[]) => names.filter((n) => n.startsWith('.tmp-'));
const wholes = (names: readonly string[]) => names.filter((n) => ID_OBJECT.test(n));
const idOf = (name: string) => name.slice(0, -'.age'.length);

/** Starts `backup PATH` and SIGKILLs it the moment `shouldKill()` is true (see killedWhen). */
function backupKilledWhen(
  sb: Sandbox,
  exportPath: string,
  dirs: readonly string[],
  shouldKill: () => boolean,
) {
  return killedWhen(sb.start(['backup', exportPath]), dirs, shouldKill);
}

interface Listed {
  id: string;
  exportName: string;
  bytes: number;
  files: number;
}

describe('kill -9 during a format-2 backup of a large export', () => {
  let sb: Sandbox;
  let kit: RecoveryKit;
  let vaultDir: string;
  let packsDir: string;
  let indexDir: string;
  let snapshotsDir: string;
  let metaDir: string;
  let dataDir: string;
  let journalDir: string;
  let bigExport: string;
  let bigSha: string;
  let bigChat: string;
  let exportBytes: number;
  /** Ids of the committed backups. */
  const committed: string[] = [];
  /** Packs and indexes of the small backup, made before the crashes. */
  let initialPacks: string[] = [];
  /** Whole packs (and indexes) the killed runs left: a retry must reuse, gc must keep them. */
  const keptPacks = new Set<string>();
  const keptIndexes = new Set<string>();
  /** The id of the first committed backup of the big export. */
  let bigId = '';

  before(async () => {
    process.env.PUDDLEPROOF_WRITE_FORMAT = '2';
    sb = await makeSandbox();
    ok(await sb.run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit]), 'init');
    kit = await readRecoveryKit(sb.kit);
    vaultDir = join(sb.cloud, 'Puddleproof');
    packsDir = join(vaultDir, 'packs');
    indexDir = join(vaultDir, 'index');
    snapshotsDir = join(vaultDir, 'snapshots');
    metaDir = join(vaultDir, 'meta');
    dataDir = join(vaultDir, 'data');
    journalDir = join(sb.home, 'in-progress');
    // A small committed backup that every crash must leave intact.
    const small = join(sb.watch, 'Small chat');
    await mkdir(small);
    await writeFile(join(small, 'chat.txt'), 'hello from before the crashes\n');
    ok(await sb.run(['backup', small]), 'backup of the small export');
    committed.push(...(await listIds()));
    assert.equal(committed.length, 1);
    assert.deepEqual(await readdir(snapshotsDir), [`${committed[0]}.age`], 'the small backup is format 2');
    assert.deepEqual(await readdir(dataDir), []);
    initialPacks = wholes(await readdir(packsDir));
    bigExport = join(sb.watch, 'Big chat');
    await mkdir(join(bigExport, 'media'), { recursive: true });
    bigChat = chatText(20_000);
    await writeFile(join(bigExport, 'chat.txt'), bigChat);
    await writeRandomFile(join(bigExport, 'media', 'video.bin'), BIG_FILE_MIB);
    bigSha = await sha256File(join(bigExport, 'media', 'video.bin'));
    exportBytes = Buffer.byteLength(bigChat) + BIG_FILE_MIB * MiB;
  });

  after(async () => {
    await sb?.cleanup();
  });

  async function listIds(): Promise<string[]> {
    const r = ok(await sb.run(['list', '--json']), 'list --json');
    return (JSON.parse(r.stdout) as Listed[]).map((b) => b.id).sort();
  }

  /** The format-2 metadata of a committed backup, opened and authenticated with the recovery kit. */
  async function metadataOf(id: string): Promise<{ uploadedBytes: number; bytes: number }> {
    const value = await decryptMetadata(await readFile(join(metaDir, `${id}.age`)), [
      kit.recoveryIdentity,
      kit.indexIdentity,
    ]);
    const meta = verifyMetadata(value, kit.authKey);
    assert.equal(meta.format, 2, `backup ${id} is format 2`);
    return meta;
  }

  /** Every index's chunk names, by pack id, opened and authenticated with the recovery kit. */
  async function indexes(): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const name of wholes(await readdir(indexDir)).sort()) {
      const plain = await decryptBuffer(await readFile(join(indexDir, name)), [
        kit.recoveryIdentity,
        kit.indexIdentity,
      ]);
      out.set(
        idOf(name),
        decodeIndex(kit.authKey, idOf(name), plain).map((e) => e.name),
      );
    }
    return out;
  }

  /** Bytes of the whole pack and index files not in `before` (names by folder). */
  async function newPackBytes(before: { packs: string[]; index: string[] }): Promise<{
    packs: string[];
    bytes: number;
  }> {
    const packs = wholes(await readdir(packsDir)).filter((n) => !before.packs.includes(n));
    const index = wholes(await readdir(indexDir)).filter((n) => !before.index.includes(n));
    let bytes = 0;
    for (const n of packs) bytes += (await stat(join(packsDir, n))).size;
    for (const n of index) bytes += (await stat(join(indexDir, n))).size;
    return { packs, bytes };
  }

  const packState = async () => ({
    packs: wholes(await readdir(packsDir)),
    index: wholes(await readdir(indexDir)),
  });

  /** The id the temporary files left by a killed run carry (they must all carry the same one). */
  function tempIds(): string[] {
    const ids = new Set<string>();
    for (const dir of [packsDir, indexDir, snapshotsDir, metaDir]) {
      for (const n of temps(namesNow(dir))) {
        const m = TEMP_OBJECT.exec(n);
        assert.ok(m?.[1], `a temporary file named as documented: ${n}`);
        ids.add(m[1]);
      }
    }
    return [...ids];
  }

  /**
   * After a crash of backup `killed`: nothing partial is listed, committed backups verify, the journal marks
   * `killed`, and gc removes exactly the temporary files and this device's orphan snapshot, at once, keeping
   * every whole pack and index.
   */
  async function assertRecovers(t: TestContext, killed: string, orphanSnapshot: boolean): Promise<void> {
    assert.deepEqual(
      await readdir(journalDir),
      [killed],
      'the journal marks the killed backup as unfinished',
    );
    const [ids, verify] = await Promise.all([listIds(), sb.run(['verify'])]);
    assert.deepEqual(ids, [...committed].sort(), 'list shows only committed backups');
    assert.equal(ids.includes(killed), false);
    ok(verify, 'verify after the crash');
    assert.match(
      verify.stdout,
      new RegExp(`^${committed.length} of ${committed.length} backups verified`, 'm'),
    );
    for (const id of committed) assert.match(verify.stdout, new RegExp(`^ok ${id}$`, 'm'));

    const committedNames = committed.map((id) => `${id}.age`);
    assert.equal(
      existsSync(join(snapshotsDir, `${killed}.age`)),
      orphanSnapshot,
      orphanSnapshot ? 'the killed backup’s snapshot is in place' : 'the killed backup wrote no snapshot',
    );
    assert.equal(existsSync(join(metaDir, `${killed}.age`)), false, 'the killed backup has no commit record');
    // What gc must remove: every temporary file, and snapshots (or data, meta) no commit record points to.
    const expected: string[] = [];
    for (const dir of [dataDir, metaDir, snapshotsDir, packsDir, indexDir]) {
      for (const n of await readdir(dir)) {
        const orphan = dir !== packsDir && dir !== indexDir && !committedNames.includes(n);
        if (n.startsWith('.tmp-') || orphan) expected.push(join(dir, n));
      }
    }
    assert.ok(expected.length > 0, 'the crash left an unfinished object');
    const packsBefore = wholes(await readdir(packsDir)).sort();
    const indexesBefore = wholes(await readdir(indexDir)).sort();
    for (const n of indexesBefore)
      assert.ok(packsBefore.includes(n), `index ${n} has its pack (a pack is written before its index)`);
    const unindexed = packsBefore.filter((n) => !indexesBefore.includes(n));
    if (unindexed.length)
      t.diagnostic(`whole packs without an index (killed between pack and index): ${unindexed.join(', ')}`);

    const gc = ok(await sb.run(['gc']), 'gc');
    t.diagnostic(`gc: ${gc.stdout.trim().replaceAll(`${vaultDir}/`, '').replaceAll('\n', '; ')}`);
    const removed = gc.stdout
      .split('\n')
      .filter((l) => l.startsWith('removed '))
      .map((l) => l.slice('removed '.length))
      .sort();
    assert.deepEqual(removed, expected.sort(), 'gc removes the temporary files and the orphan snapshot');
    assert.match(gc.stdout, new RegExp(`^${expected.length} unfinished objects removed\\.`, 'm'));
    assert.deepEqual((await readdir(packsDir)).sort(), packsBefore, 'gc keeps every whole pack');
    assert.deepEqual((await readdir(indexDir)).sort(), indexesBefore, 'gc keeps every whole index');
    const committedSnapshots = committedNames.filter((n) => existsSync(join(snapshotsDir, n)));
    assert.deepEqual((await readdir(snapshotsDir)).sort(), committedSnapshots.sort());
    assert.deepEqual((await readdir(metaDir)).sort(), [...committedNames].sort());
    for (const dir of [packsDir, indexDir, snapshotsDir, metaDir, dataDir])
      assert.deepEqual(temps(await readdir(dir)), [], `no temporary file is left in ${dir}`);
    assert.deepEqual(await readdir(journalDir), [], 'gc ended the journal entry');
    for (const n of packsBefore) if (!initialPacks.includes(n)) keptPacks.add(n);
    for (const n of indexesBefore) if (!initialPacks.includes(n)) keptIndexes.add(n);
    const second = ok(await sb.run(['gc']), 'a second gc');
    assert.match(second.stdout, /^0 unfinished objects removed\./m, 'nothing is left for a second gc');
  }

  test('(a) killed as soon as the first temporary pack appears', async (t) => {
    const before = await packState();
    const run = await backupKilledWhen(sb, bigExport, [packsDir], () => temps(namesNow(packsDir)).length > 0);
    assert.equal(run.hit, true, `the backup was not killed in time (exit ${run.code})`);
    const left = await readdir(packsDir);
    assert.equal(temps(left).length, 1, `one temporary pack is left: ${left.join(', ')}`);
    assert.deepEqual(await packState(), before, 'no new whole pack or index yet');
    const ids = tempIds();
    assert.equal(ids.length, 1, `the temporary files name the killed backup: ${ids.join(', ')}`);
    await assertRecovers(t, ids[0] as string, false);
  });

  test('(b) killed after two whole packs and their indexes, before the snapshot', async (t) => {
    const before = await packState();
    const newIndexes = () => wholes(namesNow(indexDir)).filter((n) => !before.index.includes(n));
    const run = await backupKilledWhen(
      sb,
      bigExport,
      [packsDir, indexDir],
      // With a temporary pack in the folder too, so the kill is in the middle of writing the next one.
      () => newIndexes().length >= 2 && temps(namesNow(packsDir)).length > 0,
    );
    assert.equal(run.hit, true, `the backup was not killed in time (exit ${run.code})`);
    const written = await newPackBytes(before);
    t.diagnostic(`killed after ${newIndexes().length} indexes, ${written.packs.length} whole packs`);
    assert.ok(newIndexes().length >= 2 && written.packs.length >= 2);
    assert.ok(written.bytes < exportBytes / 2, 'killed well before the end');
    const ids = tempIds();
    assert.equal(ids.length, 1, `the temporary files name the killed backup: ${ids.join(', ')}`);
    await assertRecovers(t, ids[0] as string, false);
    assert.ok(keptIndexes.size >= 2);
  });

  test('(c) killed after the snapshot was in place, before its metadata', async (t) => {
    const before = await packState();
    const isOrphan = (n: string) => ID_OBJECT.test(n) && !committed.includes(idOf(n));
    const run = await backupKilledWhen(sb, bigExport, [snapshotsDir, metaDir], () =>
      namesNow(snapshotsDir).some(isOrphan),
    );
    const snapshot = (await readdir(snapshotsDir)).find(isOrphan);
    assert.ok(snapshot, `the snapshot was renamed into place (exit ${run.code}, signal ${run.signal})`);
    const id = idOf(snapshot);
    if (!run.hit || existsSync(join(metaDir, snapshot))) {
      // The kill came too late (the metadata was written: the backup committed). Make the state a crash right
      // after the snapshot's rename leaves, deterministically: the snapshot and every pack in place, no
      // metadata, and this device's journal entry for the id (no live writer).
      t.diagnostic('missed the window between snapshot and metadata; recreating that state by hand');
      await rm(join(metaDir, snapshot), { force: true });
      await writeFile(join(journalDir, id), '');
    } else {
      t.diagnostic('killed between the rename of the snapshot and the metadata write');
    }
    const written = await newPackBytes(before);
    t.diagnostic(
      `this run wrote ${written.packs.length} packs (${(written.bytes / MiB).toFixed(1)} MiB with indexes) ` +
        `and reused the ${keptIndexes.size} indexed packs of the killed runs`,
    );
    // It wrote only what the indexed packs of (b) did not hold, not the whole export again (without reuse it
    // would write at least the export's bytes: random data does not compress).
    let keptBytes = 0;
    for (const n of keptPacks) keptBytes += (await stat(join(packsDir, n))).size;
    assert.ok(
      written.bytes < exportBytes - keptBytes / 2,
      `the run reused the packs of the killed runs (${written.bytes} bytes written, export ${exportBytes})`,
    );
    for (const n of keptPacks) assert.ok(existsSync(join(packsDir, n)), `pack ${n} of a killed run is kept`);
    assert.deepEqual(
      tempIds().filter((i) => i !== id),
      [],
      'temporary files only of the killed backup',
    );
    await assertRecovers(t, id, true);
  });

  test('the next backup reuses the packs of the killed runs and restores byte for byte', async (t) => {
    const before = await packState();
    const r = ok(await sb.run(['backup', bigExport]), 'backup after the crashes');
    assert.match(r.stdout, /^stored Big chat as /m);
    const ids = await listIds();
    assert.equal(ids.length, committed.length + 1);
    const id = ids.find((i) => !committed.includes(i));
    assert.ok(id);
    committed.push(id);
    bigId = id;
    for (const dir of [packsDir, indexDir, snapshotsDir, metaDir])
      assert.deepEqual(temps(await readdir(dir)), [], `no temporary file in ${dir}`);
    assert.deepEqual(await readdir(journalDir), []);

    const meta = await metadataOf(id);
    const written = await newPackBytes(before);
    const snapshotBytes = (await stat(join(snapshotsDir, `${id}.age`))).size;
    t.diagnostic(
      `uploadedBytes ${meta.uploadedBytes} (${written.packs.length} new packs, snapshot ${snapshotBytes} bytes) ` +
        `for an export of ${exportBytes} bytes`,
    );
    assert.equal(meta.bytes, exportBytes);
    assert.equal(
      meta.uploadedBytes,
      written.bytes + snapshotBytes,
      'uploadedBytes counts the new packs, indexes and the snapshot',
    );
    // The killed run (c) had stored every chunk: only the snapshot is new.
    assert.deepEqual(written.packs, [], 'no pack is written again');
    assert.ok(meta.uploadedBytes < exportBytes / 100, 'uploadedBytes is far smaller than the export');
    // Every chunk is in exactly one indexed pack: no run stored a chunk a killed run had indexed.
    const seen = new Map<string, string>();
    for (const [pack, names] of await indexes()) {
      for (const name of names) {
        const chunk = name.replace(/\.gz$/, '');
        assert.equal(seen.get(chunk), undefined, `chunk ${chunk} is in packs ${seen.get(chunk)} and ${pack}`);
        seen.set(chunk, pack);
      }
    }
    for (const n of keptIndexes)
      assert.ok(existsSync(join(indexDir, n)), `index ${n} of a killed run is kept`);

    const to = join(sb.root, 'restored');
    assert.match(ok(await sb.run(['restore', id, '--to', to]), 'restore').stdout, /^Verified: complete/m);
    const video = join(to, 'Big chat', 'media', 'video.bin');
    assert.equal(statSync(video).size, BIG_FILE_MIB * MiB);
    assert.equal(await sha256File(video), bigSha);
    assert.equal(await readFile(join(to, 'Big chat', 'chat.txt'), 'utf8'), bigChat);
    await rm(to, { recursive: true });
  });

  test('a kill during the backup of a changed version leaves the earlier backup restorable', async (t) => {
    assert.ok(bigId, 'the big export was backed up');
    // The changed version: more chat, and a new media file (only these chunks are new).
    const moreChat = chatText(2_000, 20_000);
    await appendFile(join(bigExport, 'chat.txt'), moreChat);
    await writeRandomFile(join(bigExport, 'media', 'photo.bin'), NEW_FILE_MIB);
    const before = await packState();
    const newIndexes = () => wholes(namesNow(indexDir)).filter((n) => !before.index.includes(n));
    const run = await backupKilledWhen(
      sb,
      bigExport,
      [packsDir, indexDir],
      () => newIndexes().length >= 1 && temps(namesNow(packsDir)).length > 0,
    );
    assert.equal(run.hit, true, `the backup was not killed in time (exit ${run.code})`);
    const written = await newPackBytes(before);
    t.diagnostic(`killed after ${written.packs.length} new packs`);
    assert.ok(written.bytes < NEW_FILE_MIB * MiB, 'the changed version writes only its new chunks');
    const ids = tempIds();
    assert.equal(ids.length, 1, `the temporary files name the killed backup: ${ids.join(', ')}`);
    await assertRecovers(t, ids[0] as string, false);

    const to = join(sb.root, 'restored-earlier');
    assert.match(
      ok(await sb.run(['restore', bigId, '--to', to]), 'restore of the earlier backup').stdout,
      /^Verified: complete/m,
    );
    assert.equal(await sha256File(join(to, 'Big chat', 'media', 'video.bin')), bigSha);
    assert.equal(await readFile(join(to, 'Big chat', 'chat.txt'), 'utf8'), bigChat);
    assert.deepEqual(await readdir(join(to, 'Big chat', 'media')), ['video.bin']);
    await rm(to, { recursive: true });

    // The changed version then backs up, writing only what neither the vault nor the killed run held.
    const state = await packState();
    ok(await sb.run(['backup', bigExport]), 'backup of the changed version');
    const id = (await listIds()).find((i) => !committed.includes(i));
    assert.ok(id, 'the changed version is listed');
    committed.push(id);
    const meta = await metadataOf(id);
    const after = await newPackBytes(state);
    t.diagnostic(`the changed version uploaded ${meta.uploadedBytes} bytes (${after.packs.length} packs)`);
    assert.equal(meta.bytes, exportBytes + Buffer.byteLength(moreChat) + NEW_FILE_MIB * MiB);
    assert.ok(
      meta.uploadedBytes < NEW_FILE_MIB * MiB,
      'the changed version uploads less than its new file: the killed run’s packs are reused',
    );
    const verify = ok(await sb.run(['verify', id]), 'verify of the changed version');
    assert.match(verify.stdout, /^1 of 1 backups verified/m);
  });
});
