// A small chart of the vault's size after each backup.
import type { HistoryView } from '../../../src/shared/api.js';
import { formatBytes, formatDate, formatDateTime } from '../format.js';
import { chartShape } from './chart-geometry.js';

const WIDTH = 600;
const HEIGHT = 80;

function SizeCurve({ points, summary }: { points: HistoryView['vaultSize']; summary: string }) {
  const { line, area } = chartShape(points, WIDTH, HEIGHT);
  const first = points[0]?.at ?? '';
  const last = points.at(-1)?.at ?? '';
  return (
    <>
      <svg
        className="chart-svg"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={summary}
      >
        <path className="chart-area" d={area} />
        <path className="chart-line" d={line} vectorEffect="non-scaling-stroke" />
      </svg>
      <div className="chart-axis" aria-hidden="true">
        <span>{formatDateTime(first)}</span>
        <span>{formatDateTime(last)}</span>
      </div>
    </>
  );
}

export function VaultSizeChart({ points }: { points: HistoryView['vaultSize'] }) {
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last) return null;
  const summary = `Vault size over time: ${formatBytes(first.bytes)} on ${formatDate(first.at)}, ${formatBytes(last.bytes)} on ${formatDate(last.at)}.`;
  return (
    <section className="chart card" aria-labelledby="chart-title">
      <div className="chart-head">
        <h2 id="chart-title">Vault size</h2>
        <span className="chart-now">{formatBytes(last.bytes)}</span>
      </div>
      {points.length < 2 ? (
        <p className="muted chart-note">The chart fills in as more backups are made.</p>
      ) : (
        <SizeCurve points={points} summary={summary} />
      )}
    </section>
  );
}
