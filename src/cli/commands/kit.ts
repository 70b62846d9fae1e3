// kit check: the recovery drill (prove the kit is at hand and opens today's backups).
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { openDevice } from '../../core/device.js';
import { createFileAtomic } from '../../core/fs-atomic.js';
import { readRecoveryKit } from '../../core/keys/recovery-kit.js';
import { checkKit } from '../../core/kit-drill.js';
import { renewRecoveryKit } from '../../core/kit-renewal.js';
import { profileHome } from '../../core/profile.js';
import { parse, required, UsageError } from '../args.js';
import type { Command } from '../command.js';

export const kit: Command = {
  name: 'kit',
  summary: 'check that the recovery kit is at hand and opens today’s backups (the recovery drill)',
  help: `usage: puddleproof kit check --recovery-kit FILE
       puddleproof kit new --recovery-kit NEW-FILE

Checks that FILE is this vault's current recovery kit (its recovery key is the one on the trusted list)
and opens the newest backup end to end, in memory, with the kit's keys alone. Exits 0 only then, and
remembers when (nothing of the kit is stored); \`status\` shows when the kit was last checked. A wrong kit
exits 1 and changes nothing.

\`kit new\` is for a lost kit: it makes a new recovery key and writes the new kit to NEW-FILE (a new file;
keep it offline). Nothing is re-encrypted: the new kit also opens the backups made before (through the
vault's data keys), the lost kit opens no backup made from now on. The lost kit still opens the backups
made before, and still holds the vault's index and authentication keys (whoever finds it sees the
history of every backup: chats, dates and file names).`,
  async run(argv, env) {
    const { values, positionals } = parse(argv, { 'recovery-kit': { type: 'string' } });
    if (positionals[0] === 'new' && positionals.length === 1) {
      const path = resolve(required(values['recovery-kit'], '--recovery-kit'));
      const device = await openDevice(profileHome(env));
      await access(path).then(
        () => {
          throw new UsageError(`${path} exists; choose a new file for the new kit.`);
        },
        () => undefined,
      );
      await createFileAtomic(path, await renewRecoveryKit(device), 0o600);
      console.log(`A new recovery kit is in ${path}. Keep it offline (print it, or a USB stick).`);
      console.log('The lost kit opens no backup made from now on; it still opens the older ones.');
      return 0;
    }
    if (positionals[0] !== 'check' || positionals.length !== 1) throw new UsageError('expected: check | new');
    const kitFile = await readRecoveryKit(resolve(required(values['recovery-kit'], '--recovery-kit')));
    const device = await openDevice(profileHome(env));
    const check = await checkKit(device, kitFile);
    console.log(`The recovery kit opened the newest backup (${check.chat}). Checked ${check.checkedAt}.`);
    return 0;
  },
};
