// One chat (source) and its versions, newest first, on a timeline.
import { useId } from 'react';
import type { SourceHistory } from '../../../src/shared/api.js';
import { count } from '../format.js';
import { VersionItem } from './VersionItem.js';

export function SourceTimeline({
  source,
  onRestore,
}: {
  source: SourceHistory;
  onRestore: (id: string) => void;
}) {
  const id = useId();
  return (
    <section className="source card" aria-labelledby={id}>
      <div className="source-head">
        <h3 id={id}>{source.source}</h3>
        <span className="muted">{count(source.versions.length, 'version')}</span>
      </div>
      <ol className="timeline">
        {source.versions.map((version) => (
          <VersionItem key={version.id} version={version} onRestore={onRestore} />
        ))}
      </ol>
    </section>
  );
}
