// The vault-size chart's geometry: time runs left to right across the whole width, the largest size
// touches the top and zero the bottom, the line steps (the size holds until the next backup), and the
// area closes along the bottom edge.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chartShape } from '../../../renderer/src/history/chart-geometry.js';

const W = 600;
const H = 80;
const T0 = Date.UTC(2026, 10, 1, 9, 0, 0);
const at = (hours: number) => new Date(T0 + hours * 3600_000).toISOString();

type Command = { op: string; x: number; y: number };

/** Splits path data made of M/L commands (and a closing Z) into absolute points. */
function commands(d: string): Command[] {
  const parts = d.match(/[MLZ][^MLZ]*/g) ?? [];
  assert.equal(parts.join(''), d, 'only M, L and Z commands');
  return parts.map((part) => {
    const op = part[0] ?? '';
    if (op === 'Z') return { op, x: Number.NaN, y: Number.NaN };
    const numbers = part.slice(1).trim().split(/\s+/).map(Number);
    assert.equal(numbers.length, 2, `${part} has one point`);
    const [x = Number.NaN, y = Number.NaN] = numbers;
    assert.ok(Number.isFinite(x) && Number.isFinite(y), `${part} is finite`);
    return { op, x, y };
  });
}

/** Asserts every segment is horizontal or vertical and time never runs backwards. */
function assertSteps(points: Command[]): void {
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    assert.ok(a && b);
    assert.ok(a.x === b.x || a.y === b.y, `segment ${i} is a step, not a slope`);
    assert.ok(b.x >= a.x, `segment ${i} does not go back in time`);
  }
}

describe('chartShape', () => {
  test('three backups: exact line and area', () => {
    const shape = chartShape(
      [
        { at: at(0), bytes: 100 },
        { at: at(1), bytes: 300 },
        { at: at(3), bytes: 200 },
      ],
      W,
      H,
    );
    assert.equal(shape.maxBytes, 300);
    assert.equal(shape.line, 'M0.0 53.3L200.0 53.3L200.0 0.0L600.0 0.0L600.0 26.7');
    assert.equal(shape.area, `${shape.line}L600 26.7L600 80L0 80Z`);
  });

  test('spans the full width and height, as steps', () => {
    const points = [
      { at: at(0), bytes: 5_000 },
      { at: at(2), bytes: 12_000 },
      { at: at(2.5), bytes: 12_000 },
      { at: at(30), bytes: 40_000 },
      { at: at(31), bytes: 41_000 },
    ];
    const { line, area, maxBytes } = chartShape(points, W, H);
    assert.equal(maxBytes, 41_000);
    const drawn = commands(line);
    assert.equal(drawn[0]?.op, 'M');
    assert.ok(drawn.slice(1).every((c) => c.op === 'L'));
    assert.equal(drawn[0]?.x, 0, 'the first backup is at the left edge');
    assert.equal(drawn.at(-1)?.x, W, 'the last backup is at the right edge');
    assert.equal(drawn.at(-1)?.y, 0, 'the largest size touches the top');
    assert.ok(drawn.every((c) => c.x >= 0 && c.x <= W && c.y >= 0 && c.y <= H));
    assertSteps(drawn);
    assert.equal(drawn.length, 2 * points.length - 1, 'one step (two points) per later backup');
    // x is proportional to time: 2 h of 31 h.
    assert.equal(drawn[1]?.x, Number(((2 / 31) * W).toFixed(1)));

    const closed = commands(area);
    assert.equal(closed.at(-1)?.op, 'Z');
    assert.deepEqual(
      closed.slice(drawn.length, -1).map(({ x, y }) => [x, y]),
      [
        [W, 0],
        [W, H],
        [0, H],
      ],
      'the area runs down the right edge and back along the bottom',
    );
  });

  test('one backup: a flat line across the whole width at its size', () => {
    const shape = chartShape([{ at: at(0), bytes: 2_000 }], W, H);
    assert.equal(shape.maxBytes, 2_000);
    assert.equal(shape.line, 'M0 0.0L600.0 0.0');
    assert.equal(shape.area, 'M0 0.0L600.0 0.0L600 0.0L600 80L0 80Z');
  });

  test('equal sizes: a flat line at the top', () => {
    const { line } = chartShape(
      [
        { at: at(0), bytes: 7 },
        { at: at(1), bytes: 7 },
        { at: at(2), bytes: 7 },
      ],
      W,
      H,
    );
    const drawn = commands(line);
    assert.ok(drawn.every((c) => c.y === 0));
    assert.equal(drawn.at(-1)?.x, W);
  });

  test('an empty vault: everything at the bottom, never a division by zero', () => {
    const { line, maxBytes } = chartShape(
      [
        { at: at(0), bytes: 0 },
        { at: at(1), bytes: 0 },
      ],
      W,
      H,
    );
    assert.equal(maxBytes, 1);
    assert.ok(commands(line).every((c) => c.y === H));
  });

  test('backups at the same moment stay inside the box', () => {
    const { line, area } = chartShape(
      [
        { at: at(0), bytes: 10 },
        { at: at(0), bytes: 20 },
      ],
      W,
      H,
    );
    const drawn = commands(line);
    assert.ok(drawn.every((c) => c.x === 0 && c.y >= 0 && c.y <= H));
    assert.ok(commands(area).every((c) => c.op === 'Z' || (c.x >= 0 && c.x <= W)));
  });

  test('scales to any box', () => {
    const { line, area } = chartShape(
      [
        { at: at(0), bytes: 50 },
        { at: at(10), bytes: 100 },
      ],
      100,
      10,
    );
    assert.equal(line, 'M0.0 5.0L100.0 5.0L100.0 0.0');
    assert.equal(area, `${line}L100 0.0L100 10L0 10Z`);
  });
});
