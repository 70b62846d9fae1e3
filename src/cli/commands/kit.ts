// kit check: the recovery drill (prove the kit is at hand and opens today's backups).
import { resolve } from 'node:path';
import { openDevice } from '../../core/device.js';
import { readRecoveryKit } from '../../core/keys/recovery-kit.js';
import { checkKit } from '../../core/kit-drill.js';
import { profileHome } from '../../core/profile.js';
import { parse, required, UsageError } from '../args.js';
import type { Command } from '../command.js';

export const kit: Command = {
  name: 'kit',
  summary: 'check that the recovery kit is at hand and opens today’s backups (the recovery drill)',
  help: `usage: puddleproof kit check --recovery-kit FILE

Checks that FILE is this vault's current recovery kit (its recovery key is the one on the trusted list)
and opens the newest backup end to end, in memory, with the kit's keys alone. Exits 0 only then, and
remembers when (nothing of the kit is stored); \`status\` shows when the kit was last checked. A wrong kit
exits 1 and changes nothing.`,
  async run(argv, env) {
    const { values, positionals } = parse(argv, { 'recovery-kit': { type: 'string' } });
    if (positionals[0] !== 'check' || positionals.length !== 1) throw new UsageError('expected: check');
    const kitFile = await readRecoveryKit(resolve(required(values['recovery-kit'], '--recovery-kit')));
    const device = await openDevice(profileHome(env));
    const check = await checkKit(device, kitFile);
    console.log(`The recovery kit opened the newest backup (${check.chat}). Checked ${check.checkedAt}.`);
    return 0;
  },
};
