// restore and verify: get an export back, or prove every backup can be.
import { dirname, join, resolve } from 'node:path';
import { chatLabel } from '../../core/chats/labels.js';
import { cachesOf, deviceIdentities, openDevice } from '../../core/device.js';
import { type RecoveryKit, readRecoveryKit } from '../../core/keys/recovery-kit.js';
import { profileHome } from '../../core/profile.js';
import {
  NotAuthenticError,
  RestoreError,
  type RestoreResult,
  restoreBackup,
} from '../../core/restore/restore.js';
import { restoreFromVault } from '../../core/restore/restore-from-vault.js';
import { checkVault, type VaultReport } from '../../core/restore/vault-check.js';
import { verifyBackup } from '../../core/restore/verify.js';
import { grantedDataKeys } from '../../core/vault/data-keys.js';
import { Vault } from '../../core/vault/vault.js';
import { parse, required, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { formatBytes, progressBar } from '../output.js';

const LOUD = '\n*** WARNING ***\n';

function report(result: RestoreResult, to: string): void {
  if (result.warning) console.error(`${LOUD}${result.warning}\n`);
  console.log(
    `Restored ${result.files} files and ${result.dirs} folders (${formatBytes(result.bytes)}) into ${to}.`,
  );
  console.log(result.authentic ? 'Verified: complete, unchanged and made with this vault’s keys.' : '');
}

export const restore: Command = {
  name: 'restore',
  summary: 'restore a backup into a new folder',
  help: `usage: puddleproof restore ID --to DIR [--recovery-kit FILE] [--only PATH]...
       puddleproof restore --file OBJECT --to DIR --recovery-kit FILE [--only PATH]...

DIR must be new or empty; nothing is written there unless the whole backup decrypts, is authentic
and matches its metadata. --only restores just those archive paths (repeatable). --file restores
one format-1 data object (data/ID.age, e.g. a copy found on a USB stick) with the kit alone, without a
profile; a format-2 backup restores by ID, or without Puddleproof with the vault's restore-with-age.sh.
--allow-unauthenticated restores a format-1 backup whose proof is missing or wrong (with a loud warning).`,
  async run(argv, env) {
    const { values, positionals } = parse(argv, {
      to: { type: 'string' },
      file: { type: 'string' },
      'recovery-kit': { type: 'string' },
      only: { type: 'string', multiple: true },
      'allow-unauthenticated': { type: 'boolean' },
    });
    const to = resolve(required(values.to, '--to'));
    const kitPath = values['recovery-kit'];
    const kit = kitPath ? await readRecoveryKit(resolve(kitPath)) : undefined;
    const bar = progressBar('Restoring');
    const common = {
      to,
      only: values.only ?? [],
      allowUnauthenticated: values['allow-unauthenticated'] ?? false,
      onProgress: bar.update,
    };
    let result: RestoreResult;
    try {
      if (values.file) {
        if (positionals.length) throw new UsageError('give either a backup ID or --file, not both');
        if (!kit) throw new UsageError('--file needs --recovery-kit FILE');
        const dataPath = resolve(values.file);
        result = await restoreBackup({
          ...common,
          dataPath,
          identities: [kit.recoveryIdentity, ...(await keysGrantedBeside(dataPath, kit))],
          authKey: kit.authKey,
        });
      } else {
        if (positionals.length !== 1) throw new UsageError('give one backup ID (see `puddleproof list`)');
        const id = positionals[0] as string;
        const device = await openDevice(profileHome(env));
        const identities = deviceIdentities(device, kit);
        const allow = common.allowUnauthenticated;
        const expected = await device.vault.readMetadata(id, identities, device.secrets.authKey, allow);
        result = await restoreFromVault({
          ...common,
          vault: device.vault,
          meta: expected,
          identities,
          authKey: device.secrets.authKey,
          indexCache: cachesOf(device).indexCache,
        });
      }
    } catch (err) {
      // The engine's advice is for any front end; here the kit comes with a flag.
      if (err instanceof RestoreError && err.problem === 'needsKit' && !kit) {
        throw new RestoreError(`${err.message} Pass --recovery-kit FILE.`, err.problem);
      }
      if (err instanceof NotAuthenticError) {
        throw new NotAuthenticError(
          `${err.message} Only if you are sure where this file came from, pass --allow-unauthenticated.`,
        );
      }
      throw err;
    } finally {
      bar.clear();
    }
    report(result, to);
    return 0;
  },
};

export const verify: Command = {
  name: 'verify',
  summary: 'decrypt backups end to end and check their integrity and authenticity',
  help: `usage: puddleproof verify [ID...] [--recovery-kit FILE] [--read-data]

Decrypts each backup (default: all) and checks it against its authenticated metadata: a format-1
backup's tar, SHA-256 and proof; a format-2 backup's file list and every chunk against its keyed id.
Prints "ok ID" or "FAILED ID (CHAT, TIME): PROBLEM" per backup; a damaged pack names itself in the
problem of every version that needs it.

Without IDs it then checks the vault as a whole: packs no backup uses (and how many are condemned, to be
reclaimed by prune), what a backup needs that is not here ("not synced yet" until it has been missing for
7 days on this device, then "damaged"), packs without an index and indexes without a pack, copies a sync
client made ("x (1).age", conflicted copies) and placeholders not downloaded yet. --read-data also reads
every pack in the folder, used or not, and checks every chunk in it.
Exits 1 if any backup could not be verified or a pack is damaged.`,
  async run(argv, env) {
    const { values, positionals } = parse(argv, {
      'recovery-kit': { type: 'string' },
      'read-data': { type: 'boolean' },
    });
    const kitPath = values['recovery-kit'];
    const kit = kitPath ? await readRecoveryKit(resolve(kitPath)) : undefined;
    const device = await openDevice(profileHome(env));
    const ids = positionals.length ? positionals : await device.vault.committedIds();
    // Which chat and version each id is, for the lines of those that fail.
    const { backups } = await device.vault.list(deviceIdentities(device, kit), device.secrets.authKey);
    const labels = new Map(backups.map((b) => [b.id, ` (${chatLabel(b)}, ${b.createdAt})`]));
    let bad = 0;
    for (const id of ids) {
      const result = await verifyBackup(device, id, kit);
      const problem =
        result.kind === 'ok'
          ? null
          : result.kind === 'noKey'
            ? `${result.problem} (pass --recovery-kit FILE)`
            : result.problem;
      if (problem) bad++;
      console.log(problem ? `FAILED ${id}${labels.get(id) ?? ''}: ${problem}` : `ok ${id}`);
    }
    console.log(`${ids.length - bad} of ${ids.length} backups verified.`);
    if (positionals.length > 0) return bad ? 1 : 0;
    const report = await checkVault({
      vault: device.vault,
      backups,
      identities: deviceIdentities(device, kit),
      authKey: device.secrets.authKey,
      missingLog: join(device.home, 'missing-since.json'),
      readData: values['read-data'] === true,
    });
    for (const line of vaultReportLines(report, labels)) console.log(line);
    return bad || (report.readPacks?.damaged.length ?? 0) > 0 ? 1 : 0;
  },
};

/** The lines `verify` prints about the vault as a whole. */
function vaultReportLines(r: VaultReport, labels: ReadonlyMap<string, string>): string[] {
  const lines = [
    `Packs: ${r.packs} (${formatBytes(r.packBytes)}); ${r.unusedPacks} used by no backup (${formatBytes(r.unusedBytes)}), ` +
      `${r.condemnedPacks} of them condemned. \`puddleproof prune\` reclaims that space.`,
  ];
  for (const m of r.missing)
    lines.push(
      `Missing: backup ${m.backup}${labels.get(m.backup) ?? ''} needs ${m.what} not in the cloud folder here: ` +
        (m.damaged
          ? `missing since ${m.since}, so it is damaged.`
          : `not synced yet (missing since ${m.since}).`),
    );
  if (r.packsWithoutIndex.length)
    lines.push(
      `Packs without an index: ${r.packsWithoutIndex.length} (not synced yet, or left by an interrupted backup).`,
    );
  if (r.indexesWithoutPack.length)
    lines.push(
      `Indexes without a pack: ${r.indexesWithoutPack.length} (not synced yet, or left by an interrupted deletion).`,
    );
  if (r.copies.length)
    lines.push(
      `Duplicated: ${r.copies.length} copies made by the sync client (${formatBytes(r.copyBytes)}), read only where the ` +
        `object itself is missing: ${r.copies.join(', ')}`,
    );
  if (r.duplicatedChunkBytes > 0)
    lines.push(`Duplicated: ${formatBytes(r.duplicatedChunkBytes)} of chunks stored in more than one pack.`);
  if (r.placeholders.length)
    lines.push(`Not downloaded yet: ${r.placeholders.length} placeholders: ${r.placeholders.join(', ')}`);
  if (r.readPacks) {
    const { ok, noKey, damaged } = r.readPacks;
    lines.push(
      `Read every pack: ${ok} sound, ${damaged.length} damaged` +
        (noKey ? `, ${noKey} made on another device (pass --recovery-kit FILE to read them).` : '.'),
    );
    for (const d of damaged) lines.push(`DAMAGED pack ${d.pack}: ${d.problem}`);
  }
  return lines;
}

/**
 * The vault data keys granted to the kit, when OBJECT is in a vault's data folder (`…/Puddleproof/data/`):
 * a kit made after the vault's first opens older objects only through them.
 */
async function keysGrantedBeside(object: string, kit: RecoveryKit): Promise<string[]> {
  const cloudDir = dirname(dirname(dirname(object)));
  const vault = await Vault.open(cloudDir).catch(() => null);
  if (!vault || resolve(vault.paths.dataDir) !== dirname(object)) return [];
  return grantedDataKeys(vault, [kit.recoveryIdentity], kit.authKey);
}
