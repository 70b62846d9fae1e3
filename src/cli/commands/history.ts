// list, status and gc: what the vault holds.

import { storedBytesOf } from '../../core/app/history-view.js';
import { chatsOf } from '../../core/chats/chat-list.js';
import { chatLabel, platformName } from '../../core/chats/labels.js';
import { type Device, deviceIdentities, openDevice, openProfile } from '../../core/device.js';
import { profileHome } from '../../core/profile.js';
import { DEFAULT_GC_GRACE_MS } from '../../core/vault/vault.js';
import { describeActivity } from '../../shared/status.js';
import { parse, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { formatBytes, progressBar } from '../output.js';

/**
 * "uploaded 1.2 MB of 150.0 MB": what a backup added to the cloud folder of its export's size; a format-1
 * backup adds its whole archive.
 */
export function uploadedText(format: 1 | 2, uploadedBytes: number | null, bytes: number): string {
  if (uploadedBytes === null) return `${formatBytes(bytes)} (archive missing)`;
  const text = `uploaded ${formatBytes(uploadedBytes)} of ${formatBytes(bytes)}`;
  return format === 1 ? `${text} (whole archive)` : text;
}

export const list: Command = {
  name: 'list',
  summary: 'list committed backups, and what each uploaded',
  help: `usage: puddleproof list [--json]

One line per backup: id, time, chat, messages, files, what it uploaded of the export's size
("uploaded 1.2 MB of 150.0 MB": only what was new went to the cloud folder, for its sync app to
upload; "(whole archive)" for backups in format 1, which store the whole export each time), and device.

--json prints an array of {id, source, exportName, createdAt, bytes, files, device, chat, title, platform,
messages, first, last, media, format, uploadedBytes}: bytes is the export's size, chat the chat's id (as
in \`puddleproof chats\`), messages the messages people wrote, first and last the times of the first and
last of them, media the media files, format the vault format of the backup (1 or 2), uploadedBytes what
it added to the cloud folder (format 2: the new packs, their indexes and its snapshot; format 1: its
whole archive, null if that is missing). A backup made before chats were recognised has chat null.`,
  async run(argv, env) {
    const { values } = parse(argv, { json: { type: 'boolean' } });
    const device = await openDevice(profileHome(env));
    const { backups, problems } = await device.vault.list(deviceIdentities(device), device.secrets.authKey);
    const uploaded = await Promise.all(backups.map((b) => storedBytesOf(device.vault, b)));
    if (values.json) {
      const rows = backups.map((b, i) => ({
        id: b.id,
        source: b.source,
        exportName: b.exportName,
        createdAt: b.createdAt,
        bytes: b.bytes,
        files: b.files,
        device: b.device,
        chat: b.chat?.key ?? null,
        title: b.chat?.summary.title ?? b.source,
        platform: b.chat?.summary.platform ?? null,
        messages: b.chat?.summary.messages ?? null,
        first: b.chat?.summary.first ?? null,
        last: b.chat?.summary.last ?? null,
        media: b.chat?.summary.media ?? null,
        format: b.format,
        uploadedBytes: uploaded[i] ?? null,
      }));
      console.log(JSON.stringify(rows, null, 2));
    } else {
      for (const [i, b] of backups.entries()) {
        const counts = b.chat ? `  ${b.chat.summary.messages} messages` : '';
        const upload = uploadedText(b.format, uploaded[i] ?? null, b.bytes);
        console.log(
          `${b.id}  ${b.createdAt}  ${chatLabel(b)}${counts}  ${b.files} files  ${upload}  ${b.device}`,
        );
      }
      if (backups.length === 0) console.log('No backups yet.');
    }
    for (const p of problems) console.error(`warning: backup ${p.id} cannot be listed: ${p.problem}`);
    return 0;
  },
};

export const chats: Command = {
  name: 'chats',
  summary: 'list the chats backed up; rename, merge or split them',
  help: `usage: puddleproof chats [--json]
       puddleproof chats rename ID TITLE      # a title of your choosing for chat ID
       puddleproof chats merge ID INTO_ID     # chat ID is the same chat as INTO_ID
       puddleproof chats split BACKUP_ID      # that version is another chat
       puddleproof chats identify             # backups made before chats were recognised: read them

One entry per chat: id (stable, opaque), title, platform (whatsapp, telegram, discord or other),
versions, and for its newest version messages (written by people; system notices not counted), first and
last (ISO 8601 times of the first and last message), media and bytes. Backups made before chats were
recognised are listed with "identified": false until they are identified from their content (the
watcher does it in the background; \`chats identify\` does it now). Renames, merges and splits are kept in the vault
(encrypted) and every device applies them; retention then judges the chats as they are.`,
  async run(argv, env) {
    const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
    const device = await openDevice(profileHome(env));
    const [action, ...args] = positionals;
    if (action !== undefined) return changeChats(device, action, args);
    const { backups, problems } = await device.vault.list(deviceIdentities(device), device.secrets.authKey);
    const entries = chatsOf(backups);
    if (values.json) console.log(JSON.stringify(entries, null, 2));
    else {
      for (const c of entries) {
        const dates = c.first && c.last ? `, ${c.first.slice(0, 10)} to ${c.last.slice(0, 10)}` : '';
        const label = `${c.title} — ${c.identified ? platformName(c.platform) : 'not identified yet'}`;
        console.log(
          `${c.id}  ${label}  ${c.versions} versions  ${c.messages} messages${dates}  ${c.media} media  ${formatBytes(c.bytes)}`,
        );
      }
      if (entries.length === 0) console.log('No backups yet.');
    }
    for (const p of problems) console.error(`warning: ${p.id} cannot be read: ${p.problem}`);
    return 0;
  },
};

/** `chats rename|merge|split …`. */
async function changeChats(device: Device, action: string, args: string[]): Promise<number> {
  const [a, b, ...rest] = args;
  if (action === 'rename' && a && b) {
    const title = [b, ...rest].join(' ');
    const { renameChat } = await import('../../core/chats/chat-changes.js');
    await renameChat(device, a, title);
    console.log(`Chat ${a} is now called "${title.trim()}".`);
  } else if (action === 'merge' && a && b && rest.length === 0) {
    const { mergeChats } = await import('../../core/chats/chat-changes.js');
    await mergeChats(device, a, b);
    console.log(`Chat ${a} is now part of chat ${b}.`);
  } else if (action === 'identify' && !a) {
    const bar = progressBar('Identifying backups made before chats were recognised');
    const { identifyOldBackups } = await import('../../core/chats/identify-old.js');
    const p = await identifyOldBackups(device.vault, device, {
      onProgress: (q) => bar.update(q.done, q.total),
    });
    bar.clear();
    console.log(`${p.done} of ${p.total} backups identified.`);
    if (p.unreadable > 0) {
      console.log(
        `${p.unreadable} could not be opened on this device (made elsewhere?); they are kept as they are.`,
      );
    }
  } else if (action === 'split' && a && !b) {
    const { splitVersion } = await import('../../core/chats/chat-changes.js');
    const chat = await splitVersion(device, a);
    console.log(`Backup ${a} is now a chat of its own: ${chat}.`);
  } else {
    throw new UsageError(
      'usage: puddleproof chats [--json] | rename ID TITLE | merge ID INTO_ID | split BACKUP_ID | identify',
    );
  }
  return 0;
}

export const status: Command = {
  name: 'status',
  summary: 'show what needs backing up, and the last backup of each source',
  help: `usage: puddleproof status [--json]

The same status model as \`puddleproof watch\` and the app: the state (idle, settling, waiting for the
cloud folder, export folder missing, error), the exports not backed up yet, and the last backup per source.`,
  async run(argv, env) {
    const { values } = parse(argv, { json: { type: 'boolean' } });
    const profile = await openProfile(profileHome(env));
    // Loaded only here: the watcher's modules are most of the CLI's code (see README, Performance).
    const { Reconciler } = await import('../../core/watch/reconciler.js');
    const status = await new Reconciler({ profile }).check();
    const { drillDue, lastKitCheck } = await import('../../core/kit-drill.js');
    const { loadPreferences } = await import('../../core/app/preferences.js');
    const kitCheck = await lastKitCheck(profile.home);
    // The drill's interval is the app's preference (Settings → Recovery kit; 0: never asked).
    const { kitCheckMonths } = await loadPreferences(profile.home);
    const report = {
      profile: profile.home,
      device: profile.settings.deviceName,
      watchDir: profile.settings.watchDir,
      cloudDir: profile.settings.cloudDir,
      abandonedBackups: (await profile.journal.abandoned()).size,
      ...status,
      kitCheckedAt: kitCheck?.checkedAt ?? null,
      kitCheckMonths,
      kitCheckDue: drillDue(kitCheck, kitCheckMonths, new Date(kitCheck?.checkedAt ?? Date.now())),
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
    console.log(
      kitCheck
        ? `Recovery kit last checked ${kitCheck.checkedAt}${report.kitCheckDue ? ' — due again: run `puddleproof kit check`' : ''}`
        : 'Recovery kit never checked here: run `puddleproof kit check --recovery-kit FILE`',
    );
    return 0;
  },
};

export const gc: Command = {
  name: 'gc',
  summary: 'remove unfinished objects (data without a commit record, temporary files)',
  help: `usage: puddleproof gc [--grace-minutes N]

Objects this device left unfinished are removed at once; others only when older than N minutes
(default ${DEFAULT_GC_GRACE_MS / 60000}: 7 days), since another device may still be writing them, or its
upload may have stopped between them and their metadata.`,
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
