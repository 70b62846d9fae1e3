// Padmé (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and Communication with PURBs",
// 2019): the length a padded object takes; it leaks O(log log L) bits of the length and adds at most 12 %.

/** The Padmé length of `length` bytes: `length` rounded up so that only its top bits may be non-zero. */
export function padmeLength(length: number): number {
  if (!Number.isSafeInteger(length) || length < 0) throw new Error(`Not a length: ${length}`);
  if (length < 2) return length;
  const e = length.toString(2).length - 1; // floor(log2(length)), exactly
  const s = e.toString(2).length; // floor(log2(e)) + 1
  const unit = 2 ** (e - s);
  return Math.ceil(length / unit) * unit;
}
