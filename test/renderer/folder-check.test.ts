// How the folder controls refer to the folder check's note: described by it whenever it says something,
// invalid only when the folders are refused; and the aria-describedby lists without missing ids.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describedBy, folderCheckAria, UNCHECKED } from '../../renderer/src/folder-check.js';

describe('describedBy', () => {
  test('joins the ids that are there, in order', () => {
    assert.equal(describedBy('hint', 'error', 'check'), 'hint error check');
    assert.equal(describedBy('hint', null, undefined, false, '', 'check'), 'hint check');
  });

  test('is undefined when no id is left (no empty attribute)', () => {
    assert.equal(describedBy(), undefined);
    assert.equal(describedBy(null, false, undefined, ''), undefined);
  });
});

describe('folderCheckAria', () => {
  test('before a check, or when it finds nothing, the controls point nowhere and are valid', () => {
    assert.deepEqual(folderCheckAria('note', UNCHECKED), { describedBy: undefined, invalid: false });
  });

  test('a refusal describes the controls and makes them invalid', () => {
    const check = {
      refused: 'The export folder and the cloud folder are the same folder.',
      warnings: [],
      problem: null,
    };
    assert.deepEqual(folderCheckAria('note', check), { describedBy: 'note', invalid: true });
  });

  test('warnings describe the controls without making them invalid', () => {
    const check = {
      refused: null,
      warnings: ['The export folder is inside your OneDrive folder.'],
      problem: null,
    };
    assert.deepEqual(folderCheckAria('note', check), { describedBy: 'note', invalid: false });
  });

  test('a check that failed is said, but the choice is not called invalid (it is checked again on use)', () => {
    const check = { ...UNCHECKED, problem: 'The folders could not be checked.' };
    assert.deepEqual(folderCheckAria('note', check), { describedBy: 'note', invalid: false });
  });
});
