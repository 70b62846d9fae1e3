// kill -9 during a backup of a large export: no partial backup is ever listed, committed backups still
// verify, `gc` removes exactly what this device left unfinished, and the next backup succeeds and restores
// byte for byte. gc leaves another device's fresh orphans alone until their grace period is over.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync, watch } from 'node:fs';
import { mkdir, open, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, type TestContext, test } from 'node:test';
import { newBackupId } from '../../src/core/vault/layout.js';
import { makeSandbox, type RunResult, type Sandbox } from '../helpers/cli.js';
import { exited, sha256File } from '../helpers/processes.js';

// These tests damage and kill format-1 objects (data/<id>.age), so this file writes format 1;
// format-2 backups have their own in crash-format2.test.ts.
process.env.PUDDLEPROOF_WRITE_FORMAT = '1';

const MiB = 1024 * 1024;
const BIG_FILE_MIB = 300;
const ID_OBJECT = /^\d{8}T\d{6}Z-[a-z2-7]{12}\.age$/;

/** Asserts a CLI run succeeded, showing its output when it did not. */
function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Writes `mib` MiB quickly: one random 1 MiB block, repeated. */
async function writeBigFile(path: string, mib: number): Promise<void> {
  const block = randomBytes(MiB);
  const handle = await open(path, 'w');
  try {
    for (let i = 0; i < mib; i++) await handle.write(block, 0, MiB);
  } finally {
    await handle.close();
  }
}

/**
 * Starts `backup PATH` and SIGKILLs it the moment `shouldKill(names of the data folder)` is true, watching the
 * folder (inotify, for the narrow windows) and polling it (for sizes). Resolves after the process died; `hit`
 * says whether the kill happened (false: the backup finished first).
 */
async function backupKilledWhen(
  sb: Sandbox,
  exportPath: string,
  dataDir: string,
  shouldKill: (names: string[]) => boolean,
): Promise<{ hit: boolean; signal: NodeJS.Signals | null; code: number | null }> {
  const child = sb.start(['backup', exportPath]);
  let hit = false;
  const check = () => {
    if (hit || child.exitCode !== null || child.signalCode !== null) return;
    let names: string[];
    try {
      names = readdirSync(dataDir);
    } catch {
      return;
    }
    if (shouldKill(names)) {
      hit = child.kill('SIGKILL');
    }
  };
  const watcher = watch(dataDir, () => check());
  const poll = setInterval(check, 2);
  try {
    const end = await exited(child);
    return { hit: hit && end.signal === 'SIGKILL', ...end };
  } finally {
    clearInterval(poll);
    watcher.close();
  }
}

const temps = (names: string[]) => names.filter((n) => n.startsWith('.tmp-'));

interface Listed {
  id: string;
  source: string;
  bytes: number;
  files: number;
}

describe('kill -9 during a backup of a large export', () => {
  let sb: Sandbox;
  let dataDir: string;
  let metaDir: string;
  let journalDir: string;
  let bigExport: string;
  let bigSha: string;
  /** Ids of the committed backups, as the data and meta folders must hold them. */
  const committed: string[] = [];

  before(async () => {
    sb = await makeSandbox();
    ok(await sb.run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit]), 'init');
    dataDir = join(sb.cloud, 'Puddleproof', 'data');
    metaDir = join(sb.cloud, 'Puddleproof', 'meta');
    journalDir = join(sb.home, 'in-progress');
    // A small committed backup that every crash must leave intact.
    const small = join(sb.watch, 'Small chat');
    await mkdir(small);
    await writeFile(join(small, 'chat.txt'), 'hello from before the crashes\n');
    ok(await sb.run(['backup', small]), 'backup of the small export');
    committed.push(...(await listIds()));
    assert.equal(committed.length, 1);
    bigExport = join(sb.watch, 'Big chat');
    await mkdir(join(bigExport, 'media'), { recursive: true });
    await writeFile(join(bigExport, 'chat.txt'), 'a long conversation\n'.repeat(1000));
    await writeBigFile(join(bigExport, 'media', 'video.bin'), BIG_FILE_MIB);
    bigSha = await sha256File(join(bigExport, 'media', 'video.bin'));
  });

  after(async () => {
    await sb?.cleanup();
  });

  async function listIds(): Promise<string[]> {
    const r = ok(await sb.run(['list', '--json']), 'list --json');
    return (JSON.parse(r.stdout) as Listed[]).map((b) => b.id).sort();
  }

  /** After a crash: nothing partial is listed, committed backups verify, gc leaves exactly them. */
  async function assertRecovers(t: TestContext): Promise<void> {
    assert.equal((await readdir(journalDir)).length, 1, 'the journal marks the killed backup as unfinished');
    const [ids, verify] = await Promise.all([listIds(), sb.run(['verify'])]);
    assert.deepEqual(ids, [...committed].sort(), 'list shows only committed backups');
    ok(verify, 'verify after the crash');
    assert.match(
      verify.stdout,
      new RegExp(`^${committed.length} of ${committed.length} backups verified`, 'm'),
    );
    const expected = committed.map((id) => `${id}.age`).sort();
    const leftovers = [
      ...(await readdir(dataDir)).map((n) => join(dataDir, n)),
      ...(await readdir(metaDir)).map((n) => join(metaDir, n)),
    ].filter((path) => !expected.some((name) => path.endsWith(`/${name}`)));
    assert.ok(leftovers.length > 0, 'the crash left an unfinished object');
    const gc = ok(await sb.run(['gc']), 'gc');
    t.diagnostic(gc.stdout.trim());
    for (const path of leftovers) assert.ok(gc.stdout.includes(`removed ${path}\n`), `gc removed ${path}`);
    assert.match(gc.stdout, new RegExp(`^${leftovers.length} unfinished objects removed\\.`, 'm'));
    assert.deepEqual(
      (await readdir(dataDir)).sort(),
      expected,
      'the data folder holds the committed objects',
    );
    assert.deepEqual(
      (await readdir(metaDir)).sort(),
      expected,
      'the meta folder holds the committed objects',
    );
    assert.deepEqual(await readdir(journalDir), [], 'gc ended the journal entries');
  }

  test('(a) killed as soon as the temporary data object appears', async (t) => {
    const run = await backupKilledWhen(sb, bigExport, dataDir, (names) => temps(names).length > 0);
    assert.equal(run.hit, true, `the backup was not killed in time (exit ${run.code})`);
    const left = await readdir(dataDir);
    assert.equal(temps(left).length, 1, `a temporary object is left: ${left.join(', ')}`);
    assert.equal((await readdir(journalDir)).length, 1);
    await assertRecovers(t);
  });

  test('(b) killed once the temporary data object has grown past 50 MiB', async (t) => {
    const run = await backupKilledWhen(sb, bigExport, dataDir, (names) =>
      temps(names).some((n) => {
        try {
          return statSync(join(dataDir, n)).size > 50 * MiB;
        } catch {
          return false;
        }
      }),
    );
    assert.equal(run.hit, true, `the backup was not killed in time (exit ${run.code})`);
    const [temp, ...others] = temps(await readdir(dataDir));
    assert.equal(others.length, 0);
    assert.ok(temp);
    const size = statSync(join(dataDir, temp)).size;
    assert.ok(size > 50 * MiB && size < BIG_FILE_MIB * MiB, `temporary object of ${size} bytes`);
    await assertRecovers(t);
  });

  test('(c) killed after the data object was renamed into place, before its metadata', async (t) => {
    const isObject = (n: string) => ID_OBJECT.test(n) && !committed.includes(n.slice(0, -4));
    const run = await backupKilledWhen(sb, bigExport, dataDir, (names) => names.some(isObject));
    const object = (await readdir(dataDir)).find(isObject);
    assert.ok(object, 'the data object was renamed into place');
    const id = object.slice(0, -4);
    if (!run.hit || existsSync(join(metaDir, object))) {
      // The kill came too late (the metadata was written, so the backup committed). Make the state a crash
      // right after the rename leaves deterministically instead: the complete data object in place, no
      // metadata, and this device's journal entry for the id.
      t.diagnostic('missed the window between rename and metadata; recreating that state by hand');
      await rm(join(metaDir, object), { force: true });
      await writeFile(join(journalDir, id), '');
    } else {
      t.diagnostic('killed between the rename of the data object and the metadata write');
    }
    assert.equal(existsSync(join(metaDir, object)), false);
    assert.deepEqual(await readdir(journalDir), [id]);
    assert.equal(statSync(join(dataDir, object)).size > BIG_FILE_MIB * MiB, true, 'a complete data object');
    await assertRecovers(t);
  });

  test('the next backup succeeds and restores byte for byte', async () => {
    const r = ok(await sb.run(['backup', bigExport]), 'backup after the crashes');
    assert.match(r.stdout, /^stored Big chat as /m);
    const ids = await listIds();
    assert.equal(ids.length, 2);
    const id = ids.find((i) => !committed.includes(i));
    assert.ok(id);
    committed.push(id);
    const to = join(sb.root, 'restored');
    assert.match(ok(await sb.run(['restore', id, '--to', to]), 'restore').stdout, /^Verified: complete/m);
    const video = join(to, 'Big chat', 'media', 'video.bin');
    assert.equal(statSync(video).size, BIG_FILE_MIB * MiB);
    assert.equal(await sha256File(video), bigSha);
    assert.equal(
      await readFile(join(to, 'Big chat', 'chat.txt'), 'utf8'),
      'a long conversation\n'.repeat(1000),
    );
    await rm(to, { recursive: true });
    assert.deepEqual((await readdir(dataDir)).sort(), committed.map((i) => `${i}.age`).sort());
  });

  test('gc keeps another device’s fresh orphans (no journal entry here), and removes them with --grace-minutes 0', async () => {
    const committedObjects = committed.map((id) => `${id}.age`).sort();
    assert.deepEqual((await readdir(dataDir)).sort(), committedObjects);
    // Another device is writing these right now (its journal is on its own disk, not here).
    const orphan = `${newBackupId(new Date())}.age`;
    const otherTemp = `.tmp-${randomBytes(8).toString('hex')}-${newBackupId(new Date())}.age`;
    await writeFile(join(dataDir, orphan), randomBytes(4096));
    await writeFile(join(dataDir, otherTemp), randomBytes(4096));

    const gc = ok(await sb.run(['gc']), 'gc');
    assert.match(gc.stdout, /^0 unfinished objects removed\./m);
    assert.deepEqual((await readdir(dataDir)).sort(), [...committedObjects, orphan, otherTemp].sort());

    const gc0 = ok(await sb.run(['gc', '--grace-minutes', '0']), 'gc --grace-minutes 0');
    assert.ok(gc0.stdout.includes(`removed ${join(dataDir, orphan)}\n`));
    assert.ok(gc0.stdout.includes(`removed ${join(dataDir, otherTemp)}\n`));
    assert.match(gc0.stdout, /^2 unfinished objects removed\./m);
    assert.deepEqual((await readdir(dataDir)).sort(), committedObjects);
    assert.deepEqual(await listIds(), [...committed].sort());
  });

  test('gc while this device’s backup is still running leaves its temporary object alone', async () => {
    // A new mtime: the quick fingerprint no longer matches, so the export is read and encrypted again (and
    // found unchanged only at the end, after the temporary object was written).
    const later = new Date(Date.now() + 60_000);
    await utimes(join(bigExport, 'media', 'video.bin'), later, later);
    const child = sb.start(['backup', bigExport]);
    const end = exited(child);
    for (;;) {
      const temp = temps(await readdir(dataDir))[0];
      if (temp && (statSync(join(dataDir, temp), { throwIfNoEntry: false })?.size ?? 0) > 8 * MiB) break;
      assert.equal(child.exitCode, null, 'the backup is still running');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const gc = ok(await sb.run(['gc']), 'gc during a backup');
    const stillRunning = child.exitCode === null;
    const { code } = await end;
    assert.equal(code, 0, `the running backup failed after gc said:\n${gc.stdout}`);
    assert.equal(stillRunning, true, 'gc ran while the backup was running');
    assert.match(gc.stdout, /^0 unfinished objects removed\./m);
    assert.deepEqual((await readdir(dataDir)).sort(), committed.map((i) => `${i}.age`).sort());
  });
});
