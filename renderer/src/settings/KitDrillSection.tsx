// Settings: when the recovery kit was last checked on this device ("Recovery kit last checked 12 days
// ago" or "never"), whether a check is due, and the way to "Check my recovery kit".
import { useId } from 'react';
import type { KitDrill } from '../../../src/shared/api.js';
import { formatAgo } from '../format.js';

export function kitCheckedText(drill: KitDrill, now = Date.now()): string {
  return drill.lastCheckedAt
    ? `Recovery kit last checked ${formatAgo(drill.lastCheckedAt, now)}`
    : 'Recovery kit never checked on this device';
}

export function KitDrillSection({ drill, onCheck }: { drill: KitDrill; onCheck: () => void }) {
  const id = useId();
  return (
    <section className="card settings-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Recovery kit</h2>
      <p className={drill.due ? 'note note-warning' : 'note'}>
        {kitCheckedText(drill)}.{drill.due && ' It is time to check it again.'}
      </p>
      <p className="field-hint">
        Your recovery kit is the only way back to your backups if you lose every device. Check now and then
        {drill.months > 0 && ` (every ${drill.months === 1 ? 'month' : `${drill.months} months`})`} that you
        still have it and that it opens your newest backup.
      </p>
      <div className="actions">
        <button type="button" onClick={onCheck}>
          Check my recovery kit
        </button>
      </div>
    </section>
  );
}
