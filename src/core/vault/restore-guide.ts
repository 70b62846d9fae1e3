// The plain files beside the encrypted objects that say how to restore without Puddleproof: RESTORE.txt
// and the script it names (tools/restore-with-age.sh). Written once, never replaced (another device may
// have written them already), so that a cloud folder found on its own carries its own way back.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFileAtomic } from '../fs-atomic.js';
import { placeholderPath } from './synced-files.js';

const SCRIPT = 'restore-with-age.sh';

/** RESTORE.txt: what to run, with what, and what it gives back. */
export const RESTORE_GUIDE = `How to restore these backups without Puddleproof
=================================================

This folder holds chat backups made by Puddleproof, encrypted with age. Only your recovery kit (the
file or printout you were asked to keep offline) opens them. Nothing else is needed: no account, no
server, not even Puddleproof.

On any computer with age (https://age-encryption.org; version 1.1 or later, 1.3 or later for a kit with
post-quantum keys), tar, gzip and a POSIX shell (macOS and Linux have them; on Windows, use WSL):

  sh ${SCRIPT} RECOVERY-KIT.txt CLOUD-FOLDER NEW-FOLDER

where CLOUD-FOLDER is the folder that holds this Puddleproof folder, and NEW-FOLDER is a folder that does
not exist yet. It restores the newest backup of every chat into NEW-FOLDER, each under its export's name
(a WhatsApp .zip, a Telegram ChatExport folder, ...), byte for byte. To restore one particular backup, add
its id (the name of a file in snapshots/, without ".age"). A wrong kit or a damaged file stops it with a
message, and leaves nothing behind.

Older backups (files in data/) each restore on their own with:

  age -d -i RECOVERY-KIT.txt Puddleproof/data/ID.age | tar -x

or, with a kit made to replace a lost one after the backup, with the keys the vault granted to that kit:

  for f in Puddleproof/keys/*.age; do age -d -i RECOVERY-KIT.txt "$f" && echo; done 2>/dev/null |
    sed -n 's/.*"identity":"\\([A-Z0-9-]*\\)".*/\\1/p' > granted.txt
  age -d -i RECOVERY-KIT.txt -i granted.txt Puddleproof/data/ID.age | tar -x

The format of this folder is specified in docs/FORMAT.md in Puddleproof's source.
`;

/** The restore script shipped with this build (tools/ in the source tree, dist/tools/ once built). */
async function restoreScript(): Promise<string> {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const path = join(dir, 'tools', SCRIPT);
    if (existsSync(path)) return readFile(path, 'utf8');
    if (dirname(dir) === dir) throw new Error(`This Puddleproof is incomplete: tools/${SCRIPT} is missing.`);
  }
}

async function writeOnce(path: string, text: string): Promise<void> {
  // (A sync client's placeholder is the file, not downloaded yet.)
  if (existsSync(path) || existsSync(placeholderPath(path))) return;
  await createFileAtomic(path, text, 0o644).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

/** Writes RESTORE.txt and the restore script into the vault folder `root` unless they are there. */
export async function writeRestoreGuide(root: string): Promise<void> {
  await writeOnce(join(root, SCRIPT), await restoreScript());
  await writeOnce(join(root, 'RESTORE.txt'), RESTORE_GUIDE);
}
