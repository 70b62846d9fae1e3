// Readiness checks of the watch folder: whether a zip is whole (its end-of-central-directory record and
// the central directory it points to are there) and the latest change anywhere under an export.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lutimes, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { latestChange, zipLooksComplete } from '../../../src/core/watch/readiness.js';
import { storedZip } from '../../helpers/zip.js';

const EOCD = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const CENTRAL = Buffer.from([0x50, 0x4b, 0x01, 0x02]);

let hasZipCli = true;
try {
  execFileSync('zip', ['-v'], { stdio: 'ignore' });
} catch {
  hasZipCli = false;
}

/** A minimal valid zip (one stored file) built by hand. */
const handMadeZip = (name: string, data: Buffer, comment = '') => storedZip([[name, data]], comment);

describe('zipLooksComplete', () => {
  let dir: string;
  /** A real zip: from the zip CLI when installed, else built by hand. */
  let zip: Buffer;
  /** Where its central directory starts (its first central header). */
  let cdStart: number;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'puddleproof-readiness-'));
    if (hasZipCli) {
      const src = join(dir, 'src');
      await mkdir(join(src, 'media'), { recursive: true });
      await writeFile(
        join(src, '_chat.txt'),
        '[26.11.26, 17:05:03] Alice: see you at the lake\n'.repeat(200),
      );
      await writeFile(join(src, 'media', 'IMG-0001.jpg'), randomBytes(40_000));
      await writeFile(join(src, 'media', 'PTT-0002.opus'), randomBytes(9_000));
      execFileSync('zip', ['-q', '-X', '-r', join(dir, 'real.zip'), '.'], { cwd: src });
      zip = await readFile(join(dir, 'real.zip'));
    } else {
      zip = handMadeZip('_chat.txt', randomBytes(50_000));
    }
    cdStart = zip.indexOf(CENTRAL);
    assert.ok(cdStart > 0, 'the zip has a central directory');
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function check(name: string, bytes: Buffer): Promise<boolean> {
    const path = join(dir, name);
    await writeFile(path, bytes);
    return zipLooksComplete(path);
  }

  test('a whole zip is complete', async () => {
    assert.equal(zip.subarray(-22).subarray(0, 4).equals(EOCD), true, 'ends with its EOCD record');
    assert.equal(await check('whole.zip', zip), true);
  });

  test('a hand-made minimal zip is complete, and so is one with a comment', async () => {
    assert.equal(await check('hand.zip', handMadeZip('a.txt', Buffer.from('hello\n'))), true);
    assert.equal(await check('hand-comment.zip', handMadeZip('a.txt', randomBytes(300), 'a comment')), true);
  });

  test('the same zip truncated at many points is not complete', async () => {
    const points = new Set([
      1,
      4,
      21,
      22,
      30,
      Math.floor(zip.length / 10),
      Math.floor(zip.length / 2),
      Math.floor((zip.length * 9) / 10),
      cdStart,
      cdStart + 1,
      cdStart + 46,
      zip.length - 23,
      zip.length - 22,
      zip.length - 21,
      zip.length - 2,
      zip.length - 1,
    ]);
    for (const at of points) {
      assert.equal(await check(`truncated-${at}.zip`, zip.subarray(0, at)), false, `truncated at ${at}`);
    }
  });

  test('a zip that is still being downloaded in 10 pieces is complete only with its last piece', async () => {
    const piece = Math.ceil(zip.length / 10);
    for (let i = 1; i <= 10; i++) {
      const prefix = zip.subarray(0, Math.min(zip.length, i * piece));
      assert.equal(await check('pieces.zip', prefix), i === 10, `after piece ${i}`);
    }
  });

  test('an EOCD record whose central directory is not in the file yet is not complete', async () => {
    // The local entries and an EOCD record, but without the central directory it points to.
    const end = zip.subarray(zip.length - 22);
    assert.equal(await check('no-central.zip', Buffer.concat([zip.subarray(0, cdStart), end])), false);
  });

  test('a comment cut short is not complete', async () => {
    const withComment = handMadeZip('a.txt', randomBytes(1000), 'exported by a chat app');
    assert.equal(await check('comment-cut.zip', withComment.subarray(0, withComment.length - 5)), false);
  });

  test('an empty file, a tiny file and random bytes are not complete', async () => {
    assert.equal(await check('empty.zip', Buffer.alloc(0)), false);
    assert.equal(await check('tiny.zip', Buffer.from('PK')), false);
    let random = randomBytes(100_000);
    while (random.includes(EOCD)) random = randomBytes(100_000);
    assert.equal(await check('random.zip', random), false);
    assert.equal(await check('zeros.zip', Buffer.alloc(4096)), false);
  });

  test('a ZIP64 zip is complete and its truncations are not', {
    skip: !hasZipCli && 'no zip CLI',
  }, async () => {
    const src = join(dir, 'src');
    execFileSync('zip', ['-q', '-X', '-fz', '-r', join(dir, 'z64.zip'), '.'], { cwd: src });
    const z64 = await readFile(join(dir, 'z64.zip'));
    assert.equal(await check('z64-whole.zip', z64), true);
    for (const at of [z64.length - 1, z64.length - 22, z64.length - 60, Math.floor(z64.length / 2)]) {
      assert.equal(await check(`z64-${at}.zip`, z64.subarray(0, at)), false, `truncated at ${at}`);
    }
  });

  test('a download that stopped right after a zip stored inside the zip is not complete', {}, async () => {
    // An export with a zip attachment, stored (zip does not compress .zip files): a prefix that ends
    // exactly where the inner zip ends has an EOCD record at its end — the inner one.
    const inner = handMadeZip('note.txt', randomBytes(2000));
    const outer = handMadeZip('attachment.zip', inner);
    const innerEnd = 30 + 'attachment.zip'.length + inner.length;
    assert.equal(await check('outer.zip', outer), true);
    assert.equal(await check('outer-prefix.zip', outer.subarray(0, innerEnd)), false);
  });

  test('a missing file is an error, not "complete"', async () => {
    await assert.rejects(zipLooksComplete(join(dir, 'no-such.zip')), { code: 'ENOENT' });
  });
});

describe('latestChange', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'puddleproof-latest-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const at = (iso: string) => new Date(iso);

  /** A Telegram-style tree with every mtime set to `base`, deepest first. */
  async function makeTree(root: string, base: Date): Promise<string[]> {
    const files = ['messages.html', 'photos/photo_1.jpg', 'photos/2026/photo_2.jpg', 'css/style.css'];
    for (const rel of files) {
      await mkdir(join(root, rel, '..'), { recursive: true });
      await writeFile(join(root, rel), rel);
    }
    const all = [...files, 'photos/2026', 'photos', 'css', ''];
    for (const rel of all) await utimes(join(root, rel), base, base);
    return all;
  }

  test('the newest mtime anywhere in the tree, however deep', async () => {
    const root = join(dir, 'ChatExport_2026-11-26');
    await makeTree(root, at('2026-01-01T00:00:00Z'));
    assert.equal(await latestChange(root), at('2026-01-01T00:00:00Z').getTime());
    const deep = at('2026-02-03T04:05:06.789Z');
    await utimes(join(root, 'photos', '2026', 'photo_2.jpg'), deep, deep);
    assert.equal(await latestChange(root), deep.getTime());
    const folder = at('2026-03-01T00:00:00.250Z');
    await utimes(join(root, 'css'), folder, folder);
    assert.equal(await latestChange(root), folder.getTime(), 'a folder’s own mtime counts');
  });

  test('the export itself counts, and a single file is its own latest change', async () => {
    const root = join(dir, 'Self');
    await makeTree(root, at('2026-01-01T00:00:00Z'));
    const self = at('2026-05-05T05:05:05.500Z');
    await utimes(root, self, self);
    assert.equal(await latestChange(root), self.getTime());
    const file = join(dir, 'WhatsApp Chat - Alice.zip');
    await writeFile(file, 'x');
    const when = at('2025-12-24T18:00:00.125Z');
    await utimes(file, when, when);
    assert.equal(await latestChange(file), when.getTime());
  });

  test('symbolic links are not followed', async () => {
    const root = join(dir, 'WithLink');
    await makeTree(root, at('2026-01-01T00:00:00Z'));
    const outside = join(dir, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'new.txt'), 'newer');
    const newer = at('2027-01-01T00:00:00Z');
    await utimes(join(outside, 'new.txt'), newer, newer);
    await utimes(outside, newer, newer);
    await symlink(outside, join(root, 'link'));
    const linkTime = at('2026-01-02T00:00:00Z');
    await lutimes(join(root, 'link'), linkTime, linkTime);
    await utimes(root, at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z'));
    assert.equal(await latestChange(root), linkTime.getTime());
  });

  test('a missing export is an error', async () => {
    await assert.rejects(latestChange(join(dir, 'gone')), { code: 'ENOENT' });
  });
});
