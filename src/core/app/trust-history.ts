// What Settings → Devices shows of the vault's trust log: who added or removed which device or recipient,
// and when (names and dates only, never keys), the changes refused, and whether this device was removed.
import type { TrustHistory } from '../../shared/api.js';
import { DATA_KEY_DEVICE, type TrustSync } from '../trust.js';

/** The window's view of a sync of the trusted list; `selfId` is this device's id. */
export function trustHistoryView(sync: TrustSync, selfId: string): TrustHistory {
  return {
    changes: sync.log
      // A data key's rotation is bookkeeping of a removal already listed.
      .filter((c) => c.deviceId !== DATA_KEY_DEVICE)
      .map((c) => ({
        id: c.id,
        change: c.change,
        name: c.label,
        by: c.by,
        at: c.at,
        byThisDevice: c.byDeviceId === selfId,
      }))
      .reverse(),
    refused: sync.problems.map(({ id, problem }) => ({ id, problem })),
    removed: sync.removed,
  };
}
