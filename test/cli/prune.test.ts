// prune through the CLI, and crash-safe removal at the Vault level.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { newBackupId } from '../../src/core/vault/layout.js';
import { Vault } from '../../src/core/vault/vault.js';
import {
  type ChatModel,
  expectedSummary,
  growChat,
  makeChat,
  writeWhatsAppIos,
} from '../helpers/chat-exports/index.js';
import { makeSandbox, type Sandbox } from '../helpers/cli.js';

interface Listed {
  id: string;
  source: string;
  exportName: string;
  createdAt: string;
  chat: string | null;
  title: string;
  platform: string | null;
  messages: number | null;
}

async function listJson(sb: Sandbox): Promise<Listed[]> {
  const r = await sb.run(['list', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Listed[];
}

async function objectIds(sb: Sandbox, folder: 'data' | 'meta' | 'snapshots'): Promise<string[]> {
  const names = await readdir(join(sb.cloud, 'Puddleproof', folder));
  return names.filter((n) => n.endsWith('.age')).map((n) => n.slice(0, -4));
}

/** Every version of the chat exported so far, oldest first. */
const versions: ChatModel[] = [];

/** Backs up `count` new versions of one chat (a WhatsApp iOS zip that grows), one after another. */
async function backUpVersions(sb: Sandbox, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const previous = versions[versions.length - 1];
    const chat = previous
      ? growChat(previous, 5, versions.length + 1)
      : makeChat({
          title: 'Alice',
          participants: ['Alice', 'Me'],
          count: 40,
          start: new Date('2026-01-05T09:00:00Z'),
          seed: 1,
        });
    versions.push(chat);
    await writeWhatsAppIos(sb.watch, chat, { zip: true });
    const r = await sb.run(['backup']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /unchanged/);
  }
}

for (const format of [2, 1] as const)
  describe(`puddleproof prune (format ${format})`, () => {
    let sb: Sandbox;
    let backups: Listed[];
    /** The folder of each backup's own object: its data object (format 1) or its snapshot (format 2). */
    const content = format === 1 ? 'data' : 'snapshots';

    before(async () => {
      process.env.PUDDLEPROOF_WRITE_FORMAT = String(format);
      versions.length = 0;
      sb = await makeSandbox();
      const init = await sb.run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit]);
      assert.equal(init.code, 0, init.stderr);
      await backUpVersions(sb, 6);
      backups = await listJson(sb);
    });
    after(async () => {
      delete process.env.PUDDLEPROOF_WRITE_FORMAT;
      await sb.cleanup();
    });

    test('six versions of one chat make six backups of one chat', () => {
      assert.equal(backups.length, 6);
      const [first] = backups;
      assert.equal(typeof first?.chat, 'string');
      for (const [i, b] of backups.entries()) {
        assert.equal(b.chat, first?.chat, `version ${i + 1} is the same chat`);
        assert.equal(b.exportName, 'WhatsApp Chat - Alice.zip');
        assert.equal(b.source, 'Alice');
        assert.equal(b.title, 'Alice');
        assert.equal(b.platform, 'whatsapp');
        assert.equal(b.messages, expectedSummary(versions[i] as ChatModel).messages);
      }
    });

    test('--dry-run lists what would go and removes nothing', async () => {
      const r = await sb.run(['prune', '--keep-last', '2', '--dry-run']);
      assert.equal(r.code, 0, r.stderr);
      const removeLines = r.stdout.split('\n').filter((l) => l.startsWith('remove '));
      const keepLines = r.stdout.split('\n').filter((l) => l.startsWith('keep '));
      assert.deepEqual(
        removeLines,
        backups.slice(0, 4).map((b) => `remove ${b.id} Alice — WhatsApp ${b.createdAt}`),
      );
      assert.equal(keepLines.length, 2);
      // All six are from today: keep-last keeps the two newest, daily/weekly/monthly/yearly the newest.
      assert.equal(keepLines[0], `keep ${backups[4]?.id} Alice — WhatsApp ${backups[4]?.createdAt} (last 2)`);
      assert.match(
        keepLines[1] ?? '',
        new RegExp(
          `^keep ${backups[5]?.id} Alice — WhatsApp \\S+ \\(last 2, daily, weekly, monthly, yearly\\)$`,
        ),
      );
      assert.match(r.stdout, /Policy: keep last 2, daily 14, weekly 8, monthly 12, yearly 3/);
      assert.match(r.stdout, /Dry run: would remove 4 of 6 backups; nothing was removed/);
      assert.equal((await listJson(sb)).length, 6);
      assert.equal((await objectIds(sb, 'meta')).length, 6);
      assert.equal((await objectIds(sb, content)).length, 6);
      if (format === 2)
        assert.match(
          r.stdout,
          /^Packs: after this prune, \d+ of \d+ are used by no backup kept here .*\n^Would delete 0 packs .*\n^Would condemn 0 packs /m,
        );
    });

    test('bad flags are usage errors', async () => {
      for (const args of [
        ['--keep-daily', '-1'],
        ['--keep-daily', '1.5'],
        ['--keep-weekly', 'lots'],
        ['extra'],
      ]) {
        const r = await sb.run(['prune', '--dry-run', ...args]);
        assert.equal(r.code, 2, args.join(' '));
        assert.match(r.stderr, /usage: puddleproof prune/);
      }
      const help = await sb.run(['prune', '--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /--keep-monthly N/);
    });

    test('prune removes the metadata and the data of the four oldest; the rest verifies', async () => {
      const r = await sb.run(['prune', '--keep-last', '2']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Removed 4 backups, kept 2\./);
      const kept = backups.slice(4).map((b) => b.id);
      assert.deepEqual(
        (await listJson(sb)).map((b) => b.id),
        kept,
      );
      // Object names sort by id; two backups made in one second may list in the other order.
      assert.deepEqual((await objectIds(sb, 'meta')).sort(), [...kept].sort());
      assert.deepEqual((await objectIds(sb, content)).sort(), [...kept].sort());
      if (format === 1) assert.match(r.stdout, /^Freed \d+(\.\d)? [kM]?B of format-1 backups\./m);
      else {
        assert.match(r.stdout, /^Packs: \d+ of \d+ are used by no backup kept here/m);
        // With no margin, one prune condemns the packs only the removed versions used, the next deletes
        // them; what is kept still verifies.
        const prune = async () => {
          const again = await sb.run(['prune', '--keep-last', '2', '--grace', '0s']);
          assert.equal(again.code, 0, again.stderr);
          return again.stdout;
        };
        const condemned = /^Condemned ([1-9]\d*) packs/m.exec(await prune())?.[1];
        assert.ok(condemned, 'some packs are condemned');
        assert.match(await prune(), new RegExp(`^Deleted ${condemned} packs`, 'm'));
        assert.match(await prune(), /^Packs: 0 of \d+ are used/m);
      }
      const verify = await sb.run(['verify']);
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      assert.match(verify.stdout, /2 of 2 backups verified/);
      // Running it again finds nothing more to remove.
      const again = await sb.run(['prune', '--keep-last', '2']);
      assert.match(again.stdout, /Removed 0 backups, kept 2\./);
    });

    test('a crash between the two steps leaves an orphan that list ignores and gc removes', async () => {
      await backUpVersions(sb, 1);
      const [newest] = (await listJson(sb)).slice(-1);
      assert.ok(newest);
      // The crash: the commit record is gone, the backup's own object is not.
      await rm(join(sb.cloud, 'Puddleproof', 'meta', `${newest.id}.age`));
      assert.ok((await objectIds(sb, content)).includes(newest.id));
      assert.ok(!(await listJson(sb)).some((b) => b.id === newest.id));
      const gc = await sb.run(['gc', '--grace-minutes', '0']);
      assert.equal(gc.code, 0, gc.stderr);
      assert.match(gc.stdout, /1 unfinished objects removed/);
      assert.ok(!(await objectIds(sb, content)).includes(newest.id));
      const verify = await sb.run(['verify']);
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    });

    test('a backup that cannot be read is never removed', async () => {
      const id = newBackupId(new Date(Date.UTC(2020, 0, 1)));
      await writeFile(join(sb.cloud, 'Puddleproof', 'meta', `${id}.age`), 'not an age file');
      await writeFile(join(sb.cloud, 'Puddleproof', 'data', `${id}.age`), 'not an age file');
      const r = await sb.run(['prune', '--keep-last', '1']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`warning: backup ${id} cannot be read, so it is kept`));
      assert.doesNotMatch(r.stdout, new RegExp(`remove ${id}`));
      assert.ok((await objectIds(sb, 'meta')).includes(id));
      assert.ok((await objectIds(sb, 'data')).includes(id));
    });
  });

describe('Vault.forget', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'puddleproof-forget-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  async function vaultWith(name: string, count: number): Promise<{ vault: Vault; ids: string[] }> {
    const cloud = join(root, name);
    await mkdir(cloud);
    const vault = await Vault.create(cloud);
    const ids = Array.from({ length: count }, (_, i) => newBackupId(new Date(Date.UTC(2026, 0, 1 + i))));
    for (const id of ids) {
      await writeFile(vault.paths.data(id), 'data');
      await writeFile(vault.paths.meta(id), 'meta');
    }
    return { vault, ids };
  }

  test('removes both objects of each backup and leaves the others; unknown ids are no error', async () => {
    const { vault, ids } = await vaultWith('plain', 3);
    await vault.forget([ids[0] as string, ids[2] as string]);
    assert.deepEqual(await vault.committedIds(), [ids[1]]);
    assert.deepEqual(await readdir(vault.paths.dataDir), [`${ids[1]}.age`]);
    await vault.forget([ids[0] as string]);
    await assert.rejects(vault.forget(['../vault']), /not a backup id/);
    assert.deepEqual(await vault.committedIds(), [ids[1]]);
  });

  test('the commit record goes first: if removing the data fails, the backup is already gone', async () => {
    const { vault, ids } = await vaultWith('crash', 2);
    const [doomed, other] = ids as [string, string];
    // A data object that cannot be removed like a file (a folder with that name) stops forget between
    // its two steps, as a crash would.
    await rm(vault.paths.data(doomed));
    await mkdir(vault.paths.data(doomed));
    await writeFile(join(vault.paths.data(doomed), 'x'), 'x');
    await assert.rejects(vault.forget([doomed]));
    assert.deepEqual(await vault.committedIds(), [other], 'the metadata object was removed first');
    // gc treats what is left as an orphan (here a folder, so it is removed by hand after the check).
    await rm(vault.paths.data(doomed), { recursive: true });
    await writeFile(vault.paths.data(doomed), 'data');
    const removed = await vault.gc(new Set(), 0, Date.now() + 1000);
    assert.deepEqual(removed, [vault.paths.data(doomed)]);
    assert.deepEqual(await readdir(vault.paths.dataDir), [`${other}.age`]);
  });
});

describe('prune --dry-run says what a prune would reclaim', { concurrency: 1 }, () => {
  let sb: Sandbox;
  const chat = () => join(sb.watch, 'Chat Y');
  const keepOne = [
    '--keep-last',
    '1',
    ...['hourly', 'daily', 'weekly', 'monthly', 'yearly'].flatMap((k) => [`--keep-${k}`, '0']),
    '--grace',
    '0s',
  ];
  before(async () => {
    sb = await makeSandbox();
    const r = await sb.run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => sb?.cleanup());

  /** The "Packs:" line and the ones after it, with "Would"/"after this prune" as a real run words them. */
  const packLines = (stdout: string) =>
    stdout
      .slice(stdout.indexOf('Packs: '))
      .replaceAll('after this prune, ', '')
      .replaceAll('Would delete', 'Deleted')
      .replaceAll('Would condemn', 'Condemned');

  test('the same packs and bytes as the prune that follows it', async () => {
    await mkdir(chat());
    await writeFile(join(chat(), 'notes.txt'), 'Kept in every version.\n');
    // Each version has its own photo and text, and the notes are the same: the first version's pack is
    // used by no kept backup but for the notes, so the prune repacks them and condemns it.
    for (const [n, text] of ['<html>hi</html>', '<html>hi again</html>'].entries()) {
      await writeFile(join(chat(), 'messages.html'), text);
      await writeFile(join(chat(), 'photo.jpg'), randomBytes(1_000_000 + n));
      const r = await sb.run(['backup']);
      assert.equal(r.code, 0, r.stderr);
    }
    const dry = await sb.run(['prune', ...keepOne, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^Would condemn 1 packs \([1-9][^,]*, 1 of them repacked\)/m, dry.stdout);
    const real = await sb.run(['prune', ...keepOne]);
    assert.equal(real.code, 0, real.stderr);
    assert.equal(packLines(dry.stdout), packLines(real.stdout));
  });
});
