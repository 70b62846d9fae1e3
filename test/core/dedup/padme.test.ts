import assert from 'node:assert/strict';
import { test } from 'node:test';
import { padmeLength } from '../../../src/core/dedup/padme.js';

/** Padmé as the paper writes it, with integer bit operations, for lengths below 2^31. */
function reference(length: number): number {
  const e = 31 - Math.clz32(length);
  const s = 32 - Math.clz32(e);
  const mask = (1 << (e - s)) - 1;
  return (length + mask) & ~mask;
}

test('Padmé lengths match the paper’s definition, never shrink and add at most 12 %', () => {
  const lengths = [
    2, 3, 9, 100, 1000, 4095, 4096, 4097, 65_537, 1_048_575, 8_388_608, 8_400_000, 1_000_000_007,
  ];
  for (let x = 2; x < 5000; x++) lengths.push(x);
  for (const length of lengths) {
    const padded = padmeLength(length);
    assert.equal(padded, reference(length), `length ${length}`);
    assert.ok(padded >= length && padded <= length * 1.12, `length ${length} → ${padded}`);
  }
  assert.equal(padmeLength(0), 0);
  assert.equal(padmeLength(1), 1);
});

test('Padmé leaves few distinct sizes: 8 MiB packs of any fill fall on a 256 KiB grid', () => {
  const sizes = new Set<number>();
  for (let length = 8 * 2 ** 20; length < 16 * 2 ** 20; length += 4099) sizes.add(padmeLength(length));
  assert.equal(sizes.size, 33); // 8 MiB, 8.25 MiB, … 16 MiB
  for (const size of sizes) assert.equal(size % 2 ** 18, 0);
});

test('a length that is not one is refused', () => {
  assert.throws(() => padmeLength(-1), /Not a length/);
  assert.throws(() => padmeLength(1.5), /Not a length/);
});
