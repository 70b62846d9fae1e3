// The names sync clients give vault files (conflict copies, duplicates, placeholders), for both kinds of
// object name: `<id>.age` and `<32 hex>.age`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyName, groupByObject } from '../../../src/core/vault/sync-names.js';

/** The vault's object names: `<id>.age` and per-device `<32 hex>.age`. */
function isObjectName(name: string): boolean {
  return /^(?:\d{8}T\d{6}Z-[a-z2-7]{12}|[0-9a-f]{32})\.age$/.test(name);
}

const ID = '20261126T170503Z-k3j7x2m4qa7b';
const HEX = '00112233445566778899aabbccddeeff';

/** The decorated names of `<stem>.age` that stand for a copy of it. */
function copyNames(stem: string): string[] {
  return [
    `${stem} (conflicted copy 2026-12-07).age`,
    `${stem} (Anna's conflicted copy 2026-12-07).age`,
    `${stem} (Anna's conflicted copy 2026-12-07 (1)).age`,
    `${stem} (Anna Maria's conflicted copy 2026-12-07 (12)).age`,
    `${stem}-DESKTOP-AB12CD.age`,
    `${stem}-LAPTOP7.age`,
    `${stem} (1).age`,
    `${stem} (2).age`,
    `${stem} (13).age`,
    `${stem} 2.age`,
    `${stem} 10.age`,
    `${stem}.sync-conflict-20261207-101112-ABCDEFG.age`,
    `${stem}.sync-conflict-20261207-101112-Z2Z7QQA.age`,
    `${stem}.sync-conflict-20261207-101112-.age`,
    `${stem} (conflict_on_2026-12-07).age`,
    `${stem} (conflict #1_on_2026-12-07).age`,
    `${stem} (conflict #2_on_2026-12-07).age`,
    `${stem} (conflict_on_2026-12-07_was_deleted).age`,
    // A copy of a copy.
    `${stem} (conflicted copy 2026-12-07) (conflicted copy 2026-12-08).age`,
    `${stem} (1) 2.age`,
  ];
}

/** Names near the decorated ones that are no copy of `<stem>.age`. */
function otherNames(stem: string): string[] {
  return [
    // Temporary files: ours and the sync clients'.
    `.tmp-abc-${stem}.age`,
    `.tmp-0f3a9c-${stem}.age`,
    `.~${stem}.age`,
    `~$${stem}.age`,
    `${stem}.tmp`,
    `${stem}.age.tmp`,
    `${stem}.age.partial`,
    `${stem}.age.download`,
    '.dropbox.cache',
    '.dropbox',
    // Decorations after the extension, or around another extension.
    `${stem}.age (1)`,
    `${stem}.age 2`,
    `${stem}.age-DESKTOP-AB12CD`,
    `${stem}.age.sync-conflict-20261207-101112-ABCDEFG`,
    `${stem}.age (conflict_on_2026-12-07)`,
    `${stem} (1).txt`,
    `${stem} (1).age.tmp`,
    `${stem} 2.age.icloud`,
    // Malformed decorations.
    `${stem}(1).age`,
    `${stem} (0).age`,
    `${stem} ().age`,
    `${stem} (1 ).age`,
    `${stem}  2.age`,
    `${stem} 02.age`,
    `${stem}-desktop-ab12cd.age`,
    `${stem}-2.age`,
    `${stem}-AB12CD-.age`,
    `${stem}-ABCDEFGHIJKLMNOP.age`,
    `${stem}.sync-conflict-2026127-101112-ABCDEFG.age`,
    `${stem}.sync-conflict-20261207-101112-ABCDEF1.age`,
    `${stem}.sync-conflict-20261207-101112-ABCDEFGH.age`,
    `${stem} (conflicted copy 2026-12-7).age`,
    `${stem} (Anna's conflicted copy).age`,
    `${stem} (conflicted copy 2026-12-07 (0)).age`,
    `${stem} (conflict on 2026-12-07).age`,
    `${stem} (conflict #0_on_2026-12-07).age`,
    // Placeholders of something else, or not quite placeholders.
    `${stem}.age.icloud`,
    `.${stem}.icloud`,
    `.${stem}.age`,
    `.${stem} (1).age.icloud`,
    `..${stem}.age.icloud`,
    // A decoration with no name in front.
    ' (1).age',
    '-DESKTOP-AB12CD.age',
  ];
}

describe('classifyName', () => {
  for (const [what, stem] of [
    ['an id-style name', ID],
    ['a hex-style name', HEX],
  ] as const) {
    const base = `${stem}.age`;

    test(`${what} is the object itself`, () => {
      assert.deepEqual(classifyName(base, isObjectName), { kind: 'object', base });
    });

    for (const name of copyNames(stem)) {
      test(`${what}: "${name}" is a copy`, () => {
        assert.deepEqual(classifyName(name, isObjectName), { kind: 'copy', base });
      });
    }

    test(`${what}: the iCloud placeholder ".${base}.icloud"`, () => {
      assert.deepEqual(classifyName(`.${base}.icloud`, isObjectName), { kind: 'placeholder', base });
    });

    for (const name of otherNames(stem)) {
      test(`${what}: "${name}" is other`, () => {
        assert.deepEqual(classifyName(name, isObjectName), { kind: 'other' });
      });
    }
  }

  test('names whose stripped form is no object name are other', () => {
    for (const name of [
      `${ID.slice(1)} (1).age`, // an id one digit short
      `${ID}x (1).age`, // an id one character long
      '20261126T170503Z-k3j9x2m4qa7b (1).age', // a 9 is no base32 digit
      `${HEX.slice(1)} (conflicted copy 2026-12-07).age`,
      `${HEX.toUpperCase()}-DESKTOP-AB12CD.age`,
      'notes (1).age',
      'notes 2.age',
      '.notes.age.icloud',
      'IMG_0001 (1).jpg',
    ]) {
      assert.deepEqual(classifyName(name, isObjectName), { kind: 'other' }, name);
    }
  });

  test('a name the predicate accepts is the object, even when it looks decorated', () => {
    const accepts = (name: string) => name === 'a.age' || name === 'a (1).age' || name === 'b-PC1.age';
    assert.deepEqual(classifyName('a (1).age', accepts), { kind: 'object', base: 'a (1).age' });
    assert.deepEqual(classifyName('b-PC1.age', accepts), { kind: 'object', base: 'b-PC1.age' });
    assert.deepEqual(classifyName('a (1) (2).age', accepts), { kind: 'copy', base: 'a (1).age' });
    assert.deepEqual(classifyName('b.age', accepts), { kind: 'other' });
  });

  test('a decoration needs a name in front of it', () => {
    const accepts = (name: string) => name === '.age';
    assert.deepEqual(classifyName(' (1).age', accepts), { kind: 'other' });
    assert.deepEqual(classifyName('-DESKTOP-AB12CD.age', accepts), { kind: 'other' });
  });

  test('at most three decorations are stripped', () => {
    assert.deepEqual(classifyName(`${ID} (1) (2) (3).age`, isObjectName), {
      kind: 'copy',
      base: `${ID}.age`,
    });
    assert.deepEqual(classifyName(`${ID} (1) (2) (3) (4).age`, isObjectName), { kind: 'other' });
  });

  test('the predicate is asked about the stripped names only', () => {
    const asked: string[] = [];
    const spy = (name: string) => {
      asked.push(name);
      return isObjectName(name);
    };
    assert.deepEqual(classifyName(`${ID}-DESKTOP-AB12CD.age`, spy), { kind: 'copy', base: `${ID}.age` });
    assert.deepEqual(asked, [`${ID}-DESKTOP-AB12CD.age`, `${ID}.age`]);
  });
});

describe('groupByObject', () => {
  test('a folder with objects, copies, placeholders and temporary files', () => {
    const other = '20270101T000000Z-aaaaaaaaaaaa';
    const names = [
      `${ID}.age`,
      `.tmp-1f2e-${ID}.age`,
      `${ID} (Anna's conflicted copy 2026-12-07).age`,
      `${HEX}.age`,
      `${ID}.sync-conflict-20261207-101112-ABCDEFG.age`,
      `.${other}.age.icloud`,
      `${HEX}-DESKTOP-AB12CD.age`,
      `${other} 2.age`,
      `${ID}.age.partial`,
      '.dropbox.cache',
      `${ID} (1).txt`,
      'README.txt',
      `.${HEX} (1).age.icloud`,
      `${HEX} (1).age`,
      `.~${HEX}.age`,
    ];
    const groups = groupByObject(names, isObjectName);
    assert.deepEqual(
      [...groups],
      [
        [
          `${ID}.age`,
          {
            exact: true,
            copies: [
              `${ID} (Anna's conflicted copy 2026-12-07).age`,
              `${ID}.sync-conflict-20261207-101112-ABCDEFG.age`,
            ],
            placeholder: false,
          },
        ],
        [
          `${HEX}.age`,
          { exact: true, copies: [`${HEX}-DESKTOP-AB12CD.age`, `${HEX} (1).age`], placeholder: false },
        ],
        [`${other}.age`, { exact: false, copies: [`${other} 2.age`], placeholder: true }],
      ],
    );
  });

  test('copies without their object, and an empty folder', () => {
    assert.deepEqual(
      [...groupByObject([`${ID} (1).age`, `${ID} (conflict_on_2026-12-07).age`], isObjectName)],
      [
        [
          `${ID}.age`,
          {
            exact: false,
            copies: [`${ID} (1).age`, `${ID} (conflict_on_2026-12-07).age`],
            placeholder: false,
          },
        ],
      ],
    );
    assert.deepEqual([...groupByObject([], isObjectName)], []);
    assert.deepEqual([...groupByObject(['.dropbox.cache', `~$${ID}.age`], isObjectName)], []);
  });
});
