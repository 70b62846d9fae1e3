// init and recover: set up this device's profile.
import { deviceIdentities, initVault, recoverVault } from '../../core/device.js';
import { profileHome } from '../../core/profile.js';
import { syncTrustedList } from '../../core/trust.js';
import { parse, required } from '../args.js';
import type { Command } from '../command.js';

/** A folder choice that is allowed but unwise, said on stderr. */
function warn(message: string): void {
  console.error(`warning: ${message}`);
}

export const init: Command = {
  name: 'init',
  summary: 'create a new vault, this device’s keys and a recovery kit',
  help: `usage: puddleproof init --watch DIR --cloud DIR --recovery-kit FILE [--pq] [--device NAME]

Creates this device's keys in the OS keychain and a new vault in CLOUD/Puddleproof, and writes the
recovery kit to FILE (which must not exist). Keep the kit offline: it is the only way back in if you
lose every device. --pq uses hybrid post-quantum keys (default: X25519, which every age tool reads).

Refused, with nothing written: the export and cloud folders being one folder or either inside the
other, and FILE inside either of them. A warning (not a refusal) when FILE or the export folder is
inside another folder a sync client uploads.`,
  async run(argv, env) {
    const { values } = parse(argv, {
      watch: { type: 'string' },
      cloud: { type: 'string' },
      'recovery-kit': { type: 'string' },
      pq: { type: 'boolean' },
      device: { type: 'string' },
    });
    const kitPath = required(values['recovery-kit'], '--recovery-kit');
    const device = await initVault({
      home: profileHome(env),
      watchDir: required(values.watch, '--watch'),
      cloudDir: required(values.cloud, '--cloud'),
      kitPath,
      pq: values.pq ?? false,
      ...(values.device ? { deviceName: values.device } : {}),
      onWarning: warn,
    });
    await syncTrustedList(device); // the vault's trusted list starts with this device
    console.log(`Created a vault in ${device.vault.root}`);
    console.log(`Recovery kit written to ${kitPath}.`);
    console.log('Keep it offline (print it or put it on a USB stick): it is the only way to recover your');
    console.log('backups if you lose every device. Puddleproof keeps no copy of its recovery key.');
    return 0;
  },
};

export const recover: Command = {
  name: 'recover',
  summary: 'set up a new device for an existing vault, with the recovery kit',
  help: `usage: puddleproof recover --cloud DIR --watch DIR --recovery-kit FILE [--device NAME]

For a brand-new machine: creates a new device key, takes the vault's index and authentication keys
from the kit, and makes the existing history visible. Backups made on other devices restore with
--recovery-kit FILE.`,
  async run(argv, env) {
    const { values } = parse(argv, {
      watch: { type: 'string' },
      cloud: { type: 'string' },
      'recovery-kit': { type: 'string' },
      device: { type: 'string' },
    });
    const device = await recoverVault({
      home: profileHome(env),
      watchDir: required(values.watch, '--watch'),
      cloudDir: required(values.cloud, '--cloud'),
      kitPath: required(values['recovery-kit'], '--recovery-kit'),
      ...(values.device ? { deviceName: values.device } : {}),
      onWarning: warn,
    });
    // Joins the vault's trusted list: the other devices encrypt their new backups to it too.
    await syncTrustedList(device);
    const { backups } = await device.vault.list(deviceIdentities(device), device.secrets.authKey);
    console.log(`This device now uses the vault in ${device.vault.root} (${backups.length} backups found).`);
    return 0;
  },
};
