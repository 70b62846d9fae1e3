// One backup or one restore through the built engine (dist/), in a process of its own so that its
// peak RSS is its own. Prints {"seconds", "maxRssKB"} (and the backup's id) as one JSON line.
//   engine-child.mjs backup HOME EXPORT
//   engine-child.mjs restore HOME ID DESTINATION
import { backupExport } from '../dist/core/backup/backup.js';
import { backupContextOf, deviceIdentities, openDevice } from '../dist/core/device.js';
import { restoreBackup } from '../dist/core/restore/restore.js';

const [op, home, a, b] = process.argv.slice(2);
const device = await openDevice(home);
const start = performance.now();
let id;
if (op === 'backup') {
  const outcome = await backupExport(backupContextOf(device, device.vault), a, []);
  if (outcome.status !== 'stored') throw new Error(`backup was ${outcome.status}`);
  id = outcome.meta.id;
} else if (op === 'restore') {
  const identities = deviceIdentities(device);
  const expected = await device.vault.readMetadata(a, identities, device.secrets.authKey);
  await restoreBackup({
    dataPath: device.vault.paths.data(a),
    identities,
    authKey: device.secrets.authKey,
    expected,
    to: b,
  });
} else {
  throw new Error(`unknown operation ${op}`);
}
const seconds = (performance.now() - start) / 1000;
process.stdout.write(`${JSON.stringify({ seconds, maxRssKB: process.resourceUsage().maxRSS, id })}\n`);
