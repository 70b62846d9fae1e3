// recipients: the trusted list every backup is encrypted to (kept in the keychain).
import { openDevice } from '../../core/device.js';
import { addRecipient, removeRecipient } from '../../core/keys/recipients.js';
import { profileHome } from '../../core/profile.js';
import { distrustRecipient, trustRecipient } from '../../core/trust.js';
import { parse, required, UsageError } from '../args.js';
import type { Command } from '../command.js';

export const recipients: Command = {
  name: 'recipients',
  summary: 'list, add or remove the recipients every backup is encrypted to',
  help: `usage: puddleproof recipients list
       puddleproof recipients add AGE1… --label NAME
       puddleproof recipients remove AGE1…

The list lives in this device's keychain, never in the cloud folder. Removing the recovery kit's
recipient is refused: new backups could then not be recovered with the kit.`,
  async run(argv, env) {
    const { values, positionals } = parse(argv, { label: { type: 'string' } });
    const [action, recipient] = positionals;
    const device = await openDevice(profileHome(env));
    const list = device.secrets.recipients;
    if (action === 'list' && positionals.length === 1) {
      for (const r of list) console.log(`${r.recipient}  ${r.label}`);
      return 0;
    }
    if (!recipient || positionals.length !== 2)
      throw new UsageError('expected: list | add AGE1… | remove AGE1…');
    if (action === 'add') {
      const label = required(values.label, '--label');
      await addRecipient(device.store, list, recipient, label);
      await trustRecipient(device, { recipient, label });
      console.log(`Added ${recipient}. New backups of every device of the vault are encrypted to it too.`);
      return 0;
    }
    if (action === 'remove') {
      const label = list.find((r) => r.recipient === recipient)?.label ?? '';
      await removeRecipient(device.store, list, recipient);
      await distrustRecipient(device, { recipient, label });
      console.log(
        `Removed ${recipient} on every device. Existing backups stay readable by it; new ones are not.`,
      );
      return 0;
    }
    throw new UsageError(`unknown action "${action}"`);
  },
};
