// pair: a new device joins the vault without the recovery kit, approved on a device of the vault.
import { createInterface } from 'node:readline/promises';
import { openDevice } from '../../core/device.js';
import { findPairing, requestPairing } from '../../core/pairing.js';
import { profileHome } from '../../core/profile.js';
import { parse, required, UsageError } from '../args.js';
import type { Command } from '../command.js';

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export const pair: Command = {
  name: 'pair',
  summary: 'join this device to a vault without the kit, approved on a device of the vault',
  help: `usage: puddleproof pair request --cloud DIR --watch DIR [--device NAME]
       puddleproof pair approve CODE [--yes]

On the new device, \`pair request\` prints "code: CODE" and "check: NNN NNN", then waits until a device of
the vault approves (at most an hour). On a device of the vault, \`pair approve CODE\` shows the new
device's name and its check string and asks whether the new device shows the same (--yes approves without
asking, for scripts). It then hands the vault's keys to the new device, encrypted to the new device's key,
through the cloud folder, and adds it to the vault's trusted list: every device's new backups are
encrypted to it. The code is the whole pairing secret: someone who can only see or write the cloud
folder can neither read what is handed over nor join a device.`,
  async run(argv, env) {
    const { values, positionals } = parse(argv, {
      cloud: { type: 'string' },
      watch: { type: 'string' },
      device: { type: 'string' },
      yes: { type: 'boolean' },
    });
    const [action, code] = positionals;
    if (action === 'request' && positionals.length === 1) {
      const pending = await requestPairing({
        home: profileHome(env),
        watchDir: required(values.watch, '--watch'),
        cloudDir: required(values.cloud, '--cloud'),
        ...(values.device ? { deviceName: values.device } : {}),
        onWarning: (w) => console.error(`warning: ${w}`),
      });
      console.log(`code: ${pending.code}`);
      console.log(`check: ${pending.check}`);
      console.error('Enter the code on a device of the vault: puddleproof pair approve CODE. Waiting…');
      const device = await pending.wait();
      console.log(`Approved. This device now uses the vault in ${device.vault.root}.`);
      return 0;
    }
    if (action === 'approve' && code && positionals.length === 2) {
      const device = await openDevice(profileHome(env));
      const candidate = await findPairing(device, code);
      console.log(`device: ${candidate.name}`);
      console.log(`check: ${candidate.check}`);
      const yes =
        values.yes === true ||
        (await confirm(`Does ${candidate.name} show the check ${candidate.check}? Approve [y/N]: `));
      if (!yes) {
        console.error('Not approved; nothing was handed over.');
        return 1;
      }
      await candidate.approve();
      console.log(`Approved ${candidate.name}: it joins the vault once the cloud folder has synced.`);
      return 0;
    }
    throw new UsageError('expected: request --cloud DIR --watch DIR | approve CODE');
  },
};
