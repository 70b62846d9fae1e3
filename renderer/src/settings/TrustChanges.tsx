// Settings → Devices → "Changes to the list": who added or removed which device or recipient, and when
// ("Anna's laptop was added by Sam's desktop on 5 Dec 2026"), newest first; the changes refused because the
// vault's keys do not prove them (nothing of them was applied); and whether another device removed this one.
import { useId } from 'react';
import type { TrustChangeView, TrustHistory } from '../../../src/shared/api.js';
import { formatDate } from '../format.js';

/** How many changes are listed; older ones are counted. */
const SHOWN = 10;

/** "Anna's laptop was added by Sam's desktop on 5 Dec 2026". */
export function trustChangeText(c: TrustChangeView): string {
  const by = c.byThisDevice ? `${c.by} (this device)` : c.by;
  return `${c.name} was ${c.change === 'add' ? 'added' : 'removed'} by ${by} on ${formatDate(c.at)}`;
}

export function TrustChanges({ history }: { history: TrustHistory }) {
  const id = useId();
  const shown = history.changes.slice(0, SHOWN);
  const earlier = history.changes.length - shown.length;
  return (
    <div>
      <h3 id={`${id}-title`}>Changes to the list</h3>
      {history.removed && (
        <p className="note note-warning">
          Another device removed this device from the vault’s list: the other devices no longer encrypt new
          backups to it. If that was not meant, check the vault’s devices on one of them.
        </p>
      )}
      {history.refused.map((r) => (
        <div key={r.id} className="note note-warning">
          <p className="note-title">
            Refused a change to the list that the vault’s keys do not prove ({r.id})
          </p>
          <p>
            Nothing of it was applied. Only someone or something that can write to your cloud folder could
            have put it there; if you did not expect this, check who can write to that folder.
          </p>
          <p className="muted small-text">{r.problem}</p>
        </div>
      ))}
      <ul aria-labelledby={`${id}-title`}>
        {shown.map((c) => (
          <li key={c.id}>{trustChangeText(c)}</li>
        ))}
      </ul>
      {earlier > 0 && (
        <p className="muted small-text">
          and {earlier} earlier change{earlier === 1 ? '' : 's'}
        </p>
      )}
    </div>
  );
}
