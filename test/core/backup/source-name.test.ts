import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isExportName } from '../../../src/core/backup/export-names.js';
import { sourceOf } from '../../../src/core/backup/source-name.js';

test('successive exports of one chat share a source', () => {
  assert.equal(sourceOf('WhatsApp Chat - Alice.zip'), 'WhatsApp Chat - Alice');
  assert.equal(sourceOf('WhatsApp Chat - Alice (2).zip'), 'WhatsApp Chat - Alice');
  assert.equal(sourceOf('ChatExport_2026-11-26'), 'ChatExport');
  assert.equal(sourceOf('ChatExport_2026-11-26 (1)'), 'ChatExport');
  assert.equal(sourceOf('Family group 2026-01-02 13.45.10.zip'), 'Family group');
  assert.equal(sourceOf('Group 42.zip'), 'Group 42');
  assert.equal(sourceOf('2026-11-26.zip'), '2026-11-26');
});

test('hidden files and unfinished downloads are not exports', () => {
  for (const name of [
    '.DS_Store',
    'Thumbs.db',
    'chat.zip.crdownload',
    'x.part',
    'y.download',
    'z.tmp',
    '~$doc',
  ]) {
    assert.equal(isExportName(name), false, name);
  }
  assert.equal(isExportName('WhatsApp Chat - Alice.zip'), true);
});
