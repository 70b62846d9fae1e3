// The watcher identifies backups made before chats were recognised in the background, once it is idle,
// reporting its progress in the status; retention then judges them by chat.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { backupExport } from '../../../src/core/backup/backup.js';
import { backupContextOf, type Device, deviceIdentities, initVault } from '../../../src/core/device.js';
import { recordIdentitiesOf } from '../../../src/core/keys/record-keys.js';
import { deleteVaultSecrets, recipientOf } from '../../../src/core/keys/vault-secrets.js';
import {
  type BackupMetadata,
  decryptMetadata,
  encryptMetadata,
  signMetadata,
  verifyMetadata,
} from '../../../src/core/vault/metadata.js';
import { Reconciler } from '../../../src/core/watch/reconciler.js';
import type { EngineStatus } from '../../../src/shared/status.js';
import { growChat, makeChat, writeTelegramJson, writeWhatsAppIos } from '../../helpers/chat-exports/index.js';

let root: string;
let device: Device;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'puddleproof-identify-'));
  const watch = join(root, 'watch');
  const exportsDir = join(root, 'old exports');
  await mkdir(watch);
  await mkdir(exportsDir);
  await mkdir(join(root, 'cloud'));
  device = await initVault({
    home: join(root, 'home'),
    watchDir: watch,
    cloudDir: join(root, 'cloud'),
    kitPath: join(root, 'kit.txt'),
  });
  // Three backups an older version made: two versions of one WhatsApp chat, one Telegram chat.
  const start = new Date('2024-01-01T10:00:00Z');
  const v1 = makeChat({ title: 'Alice', participants: ['Alice', 'Me'], count: 60, start, seed: 4 });
  const paths = [
    await writeWhatsAppIos(exportsDir, v1, { zip: true }),
    await writeWhatsAppIos(exportsDir, growChat(v1, 9, 5), {
      zip: true,
      fileName: 'WhatsApp Chat - Alice (1).zip',
    }),
    await writeTelegramJson(
      exportsDir,
      makeChat({ title: 'Club', participants: ['A', 'B'], count: 20, start, seed: 6 }),
      {
        id: 31,
      },
    ),
  ];
  const existing: BackupMetadata[] = [];
  for (const path of paths) {
    const outcome = await backupExport(backupContextOf(device, device.vault), path, existing);
    assert.equal(outcome.status, 'stored');
    if (outcome.status === 'stored') existing.push(outcome.meta);
  }
  const { secrets } = device;
  const recipients = [
    ...secrets.recipients.map((r) => r.recipient),
    await recipientOf(secrets.indexIdentity),
  ];
  const metaDir = join(root, 'cloud', 'Puddleproof', 'meta');
  for (const name of await readdir(metaDir)) {
    const meta = verifyMetadata(
      await decryptMetadata(await readFile(join(metaDir, name)), recordIdentitiesOf(secrets)),
      secrets.authKey,
    );
    const { chat: _dropped, ...legacy } = meta;
    await writeFile(
      join(metaDir, name),
      await encryptMetadata(signMetadata(legacy, secrets.authKey), recipients),
    );
  }
});

after(async () => {
  await deleteVaultSecrets(device.store);
  await rm(root, { recursive: true, force: true });
});

test('once idle, the watcher identifies old backups one by one, saying how far it is', {
  timeout: 120_000,
}, async () => {
  const statuses: EngineStatus[] = [];
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const reconciler = new Reconciler({
    profile: device,
    onStatus: (status) => {
      statuses.push(status);
      // Done once a status after some progress no longer carries any.
      if (statuses.some((s) => s.identifying) && !status.identifying && status.state.kind === 'idle')
        finished();
    },
  });
  await reconciler.start();
  await done;
  await reconciler.stop();
  const progress = statuses.flatMap((s) => (s.identifying ? [s.identifying] : []));
  assert.deepEqual(progress[0], { done: 0, total: 3 });
  assert.deepEqual(progress.at(-1), { done: 2, total: 3 });
  const { backups } = await device.vault.list(deviceIdentities(device), device.secrets.authKey);
  assert.ok(
    backups.every((b) => b.chat),
    'every backup has its chat',
  );
  assert.equal(new Set(backups.map((b) => b.chat?.key)).size, 2, 'two chats: Alice (two versions) and Club');
  assert.deepEqual(backups.map((b) => b.source).sort(), ['Alice', 'Alice', 'Club']);
  assert.deepEqual(await readdir(device.home).then((names) => names.filter((n) => n === 'identify')), []);
});
