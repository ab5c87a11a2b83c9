// How an elementwise update splits over the threads: the parameters' elements,
// taken in order as one run, are cut into parts of about equal length (cuts
// fall at multiples of 4 inside a tensor, whole SIMD groups), so a large weight
// and many small biases spread evenly. A part lists the pieces it updates.
// The update is elementwise, so every split gives the same bits.

/** Elements [lo, hi) of parameter `param`: one kernel call. */
export interface Piece {
  param: number;
  lo: number;
  hi: number;
}

/** The fewest elements worth a thread of their own (below it the parts are fewer than the threads). */
export const MIN_PART_ELEMENTS = 2048;

/**
 * At most `threads` parts of pieces over tensors of `sizes` elements (size 0: skipped).
 * @example elementParts([3_276_800, 655_360, 10], 2) // part 0: param 0 [0, 1966088); part 1: the rest
 */
export function elementParts(sizes: readonly number[], threads: number, align = 4): Piece[][] {
  const total = sizes.reduce((a, n) => a + n, 0);
  const P = Math.max(1, Math.min(threads, Math.floor(total / MIN_PART_ELEMENTS)));
  const parts: Piece[][] = Array.from({ length: P }, () => []);
  let t = 0;
  let start = 0; // elements of the tensors before this one
  sizes.forEach((n, param) => {
    let lo = 0;
    while (lo < n) {
      // part t ends at element round((t + 1) total / P) of the run; the last part takes the rest
      const end = t === P - 1 ? n : Math.round(((t + 1) * total) / P) - start;
      const hi = Math.min(n, Math.ceil(end / align) * align);
      if (hi > lo) {
        parts[t].push({ param, lo, hi });
        lo = hi;
      }
      if (lo < n || end <= n) t = Math.min(t + 1, P - 1);
    }
    start += n;
  });
  return parts;
}
