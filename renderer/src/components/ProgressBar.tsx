// A labelled progress bar with the percentage and an optional detail line (e.g. size and rate).
import { useId } from 'react';

export function ProgressBar({
  label,
  done,
  total,
  detail,
}: {
  label: string;
  done: number;
  total: number;
  detail?: string;
}) {
  const id = useId();
  const percent = total > 0 ? Math.min(100, Math.floor((100 * done) / total)) : 0;
  return (
    <div className="progress">
      <div className="progress-label">
        <span id={id}>{label}</span>
        <span className="progress-percent">{percent}%</span>
      </div>
      <progress aria-labelledby={id} max={Math.max(total, 1)} value={Math.min(done, Math.max(total, 1))} />
      {detail && <p className="muted progress-detail">{detail}</p>}
    </div>
  );
}
