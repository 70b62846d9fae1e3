// list, status and gc: what the vault holds.
import { deviceIdentities, openDevice } from '../../core/device.js';
import { profileHome } from '../../core/profile.js';
import { DEFAULT_GC_GRACE_MS } from '../../core/vault/vault.js';
import { parse, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { formatBytes } from '../output.js';

export const list: Command = {
  name: 'list',
  summary: 'list committed backups',
  help: `usage: puddleproof list [--json]

--json prints an array of {id, source, createdAt, bytes, files, device}.`,
  async run(argv, env) {
    const { values } = parse(argv, { json: { type: 'boolean' } });
    const device = await openDevice(profileHome(env));
    const { backups, problems } = await device.vault.list(deviceIdentities(device), device.secrets.authKey);
    if (values.json) {
      const rows = backups.map(({ id, source, createdAt, bytes, files, device: d }) => ({
        id,
        source,
        createdAt,
        bytes,
        files,
        device: d,
      }));
      console.log(JSON.stringify(rows, null, 2));
    } else {
      for (const b of backups) {
        console.log(
          `${b.id}  ${b.createdAt}  ${b.source}  ${b.files} files  ${formatBytes(b.bytes)}  ${b.device}`,
        );
      }
      if (backups.length === 0) console.log('No backups yet.');
    }
    for (const p of problems) console.error(`warning: backup ${p.id} cannot be listed: ${p.problem}`);
    return 0;
  },
};

export const status: Command = {
  name: 'status',
  summary: 'show this device, its folders and the last backup of each source',
  help: 'usage: puddleproof status [--json]',
  async run(argv, env) {
    const { values } = parse(argv, { json: { type: 'boolean' } });
    const device = await openDevice(profileHome(env));
    const { backups, problems } = await device.vault.list(deviceIdentities(device), device.secrets.authKey);
    const lastBackup: Record<string, string> = {};
    for (const b of backups) lastBackup[b.source] = b.createdAt;
    const report = {
      profile: device.home,
      device: device.settings.deviceName,
      watchDir: device.settings.watchDir,
      cloudDir: device.settings.cloudDir,
      backups: backups.length,
      unreadable: problems.length,
      abandoned: (await device.journal.abandoned()).size,
      lastBackup,
    };
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
      return 0;
    }
    console.log(`Device ${report.device} (profile ${report.profile})`);
    console.log(`Watching ${report.watchDir}; vault in ${report.cloudDir}`);
    console.log(`${report.backups} backups${report.unreadable ? `, ${report.unreadable} unreadable` : ''}`);
    for (const [source, at] of Object.entries(lastBackup)) console.log(`  ${source}: last backup ${at}`);
    return 0;
  },
};

export const gc: Command = {
  name: 'gc',
  summary: 'remove unfinished objects (data without a commit record, temporary files)',
  help: `usage: puddleproof gc [--grace-minutes N]

Objects this device left unfinished are removed at once; others only when older than N minutes
(default ${DEFAULT_GC_GRACE_MS / 60000}), since another device may still be writing them.`,
  async run(argv, env) {
    const { values } = parse(argv, { 'grace-minutes': { type: 'string' } });
    const graceText = values['grace-minutes'];
    const grace = graceText === undefined ? DEFAULT_GC_GRACE_MS : Number(graceText) * 60000;
    if (!Number.isFinite(grace) || grace < 0)
      throw new UsageError('--grace-minutes takes a number of minutes');
    const device = await openDevice(profileHome(env));
    const mine = await device.journal.abandoned();
    const removed = await device.vault.gc(mine, grace);
    for (const id of mine) await device.journal.end(id);
    for (const path of removed) console.log(`removed ${path}`);
    console.log(`${removed.length} unfinished objects removed.`);
    return 0;
  },
};
