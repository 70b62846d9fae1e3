// One backup on a chat's timeline: when, how many messages more (or fewer) than the version before,
// what it uploaded of the export's size, how many files, which device, verified or not, and what could
// not be read of it.
import type { BackupVersion } from '../../../src/shared/api.js';
import { Icon } from '../components/Icon.js';
import {
  capitalized,
  count,
  formatDateTime,
  formatMessages,
  messageChange,
  uploadedText,
} from '../format.js';
import { VerificationBadge } from './VerificationBadge.js';

export function VersionItem({
  version,
  onRestore,
}: {
  version: BackupVersion;
  onRestore: (id: string) => void;
}) {
  const when = formatDateTime(version.createdAt);
  const warnings = version.chat?.warnings ?? [];
  // "Other files" hold no messages: neither a count nor a change is said of them.
  const messages = version.chat && version.chat.platform !== 'other' ? version.chat.messages : null;
  const change = messages === null ? null : messageChange(version.messagesSincePrevious);
  // What this version added to the cloud folder, of the export's size.
  const uploaded = uploadedText(version.format, version.storedBytes, version.bytes);
  return (
    <li className="version">
      <span className="version-dot" aria-hidden="true" />
      <div className="version-body">
        <div className="version-line">
          <time dateTime={version.createdAt} className="version-time">
            {when}
          </time>
          <VerificationBadge verification={version.verification} />
        </div>
        {change && (
          <p className={`version-change change-${change.tone}`}>
            {change.tone === 'fewer' && <Icon name="alert" />}
            {change.text}
          </p>
        )}
        <p className="muted version-facts">
          {messages !== null && <>{formatMessages(messages)} · </>}
          {messages === null ? capitalized(uploaded) : uploaded} · {count(version.files, 'file')} ·{' '}
          {version.thisDevice ? 'this computer' : version.device}
          {version.exportName && <> · {version.exportName}</>}
        </p>
        {warnings.length > 0 && (
          <details className="version-warnings">
            <summary>
              {warnings.length === 1 ? 'A note' : `${warnings.length} notes`} on reading this export
            </summary>
            {warnings.map((warning) => (
              <p key={warning}>{warning}</p>
            ))}
          </details>
        )}
      </div>
      <button
        type="button"
        className="small"
        onClick={() => onRestore(version.id)}
        aria-label={`Restore the backup of ${when}`}
      >
        Restore…
      </button>
    </li>
  );
}
