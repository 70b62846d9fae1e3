// One chat: its title and app, who is in it and what its newest version holds, then its versions,
// newest first, on a timeline.
import { useId } from 'react';
import type { SourceHistory } from '../../../src/shared/api.js';
import { count } from '../format.js';
import { ChatFactsList, PlatformBadge } from './ChatFacts.js';
import { VersionItem } from './VersionItem.js';

export function SourceTimeline({
  source,
  onRestore,
}: {
  source: SourceHistory;
  onRestore: (id: string) => void;
}) {
  const id = useId();
  const newest = source.versions[0]?.chat ?? null;
  return (
    <section className="source card" aria-labelledby={id}>
      <div className="source-head">
        <h3 id={id}>{source.source}</h3>
        <PlatformBadge platform={source.platform} />
        <span className="spacer" />
        <span className="muted">{count(source.versions.length, 'version')}</span>
      </div>
      {source.platform === null && (
        <p className="muted source-note">
          Backed up before Puddleproof recognised chats. It is identified from its content in the background,
          and kept until then.
        </p>
      )}
      {newest && <ChatFactsList facts={newest} />}
      <ol className="timeline" aria-label={`Versions of ${source.source}`}>
        {source.versions.map((version) => (
          <VersionItem key={version.id} version={version} onRestore={onRestore} />
        ))}
      </ol>
    </section>
  );
}
