// The window's advice for a failed restore or listing, one per kind of failure (RestoreProblem). Which kind
// each real engine failure gets is tested in test/core/restore/restore-problem.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FixStep, restoreAdvice } from '../../../renderer/src/restore/restore-advice.js';
import type { RestoreProblem } from '../../../src/shared/api.js';

/** The wizard step that fixes each kind (a Record, so a new kind fails to compile here until it is added). */
const FIX_AT: Record<RestoreProblem, FixStep> = {
  needsKit: 'unlock',
  destination: 'destination',
  diskFull: 'destination',
  notWritable: 'destination',
  damaged: 'version',
  notSynced: 'version',
  cancelled: 'destination',
  other: 'destination',
};
const PROBLEMS = Object.keys(FIX_AT) as RestoreProblem[];

test('every kind of failure has a headline, a next step and the step that fixes it', () => {
  assert.deepEqual(
    PROBLEMS.map((problem) => {
      const { title, next, fixAt } = restoreAdvice(problem);
      return { problem, title: title.trim().length > 0, next: next.trim().length > 0, fixAt };
    }),
    PROBLEMS.map((problem) => ({ problem, title: true, next: true, fixAt: FIX_AT[problem] })),
  );
});

test('each kind of failure gets its own headline and next step', () => {
  const advice = PROBLEMS.map((problem) => restoreAdvice(problem));
  assert.equal(new Set(advice.map((a) => a.title)).size, PROBLEMS.length);
  assert.equal(new Set(advice.map((a) => a.next)).size, PROBLEMS.length);
});
