// The recovery key's QR code as one SVG path: exactly qrcode-generator's dark modules, each a 1×1
// square offset by the quiet zone, and — read back from the path alone — a well-formed QR code
// (finder and timing patterns, the dark module, both copies of the format information saying error
// correction level M) of the smallest version that holds the text.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import qrcode from 'qrcode-generator';
import { qrShape } from '../../../renderer/src/setup/qr-path.js';
import { generateHybridIdentity, generateX25519Identity } from '../../../src/core/age/index.js';
import { formatRecoveryKit } from '../../../src/core/keys/recovery-kit.js';

const SQUARE = /M(\d+) (\d+)h1v1h-1z/g;

/** The dark modules a path draws, as "row,col" with the quiet zone removed; checks the path's syntax. */
function darkModules(path: string, quietZone: number, size: number): Set<string> {
  const dark = new Set<string>();
  let rebuilt = '';
  for (const [square, x, y] of path.matchAll(SQUARE)) {
    rebuilt += square;
    const col = Number(x) - quietZone;
    const row = Number(y) - quietZone;
    assert.ok(col >= 0 && col < size && row >= 0 && row < size, `${square} lies inside the code`);
    const key = `${row},${col}`;
    assert.ok(!dark.has(key), `${square} is drawn once`);
    dark.add(key);
  }
  assert.equal(rebuilt, path, 'the path is nothing but 1×1 squares');
  return dark;
}

/** A reader of the module grid drawn by a path. */
function grid(text: string, quietZone = 4) {
  const { size, path } = qrShape(text, quietZone);
  const dark = darkModules(path, quietZone, size);
  const isDark = (row: number, col: number) => dark.has(`${row},${col}`);
  return { size, path, dark, isDark };
}

/** Version from size (ISO/IEC 18004: 17 + 4 × version modules per side). */
const versionOf = (size: number) => (size - 17) / 4;

/** The 15 format bits read from modules, most significant first. */
function readBits(isDark: (row: number, col: number) => boolean, cells: [number, number][]): number {
  return cells.reduce((bits, [row, col]) => (bits << 1) | (isDark(row, col) ? 1 : 0), 0);
}

/** The remainder of the BCH(15,5) code of the format information (generator x¹⁰+x⁸+x⁵+x⁴+x²+x+1). */
function bchRemainder(data5: number): number {
  let value = data5 << 10;
  for (let bit = 14; bit >= 10; bit--) if (value & (1 << bit)) value ^= 0b10100110111 << (bit - 10);
  return value;
}

describe('qrShape', () => {
  test('draws exactly the dark modules qrcode-generator computes (byte mode, level M, smallest version)', () => {
    const text = 'AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ';
    const { size, dark } = grid(text);
    const code = qrcode(0, 'M');
    code.addData(text, 'Byte');
    code.make();
    assert.equal(size, code.getModuleCount());
    const expected = new Set<string>();
    for (let row = 0; row < size; row++)
      for (let col = 0; col < size; col++) if (code.isDark(row, col)) expected.add(`${row},${col}`);
    assert.ok(expected.size > size, 'a real code has many dark modules');
    assert.deepEqual(dark, expected);
  });

  test('the quiet zone offsets every square; 0 means none', () => {
    const text = 'Puddleproof';
    const framed = qrShape(text);
    const bare = qrShape(text, 0);
    const wide = qrShape(text, 10);
    assert.equal(framed.size, bare.size);
    assert.deepEqual(darkModules(framed.path, 4, framed.size), darkModules(bare.path, 0, bare.size));
    assert.deepEqual(darkModules(wide.path, 10, wide.size), darkModules(bare.path, 0, bare.size));
    assert.ok(bare.path.startsWith('M0 0h1v1h-1z'), 'the top-left finder’s corner module is at the origin');
    assert.ok(framed.path.startsWith('M4 4h1v1h-1z'));
  });

  test('picks the smallest version that holds the text at level M', () => {
    // Byte-mode capacities at level M: version 1 holds 14 bytes, version 2 26, version 3 42.
    assert.equal(qrShape('x'.repeat(14)).size, 21);
    assert.equal(qrShape('x'.repeat(15)).size, 25);
    assert.equal(qrShape('x'.repeat(26)).size, 25);
    assert.equal(qrShape('x'.repeat(27)).size, 29);
    assert.equal(qrShape('x'.repeat(42)).size, 29);
    assert.equal(qrShape('x'.repeat(43)).size, 33);
  });

  test('read back from the path, it has the finder patterns, timing patterns and the dark module', () => {
    const { size, isDark } = grid('Meet at the old mill at nine - Alice');
    const finder = (top: number, left: number) => {
      for (let r = 0; r < 7; r++) {
        for (let c = 0; c < 7; c++) {
          const ring = r === 0 || r === 6 || c === 0 || c === 6;
          const core = r >= 2 && r <= 4 && c >= 2 && c <= 4;
          assert.equal(isDark(top + r, left + c), ring || core, `finder at ${top},${left}: ${r},${c}`);
        }
      }
    };
    finder(0, 0);
    finder(0, size - 7);
    finder(size - 7, 0);
    for (let i = 8; i < size - 8; i++) {
      assert.equal(isDark(6, i), i % 2 === 0, `horizontal timing ${i}`);
      assert.equal(isDark(i, 6), i % 2 === 0, `vertical timing ${i}`);
    }
    // The always-dark module sits beside the bottom-left finder (row 4V+9, column 8): x is the column.
    assert.equal(isDark(size - 8, 8), true);
  });

  test('both copies of the format information agree and say error correction level M', () => {
    for (const text of ['a', 'x'.repeat(30), 'https://example.org/recovery?key=ABCDEFGHIJKLMNOP']) {
      const { size, isDark } = grid(text);
      const aroundTopLeft = readBits(isDark, [
        [8, 0],
        [8, 1],
        [8, 2],
        [8, 3],
        [8, 4],
        [8, 5],
        [8, 7],
        [8, 8],
        [7, 8],
        [5, 8],
        [4, 8],
        [3, 8],
        [2, 8],
        [1, 8],
        [0, 8],
      ]);
      const split: [number, number][] = [];
      for (let i = 1; i <= 7; i++) split.push([size - i, 8]);
      for (let i = 8; i >= 1; i--) split.push([8, size - i]);
      const bottomLeftAndTopRight = readBits(isDark, split);
      assert.equal(aroundTopLeft, bottomLeftAndTopRight, `${text}: both copies agree`);
      const format = aroundTopLeft ^ 0b101010000010010;
      const data = format >> 10;
      assert.equal(
        format & 0x3ff,
        bchRemainder(data),
        `${text}: the format information is a valid code word`,
      );
      assert.equal(data >> 3, 0b00, `${text}: level M`);
    }
  });

  test('the recovery kit’s key lines fit a scannable code, and are plain ASCII as byte mode needs', async () => {
    // qrcode-generator's byte mode keeps only the low 8 bits of each UTF-16 unit: only ASCII survives.
    for (const recoveryIdentity of [await generateX25519Identity(), await generateHybridIdentity()]) {
      const kit = formatRecoveryKit(
        { recoveryIdentity, indexIdentity: await generateX25519Identity(), authKey: randomBytes(32) },
        new Date('2026-11-26T12:00:00Z'),
      );
      assert.match(kit, /^[\x20-\x7e\n]*$/, 'the kit is printable ASCII');
      const keyLines = kit.slice(kit.indexOf('# puddleproof-auth-key: ')).trimEnd();
      const { size } = grid(keyLines);
      assert.ok(versionOf(size) <= 15, `version ${versionOf(size)} stays small enough to scan from paper`);
    }
  });
});
