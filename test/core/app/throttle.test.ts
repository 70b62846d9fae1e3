import assert from 'node:assert/strict';
import { test } from 'node:test';
import { throttled } from '../../../src/core/app/throttle.js';

test('progress goes out at most once per interval; the final value always', () => {
  let clock = 1000;
  const sent: number[] = [];
  const progress = throttled(
    200,
    () => clock,
    (v: number) => sent.push(v),
  );
  for (let v = 1; v <= 10; v++) {
    progress.push(v);
    clock += 50;
  }
  progress.flush(11);
  assert.deepEqual(sent, [1, 5, 9, 11]);
});
