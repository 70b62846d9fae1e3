// Whether a backup was verified end to end on this device, in words and a symbol (never color alone).
import type { VerificationState } from '../../../src/shared/api.js';
import { Icon } from '../components/Icon.js';
import { formatDate } from '../format.js';

export function VerificationBadge({ verification }: { verification: VerificationState }) {
  switch (verification.kind) {
    case 'verified':
      return (
        <span className="badge badge-ok">
          <Icon name="check" />
          Verified {formatDate(verification.at)}
        </span>
      );
    case 'failed':
      return (
        <span className="badge badge-problem">
          <Icon name="cross" />
          Verification failed: {verification.problem}
        </span>
      );
    case 'unverified':
      return (
        <span className="badge">
          <Icon name="clock" />
          Not verified yet
        </span>
      );
  }
}
