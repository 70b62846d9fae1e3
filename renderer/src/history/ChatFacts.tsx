// What a chat is and holds: its app as a badge, and for a version the messages, the dates of the first
// and last message, the media and the people in it.
import type { ChatFacts, ChatPlatform } from '../../../src/shared/api.js';
import {
  count,
  formatBytes,
  formatDateRange,
  formatMessages,
  formatParticipants,
  platformName,
} from '../format.js';

export function PlatformBadge({ platform }: { platform: ChatPlatform | null }) {
  return <span className={`platform platform-${platform ?? 'unknown'}`}>{platformName(platform)}</span>;
}

export function ChatFactsList({ facts }: { facts: ChatFacts }) {
  const dates = formatDateRange(facts.first, facts.last);
  const people = formatParticipants(facts.participants);
  // "Other files" have no messages or people to speak of: only what is there is said.
  const chat = facts.platform !== 'other' || facts.messages > 0;
  const items: [string, string][] = [];
  if (chat) items.push(['Messages', formatMessages(facts.messages)]);
  if (dates) items.push(['Dates', dates]);
  if (chat || facts.media > 0) {
    items.push([
      'Media',
      facts.media > 0
        ? `${count(facts.media, 'file')} · ${formatBytes(facts.mediaBytes)}`
        : 'none in the export',
    ]);
  }
  if (people) items.push(['People', people]);
  if (items.length === 0) return null;
  return (
    <dl className="chat-facts">
      {items.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
