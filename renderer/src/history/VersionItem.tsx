// One backup on a source's timeline: when, how big, how many files, which device, verified or not.
import type { BackupVersion } from '../../../src/shared/api.js';
import { count, formatBytes, formatDateTime } from '../format.js';
import { VerificationBadge } from './VerificationBadge.js';

export function VersionItem({
  version,
  onRestore,
}: {
  version: BackupVersion;
  onRestore: (id: string) => void;
}) {
  const when = formatDateTime(version.createdAt);
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
        <p className="muted version-facts">
          {formatBytes(version.bytes)} · {count(version.files, 'file')} ·{' '}
          {version.thisDevice ? 'this computer' : version.device}
          {version.exportName && <> · {version.exportName}</>}
        </p>
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
