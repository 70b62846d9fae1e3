// The vault-size chart's shape: points scaled into a viewBox, as a line and the area under it.

export interface ChartShape {
  line: string;
  area: string;
  maxBytes: number;
}

/** Scales (time, bytes) points into a `width`×`height` box (time left to right, zero at the bottom). */
export function chartShape(
  points: { at: string; bytes: number }[],
  width: number,
  height: number,
): ChartShape {
  const times = points.map((p) => new Date(p.at).getTime());
  const first = Math.min(...times);
  const span = Math.max(...times) - first || 1;
  const maxBytes = Math.max(...points.map((p) => p.bytes), 1);
  const xy = points.map((p, i) => {
    const x = points.length === 1 ? width : (((times[i] ?? first) - first) / span) * width;
    const y = height - (p.bytes / maxBytes) * height;
    return `${x.toFixed(1)} ${y.toFixed(1)}`;
  });
  // A step chart: the vault keeps its size until the next backup.
  const steps = xy.flatMap((point, i) => {
    if (i === 0) return [point];
    const [x] = point.split(' ');
    const [, previousY] = (xy[i - 1] ?? point).split(' ');
    return [`${x} ${previousY}`, point];
  });
  const lastY = xy.at(-1)?.split(' ')[1] ?? String(height);
  const line = `M${points.length === 1 ? `0 ${lastY}L` : ''}${steps.join('L')}`;
  return { line, area: `${line}L${width} ${lastY}L${width} ${height}L0 ${height}Z`, maxBytes };
}
