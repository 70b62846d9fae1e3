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
  // "Other files" have no messages or people to speak of: only the media line would say anything.
  const chat = facts.platform !== 'other' || facts.messages > 0;
  return (
    <dl className="chat-facts">
      {chat && (
        <div>
          <dt>Messages</dt>
          <dd>{formatMessages(facts.messages)}</dd>
        </div>
      )}
      {dates && (
        <div>
          <dt>Dates</dt>
          <dd>{dates}</dd>
        </div>
      )}
      {(chat || facts.media > 0) && (
        <div>
          <dt>Media</dt>
          <dd>
            {facts.media > 0
              ? `${count(facts.media, 'file')} · ${formatBytes(facts.mediaBytes)}`
              : 'none in the export'}
          </dd>
        </div>
      )}
      {people && (
        <div>
          <dt>People</dt>
          <dd>{people}</dd>
        </div>
      )}
    </dl>
  );
}
