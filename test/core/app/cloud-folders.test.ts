// Which cloud folders setup offers: only existing ones, per OS layout, each once.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { defaultWatchDir, findCloudFolders } from '../../../src/core/app/cloud-folders.js';

const roots: string[] = [];
after(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

async function homeWith(...folders: string[]): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'puddleproof-places-'));
  roots.push(home);
  for (const f of folders) await mkdir(join(home, f), { recursive: true });
  return home;
}

test('nothing is offered when no cloud folder exists', async () => {
  const home = await homeWith('Documents');
  assert.deepEqual(await findCloudFolders({ home, env: {}, platform: 'linux' }), []);
  assert.equal(defaultWatchDir({ home }), join(home, 'Chat exports'));
});

test('macOS: Dropbox, iCloud Drive, OneDrive and Google Drive under CloudStorage', async () => {
  const home = await homeWith(
    'Library/CloudStorage/Dropbox',
    'Library/Mobile Documents/com~apple~CloudDocs',
    'Library/CloudStorage/OneDrive-Personal',
    'Library/CloudStorage/GoogleDrive-ann@example.com/My Drive',
    'Library/CloudStorage/Box-Box',
  );
  const found = await findCloudFolders({ home, env: {}, platform: 'darwin' });
  assert.deepEqual(found, [
    { provider: 'Dropbox', path: join(home, 'Library/CloudStorage/Dropbox') },
    { provider: 'iCloud Drive', path: join(home, 'Library/Mobile Documents/com~apple~CloudDocs') },
    { provider: 'OneDrive', path: join(home, 'Library/CloudStorage/OneDrive-Personal') },
    {
      provider: 'Google Drive',
      path: join(home, 'Library/CloudStorage/GoogleDrive-ann@example.com/My Drive'),
    },
  ]);
});

test('Windows: the OneDrive variable and ~/OneDrive are offered once; files are not folders', async () => {
  const home = await homeWith('OneDrive', 'iCloudDrive');
  const found = await findCloudFolders({
    home,
    env: { OneDrive: join(home, 'OneDrive') },
    platform: 'win32',
  });
  assert.deepEqual(found, [
    { provider: 'iCloud Drive', path: join(home, 'iCloudDrive') },
    { provider: 'OneDrive', path: join(home, 'OneDrive') },
  ]);
  const linux = await findCloudFolders({ home, env: {}, platform: 'linux' });
  assert.deepEqual(
    linux,
    [{ provider: 'OneDrive', path: join(home, 'OneDrive') }],
    'iCloudDrive only on Windows',
  );
});
