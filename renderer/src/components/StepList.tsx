// Where a wizard stands: its steps in order, the current one marked.
import { Icon } from './Icon.js';

export function StepList({ label, steps, current }: { label: string; steps: string[]; current: number }) {
  return (
    <ol className="steps" aria-label={label}>
      {steps.map((step, i) => (
        <li
          key={step}
          className={i < current ? 'step-done' : i === current ? 'step-current' : undefined}
          aria-current={i === current ? 'step' : undefined}
        >
          <span className="step-number" aria-hidden="true">
            {i < current ? <Icon name="check" /> : i + 1}
          </span>
          {step}
        </li>
      ))}
    </ol>
  );
}
