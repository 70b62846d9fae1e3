// backup: back up exports now.
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { storedBytesOf } from '../../core/app/history-view.js';
import { backupExport } from '../../core/backup/backup.js';
import { isExportName } from '../../core/backup/export-names.js';
import { walkExport } from '../../core/backup/walk.js';
import { chatLabel } from '../../core/chats/labels.js';
import { backupContextOf, deviceIdentities, openDevice } from '../../core/device.js';
import { folderRefusal, overlaps } from '../../core/folder-choice.js';
import { profileHome } from '../../core/profile.js';
import { syncTrustedList } from '../../core/trust.js';
import { cloudFullReason } from '../../core/vault/cloud-full.js';
import { parse } from '../args.js';
import type { Command } from '../command.js';
import { formatBytes, progressBar } from '../output.js';
import { trustChangeLines } from './devices.js';

/** The exports of the watch folder: its top-level entries, except empty folders and the vault. */
async function exportPaths(watchDir: string, vaultRoot: string): Promise<string[]> {
  const paths: string[] = [];
  for (const name of (await readdir(watchDir)).filter(isExportName)) {
    const path = join(watchDir, name);
    if (await overlaps(path, vaultRoot)) continue;
    // An empty folder is no export (the same rule as the watcher's).
    const walked = await walkExport(path).catch(() => null);
    if (walked && !walked.entries.some((e) => e.type === 'file')) continue;
    paths.push(path);
  }
  return paths;
}

export const backup: Command = {
  name: 'backup',
  summary: 'back up exports (default: every export in the watch folder)',
  help: `usage: puddleproof backup [PATH...]

Backs up each PATH (a file or folder), or every export (top-level entry) of the watch folder.
An export identical to a committed backup is not stored again. Each backup stored prints what it
uploaded of the export's size, e.g. "uploaded 1.2 MB of 150.0 MB": only chunks new to the vault are
written to the cloud folder (its sync app uploads them from there); "(whole archive)" when
PUDDLEPROOF_WRITE_FORMAT=1 writes backups in format 1.`,
  async run(argv, env) {
    const { positionals } = parse(argv, {});
    const device = await openDevice(profileHome(env));
    const refused = await folderRefusal(device.settings);
    if (refused) throw new Error(`${refused} Nothing was backed up.`);
    // Every device of the vault, as the vault's list has it, is a recipient of these backups.
    for (const line of trustChangeLines(await syncTrustedList(device), device.settings.deviceId))
      console.log(line);
    const paths = positionals.length
      ? positionals.map((p) => resolve(p))
      : await exportPaths(device.settings.watchDir, device.vault.root);
    const { backups } = await device.vault.list(deviceIdentities(device), device.secrets.authKey);
    let failures = 0;
    for (const path of paths) {
      const bar = progressBar(`Backing up ${path}`);
      try {
        const outcome = await backupExport(backupContextOf(device, device.vault, bar.update), path, backups);
        bar.clear();
        if (outcome.status === 'stored') {
          backups.push(outcome.meta);
          const { meta } = outcome;
          const chat = meta.chat ? `${chatLabel(meta)}, ${meta.chat.summary.messages} messages, ` : '';
          // What went into the cloud folder: only what was new (format 2), or the whole archive (format 1).
          const uploaded = `uploaded ${formatBytes((await storedBytesOf(device.vault, meta)) ?? 0)} of ${formatBytes(meta.bytes)}`;
          const whole = meta.format === 1 ? ' (whole archive)' : '';
          console.log(
            `stored ${meta.exportName} as ${meta.id} (${chat}${meta.files} files; ${uploaded}${whole})`,
          );
          for (const w of meta.chat?.summary.warnings ?? [])
            console.error(`warning: ${meta.exportName}: ${w}`);
          for (const s of outcome.skipped) console.log(`  skipped ${s} (not a regular file or folder)`);
        } else {
          console.log(`unchanged ${outcome.exportName} (same content as ${outcome.sameAs})`);
        }
      } catch (err) {
        bar.clear();
        failures++;
        const full = cloudFullReason(err);
        const why = full ? `${full} The backup was not made; free some space and back up again.` : null;
        console.error(`failed ${path}: ${why ?? (err as Error).message}`);
      }
    }
    return failures ? 1 : 0;
  },
};
