// One backup or one restore through the built engine (dist/), in a process of its own so that its
// peak RSS is its own. Prints {"seconds", "cpuSeconds", "maxRssKB"} (and the backup's id and uploaded bytes) as one JSON line.
//   engine-child.mjs backup HOME EXPORT
//   engine-child.mjs restore HOME ID DESTINATION
import { backupExport } from '../dist/core/backup/backup.js';
import { backupContextOf, cachesOf, deviceIdentities, openDevice } from '../dist/core/device.js';
import { restoreFromVault } from '../dist/core/restore/restore-from-vault.js';

const [op, home, a, b] = process.argv.slice(2);
const device = await openDevice(home);
const start = performance.now();
let id;
let uploadedBytes;
if (op === 'backup') {
  // Against the vault's backups, as the app backs up (a format-2 backup deduplicates against them all).
  const { backups } = await device.vault.list(deviceIdentities(device), device.secrets.authKey);
  const outcome = await backupExport(backupContextOf(device, device.vault), a, backups);
  if (outcome.status !== 'stored') throw new Error(`backup was ${outcome.status}`);
  id = outcome.meta.id;
  uploadedBytes = outcome.meta.format === 2 ? outcome.meta.uploadedBytes : outcome.meta.tarBytes;
} else if (op === 'restore') {
  const identities = deviceIdentities(device);
  const meta = await device.vault.readMetadata(a, identities, device.secrets.authKey);
  await restoreFromVault({
    vault: device.vault,
    meta,
    identities,
    authKey: device.secrets.authKey,
    to: b,
    indexCache: cachesOf(device).indexCache,
  });
} else {
  throw new Error(`unknown operation ${op}`);
}
const seconds = (performance.now() - start) / 1000;
// CPU time of the whole process (every thread, and the start), as the shell counts a reference's processes.
const usage = process.resourceUsage();
const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
process.stdout.write(
  `${JSON.stringify({ seconds, cpuSeconds, maxRssKB: usage.maxRSS, id, uploadedBytes })}\n`,
);
