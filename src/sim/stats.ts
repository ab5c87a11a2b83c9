// Summary statistics over repeated runs (routing seeds, simulation seeds):
// the one mean / sample-standard-deviation helper of the library. Pure.

/**
 * Mean and sample standard deviation (n - 1 in the denominator; 0 for one value).
 * @example meanStd([1, 2, 3]); // { mean: 2, std: 1 }
 */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  if (xs.length === 0) return { mean: NaN, std: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1);
  return { mean, std: Math.sqrt(v) };
}
