// list, status and gc: what the vault holds.
import { deviceIdentities, openDevice, openProfile } from '../../core/device.js';
import { profileHome } from '../../core/profile.js';
import { DEFAULT_GC_GRACE_MS } from '../../core/vault/vault.js';
import { Reconciler } from '../../core/watch/reconciler.js';
import { describeActivity } from '../../shared/status.js';
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
  summary: 'show what needs backing up, and the last backup of each source',
  help: `usage: puddleproof status [--json]

The same status model as \`puddleproof watch\` and the app: the state (idle, settling, waiting for the
cloud folder, export folder missing, error), the exports not backed up yet, and the last backup per source.`,
  async run(argv, env) {
    const { values } = parse(argv, { json: { type: 'boolean' } });
    const profile = await openProfile(profileHome(env));
    const status = await new Reconciler({ profile }).check();
    const report = {
      profile: profile.home,
      device: profile.settings.deviceName,
      watchDir: profile.settings.watchDir,
      cloudDir: profile.settings.cloudDir,
      abandonedBackups: (await profile.journal.abandoned()).size,
      ...status,
    };
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
      return 0;
    }
    console.log(`Device ${report.device} (profile ${report.profile})`);
    console.log(`Watching ${report.watchDir}; vault in ${report.cloudDir}`);
    console.log(describeActivity(status.state, Date.now()));
    for (const name of status.pending) console.log(`  not backed up yet: ${name}`);
    for (const [source, at] of Object.entries(status.lastBackupBySource))
      console.log(`  ${source}: last backup ${at}`);
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
