// Where setup looks for cloud-synced folders (Dropbox, iCloud Drive, OneDrive, Google Drive) and which
// watch folder it offers. Only folders that exist on this machine are offered.
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CloudFolderSuggestion } from '../../shared/api.js';

export interface MachinePlaces {
  home: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
}

const thisMachine = (): MachinePlaces => ({ home: homedir(), env: process.env, platform: process.platform });

async function isFolder(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

/** Entries of `dir` whose names start with `prefix` (macOS's ~/Library/CloudStorage/<Provider>-<account>). */
async function withPrefix(dir: string, prefix: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.startsWith(prefix)).map((n) => join(dir, n));
}

/** Candidate folders per provider, most likely first. */
async function candidates({ home, env, platform }: MachinePlaces): Promise<CloudFolderSuggestion[]> {
  const storage = join(home, 'Library', 'CloudStorage');
  const found: CloudFolderSuggestion[] = [];
  const add = (provider: string, paths: (string | undefined)[]) => {
    for (const path of paths) if (path) found.push({ provider, path });
  };
  add('Dropbox', [join(home, 'Dropbox'), ...(await withPrefix(storage, 'Dropbox'))]);
  add('iCloud Drive', [
    platform === 'darwin' ? join(home, 'Library', 'Mobile Documents', 'com~apple~CloudDocs') : undefined,
    platform === 'win32' ? join(home, 'iCloudDrive') : undefined,
  ]);
  add('OneDrive', [
    env.OneDrive,
    env.OneDriveConsumer,
    join(home, 'OneDrive'),
    ...(await withPrefix(storage, 'OneDrive')),
  ]);
  const googleDrives = await withPrefix(storage, 'GoogleDrive');
  add('Google Drive', [
    join(home, 'Google Drive'),
    join(home, 'My Drive'),
    ...googleDrives.map((d) => join(d, 'My Drive')),
    platform === 'win32' ? 'G:\\My Drive' : undefined,
  ]);
  return found;
}

/** The cloud-synced folders that exist here, each path once. */
export async function findCloudFolders(
  places: MachinePlaces = thisMachine(),
): Promise<CloudFolderSuggestion[]> {
  const seen = new Set<string>();
  const result: CloudFolderSuggestion[] = [];
  for (const candidate of await candidates(places)) {
    if (seen.has(candidate.path) || !(await isFolder(candidate.path))) continue;
    seen.add(candidate.path);
    result.push(candidate);
  }
  return result;
}

/** The watch folder offered by default: "Chat exports" in the home folder (created when chosen). */
export function defaultWatchDir(places: Pick<MachinePlaces, 'home'> = thisMachine()): string {
  return join(places.home, 'Chat exports');
}
