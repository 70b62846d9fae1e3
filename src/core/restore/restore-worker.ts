// The restore worker: takes packs from the list a restore shares with it (see pack-placer.ts) and places
// them, as the main thread does, until none is left or either thread has failed.
import { parentPort, workerData } from 'node:worker_threads';
import type { PackSlot } from '../dedup/pack-open.js';
import {
  describeFailure,
  markStarted,
  type PackJob,
  type PlacerSettings,
  placePack,
  stopJobs,
  takeJob,
} from './pack-placement.js';

const settings = workerData as PlacerSettings;
const slot: PackSlot = { sealed: Buffer.alloc(0), plain: Buffer.alloc(0), reserve: settings.largest };

async function run(): Promise<void> {
  // From here on a failure of this thread is the restore's (before, the main thread places every pack).
  markStarted(settings.shared);
  for (let i = takeJob(settings.shared, settings.jobs.length); i >= 0; ) {
    try {
      const bytes = await placePack(
        settings.jobs[i] as PackJob,
        settings.identities,
        settings.idKey,
        slot,
        settings.write,
      );
      parentPort?.postMessage({ type: 'placed', bytes });
    } catch (err) {
      stopJobs(settings.shared);
      parentPort?.postMessage({ type: 'failed', job: i, failure: describeFailure(err) });
      return;
    }
    i = takeJob(settings.shared, settings.jobs.length);
  }
  parentPort?.postMessage({ type: 'finished' });
}

void run();
