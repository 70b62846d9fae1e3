// Restore, failed or cancelled: what happened, that nothing was written, and the step that fixes it.
import type { RestoreOutcome } from '../../../src/shared/api.js';
import { FocusHeading } from '../components/FocusHeading.js';
import { Problem } from '../components/Problem.js';
import { type FixStep, restoreAdvice } from './restore-advice.js';

type Failure = Extract<RestoreOutcome, { ok: false }>;

const FIX_LABEL: Record<FixStep, string> = {
  version: 'Choose another version',
  unlock: 'Load the recovery kit',
  destination: 'Choose another destination',
};

export function RestoreFailed({ outcome, onFix }: { outcome: Failure; onFix: (step: FixStep) => void }) {
  if (outcome.problem === 'cancelled') {
    return (
      <div className="wizard-step">
        <FocusHeading level={2}>Restore cancelled</FocusHeading>
        <p>Nothing was written.</p>
        <div className="actions">
          <button type="button" className="primary" onClick={() => onFix('destination')}>
            Back to the destination
          </button>
        </div>
      </div>
    );
  }
  const advice = restoreAdvice(outcome.problem);
  return (
    <div className="wizard-step">
      <FocusHeading level={2}>The restore did not work</FocusHeading>
      <Problem title={advice.title} message={outcome.message} next={advice.next}>
        {!/nothing was (restored|written)/i.test(outcome.message) && <p>Nothing was written.</p>}
      </Problem>
      <div className="actions">
        <button type="button" className="primary" onClick={() => onFix(advice.fixAt)}>
          {FIX_LABEL[advice.fixAt]}
        </button>
      </div>
    </div>
  );
}
