// devices: the vault's trusted devices (one list for every device of the vault), and removing one.
import { openDevice } from '../../core/device.js';
import { profileHome } from '../../core/profile.js';
import { DATA_KEY_DEVICE, removeDevice, syncTrustedList, type TrustSync } from '../../core/trust.js';
import { parse, UsageError } from '../args.js';
import type { Command } from '../command.js';

/** Lines saying what changed since this device last looked ("Anna's laptop was added by Sam's desktop on …"). */
export function trustChangeLines(sync: TrustSync, selfId: string): string[] {
  const lines = sync.applied
    .filter((c) => c.byDeviceId !== selfId)
    .map((c) => `${c.label} was ${c.change === 'add' ? 'added' : 'removed'} by ${c.by} on ${c.at}.`);
  for (const p of sync.problems)
    lines.push(`warning: refused a change to the trusted list (${p.id}): ${p.problem}`);
  if (sync.removed) lines.push('warning: another device removed this device from the vault’s trusted list.');
  return lines;
}

export const devices: Command = {
  name: 'devices',
  summary: 'the vault’s trusted devices, and removing one',
  help: `usage: puddleproof devices [--json]
       puddleproof devices remove ID

Every device of the vault encrypts every new backup to every trusted device and to the recovery key, so
each device restores every backup without the kit. The list lives in the cloud folder as changes proven
with the vault's keys; every device applies them. Lists each device: its id, name, key, and who added it
when. \`remove ID\` (an id, or its first characters) stops new backups from being readable by that device;
backups made before stay readable by it.`,
  async run(argv, env) {
    const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
    const device = await openDevice(profileHome(env));
    const sync = await syncTrustedList(device);
    for (const line of trustChangeLines(sync, device.settings.deviceId)) console.error(line);
    const entries = [...sync.trusted.values()]
      .filter((e) => e.deviceId !== DATA_KEY_DEVICE)
      .map((e) => ({
        id: e.deviceId,
        name: e.label,
        recipient: e.recipient,
        addedBy: e.addedBy,
        addedAt: e.addedAt,
        thisDevice: e.deviceId === device.settings.deviceId,
      }));
    if (positionals.length === 0) {
      if (values.json) console.log(JSON.stringify(entries, null, 2));
      else
        for (const e of entries)
          console.log(
            `${(e.id || '-').slice(0, 8)}  ${e.name}${e.thisDevice ? ' (this device)' : ''}  ${e.recipient}  added by ${e.addedBy} on ${e.addedAt}`,
          );
      return 0;
    }
    const [action, id] = positionals;
    if (action !== 'remove' || !id || positionals.length !== 2) throw new UsageError('expected: remove ID');
    const matches = entries.filter((e) => e.id !== '' && e.id.startsWith(id));
    if (matches.length !== 1)
      throw new UsageError(
        matches.length ? `"${id}" names several devices` : `no trusted device has the id "${id}"`,
      );
    const [target] = matches as [(typeof entries)[number]];
    if (target.thisDevice) throw new UsageError('this device cannot remove itself');
    await removeDevice(device, { recipient: target.recipient, label: target.name, deviceId: target.id });
    console.log(
      `Removed ${target.name}. New backups of every device are no longer encrypted to it; backups made before stay readable by it.`,
    );
    return 0;
  },
};
