// A vault made before chats were recognised: its backups are kept by retention until they are
// identified from their content (resumably), then judged by chat. And what people change by hand:
// rename, merge, split — kept in the vault, applied on every device; a forged change is refused.
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { identifyOldBackups } from '../../src/core/chats/identify-old.js';
import { openDevice } from '../../src/core/device.js';
import { recordIdentitiesOf } from '../../src/core/keys/record-keys.js';
import { recipientOf } from '../../src/core/keys/vault-secrets.js';
import {
  type BackupMetadata,
  decryptMetadata,
  encryptMetadata,
  signMetadata,
  verifyMetadata,
} from '../../src/core/vault/metadata.js';
import { type ChatJson, cliJson, ONLY_KEEP_LAST } from '../helpers/chat-cli.js';
import { growChat, makeChat, writeTelegramJson, writeWhatsAppIos } from '../helpers/chat-exports/index.js';
import { makeSandbox, type Sandbox } from '../helpers/cli.js';

/** Rewrites every metadata object as a version without chat recognition wrote it (no `chat`). */
async function makeLegacy(sb: Sandbox): Promise<void> {
  const device = await openDevice(sb.home);
  const { secrets } = device;
  const recipients = [
    ...secrets.recipients.map((r) => r.recipient),
    await recipientOf(secrets.indexIdentity),
  ];
  const metaDir = join(sb.cloud, 'Puddleproof', 'meta');
  for (const name of await readdir(metaDir)) {
    const path = join(metaDir, name);
    const value = await decryptMetadata(await readFile(path), recordIdentitiesOf(secrets));
    const meta: BackupMetadata = verifyMetadata(value, secrets.authKey);
    const { chat: _dropped, ...legacy } = meta;
    const source = legacy.exportName.replace(/\.zip$/, '').replace(/ \(\d+\)$/, '');
    await writeFile(
      path,
      await encryptMetadata(signMetadata({ ...legacy, source }, secrets.authKey), recipients),
    );
  }
}

describe('a vault from before chats were recognised', () => {
  let sb: Sandbox;
  const start = new Date('2024-05-01T08:00:00Z');
  const alice = makeChat({ title: 'Alice', participants: ['Alice', 'Me'], count: 80, start, seed: 1 });

  before(async () => {
    sb = await makeSandbox();
    const r = await sb.run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit]);
    assert.equal(r.code, 0, r.stderr);
    let version = alice;
    for (let i = 0; i < 3; i++) {
      version = i === 0 ? alice : growChat(version, 10, i);
      await writeWhatsAppIos(sb.watch, version, {
        zip: true,
        fileName: `WhatsApp Chat - Alice${i ? ` (${i})` : ''}.zip`,
      });
      assert.equal((await sb.run(['backup'])).code, 0);
    }
    for (let i = 0; i < 2; i++) {
      const chat = makeChat({
        title: `Group ${i}`,
        participants: ['A', 'B'],
        count: 30,
        start,
        seed: 10 + i,
      });
      await writeTelegramJson(sb.watch, chat, {
        id: 900 + i,
        folderName: `ChatExport_2026-11-26${i ? ` (${i})` : ''}`,
      });
    }
    assert.equal((await sb.run(['backup'])).code, 0);
    await makeLegacy(sb);
  });
  after(() => sb.cleanup());

  test('old backups are "not identified yet", and retention removes none of them', async () => {
    const chats = await cliJson<ChatJson[]>(sb, ['chats']);
    assert.ok(chats.every((c) => !c.identified));
    const r = await sb.run(['prune', '--keep-last', '1', ...ONLY_KEEP_LAST]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /chat not identified yet/);
    assert.match(r.stdout, /Removed 0 backups, kept 5/);
  });

  test('identifying stops between backups and goes on where it stopped', async () => {
    const device = await openDevice(sb.home);
    const stop = new AbortController();
    const first = await identifyOldBackups(device.vault, device, {
      signal: stop.signal,
      onProgress: (p) => {
        if (p.done === 1) stop.abort();
      },
    });
    assert.deepEqual([first.done, first.total], [1, 5]);
    const r = await sb.run(['chats', 'identify']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /4 of 4 backups identified/);
    const chats = await cliJson<ChatJson[]>(sb, ['chats']);
    assert.deepEqual(chats.map((c) => [c.title, c.platform, c.versions, c.identified]).sort(), [
      ['Alice', 'whatsapp', 3, true],
      ['Group 0', 'telegram', 1, true],
      ['Group 1', 'telegram', 1, true],
    ]);
    assert.deepEqual(
      await readdir(join(sb.home)).then((n) => n.includes('identify')),
      false,
      'no plaintext left',
    );
  });

  test('once identified, retention judges each chat on its own', async () => {
    const r = await sb.run(['prune', '--keep-last', '1', ...ONLY_KEEP_LAST]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Removed 2 backups, kept 3/);
    assert.equal((await cliJson<ChatJson[]>(sb, ['chats'])).find((c) => c.title === 'Alice')?.versions, 1);
  });
});

describe('rename, merge and split', () => {
  let sb: Sandbox;
  const start = new Date('2024-05-01T08:00:00Z');
  // One person's chat from two phones: no shared messages, so two chats until merged.
  const a = makeChat({ title: 'Mum', participants: ['Mum', 'Me'], count: 40, start, seed: 1 });
  const b = makeChat({ title: 'Mum', participants: ['Mum', 'Me'], count: 40, start, seed: 2 });

  before(async () => {
    sb = await makeSandbox();
    const r = await sb.run(['init', '--watch', sb.watch, '--cloud', sb.cloud, '--recovery-kit', sb.kit]);
    assert.equal(r.code, 0, r.stderr);
    await writeWhatsAppIos(sb.watch, a, { zip: true });
    await writeWhatsAppIos(sb.watch, b, { zip: true, fileName: 'WhatsApp Chat - Mum (old phone).zip' });
    assert.equal((await sb.run(['backup'])).code, 0);
  });
  after(() => sb.cleanup());

  test('merging makes one chat; a later version joins it; splitting takes a version out again', async () => {
    const [x, y] = await cliJson<ChatJson[]>(sb, ['chats']);
    assert.ok(x && y);
    const merged = await sb.run(['chats', 'merge', x.id, y.id]);
    assert.equal(merged.code, 0, merged.stderr);
    const after1 = await cliJson<ChatJson[]>(sb, ['chats']);
    assert.deepEqual(
      after1.map((c) => [c.id, c.versions]),
      [[y.id, 2]],
    );
    const renamed = await sb.run(['chats', 'rename', y.id, 'Mum (both phones)']);
    assert.equal(renamed.code, 0, renamed.stderr);
    assert.equal((await cliJson<ChatJson[]>(sb, ['chats']))[0]?.title, 'Mum (both phones)');
    // A later export of the first phone's chat joins the merged chat, under its title.
    await writeWhatsAppIos(sb.watch, growChat(a, 5, 3), {
      zip: true,
      fileName: 'WhatsApp Chat - Mum (1).zip',
    });
    assert.equal((await sb.run(['backup'])).code, 0);
    assert.deepEqual(
      (await cliJson<ChatJson[]>(sb, ['chats'])).map((c) => [c.title, c.versions]),
      [['Mum (both phones)', 3]],
    );
    const list = JSON.parse((await sb.run(['list', '--json'])).stdout) as { id: string; chat: string }[];
    const split = await sb.run(['chats', 'split', list[0]?.id ?? '']);
    assert.equal(split.code, 0, split.stderr);
    const after2 = await cliJson<ChatJson[]>(sb, ['chats']);
    assert.deepEqual(after2.map((c) => c.versions).sort(), [1, 2]);
  });

  test('bad changes are refused with a plain message', async () => {
    const [c] = await cliJson<ChatJson[]>(sb, ['chats']);
    for (const [args, message] of [
      [['chats', 'merge', c?.id ?? '', c?.id ?? ''], /cannot be merged with itself/],
      [['chats', 'rename', 'mnope', 'X'], /There is no chat mnope/],
      [['chats', 'split', '20260101T000000Z-aaaaaaaaaaaa'], /There is no backup/],
      [['chats', 'frobnicate'], /usage: puddleproof chats/],
    ] as const) {
      const r = await sb.run([...args]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, message);
    }
  });

  test('a change not made with this vault’s keys is refused and reported, never applied', async () => {
    const before = await cliJson<ChatJson[]>(sb, ['chats']);
    const device = await openDevice(sb.home);
    const forgedKey = Buffer.alloc(32, 9);
    const recipients = device.secrets.recipients.map((r) => r.recipient);
    await device.vault.writeChatEdit(
      { kind: 'rename', chat: before[0]?.id ?? '', title: 'Forged', at: new Date().toISOString() },
      [...recipients, await recipientOf(device.secrets.indexIdentity)],
      forgedKey,
    );
    const r = await sb.run(['chats', '--json']);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /chat edit: not authentic/);
    assert.deepEqual(JSON.parse(r.stdout), before);
  });
});
