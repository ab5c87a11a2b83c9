// Dataset-level augmentation: the paper's shifted-copies expansion. The pixel
// transforms themselves (resize, shift) are in src/pixels.ts.
// Pure and runtime-neutral: no node:* imports; every random choice comes from the
// caller's Rng (never Math.random).

import type { Dataset } from "./dataset.js";
import { featureSize } from "./dataset.js";
import type { Rng } from "../rng.js";
import { shiftImage, type ShiftMode } from "../pixels.js";

/**
 * Augment by copies: each image is followed by `copies` shifted copies, dx and dy
 * drawn uniformly from the integers in [-maxShift, maxShift] (a copy may be
 * unshifted). Result order: img0, img0', ..., img1, img1', ...; n * (1 + copies).
 * Paper setting: copies = 4, maxShift = 3, circular (the reference rolls the
 * image; `mode` "zero" translates with zero fill instead). The result is a new
 * byte dataset (n * (1 + copies) * featureSize bytes).
 * @example const aug = expandShifted(train, 4, 3, rng.fork("augment"));
 */
export function expandShifted(ds: Dataset, copies: number, maxShift: number, rng: Rng, mode: ShiftMode = "circular"): Dataset {
  if (!Number.isInteger(copies) || copies < 0) throw new Error(`expandShifted: copies must be a non-negative integer, got ${copies}`);
  if (!Number.isInteger(maxShift) || maxShift < 0)
    throw new Error(`expandShifted: maxShift must be a non-negative integer, got ${maxShift}`);
  const f = featureSize(ds);
  const per = 1 + copies;
  const n = ds.n * per;
  const images = new Uint8Array(n * f);
  const labels = new Uint8Array(n);
  const span = 2 * maxShift + 1;
  for (let i = 0; i < ds.n; i++) {
    const src = ds.images.subarray(i * f, (i + 1) * f);
    for (let k = 0; k < per; k++) {
      const row = i * per + k;
      labels[row] = ds.labels[i];
      const dst = images.subarray(row * f, (row + 1) * f);
      if (k === 0) {
        dst.set(src);
      } else {
        const dx = rng.int(span) - maxShift;
        const dy = rng.int(span) - maxShift;
        shiftImage(mode, src, ds.height, ds.width, ds.channels, dx, dy, dst);
      }
    }
  }
  return { ...ds, name: `${ds.name}+${mode}shift${maxShift}x${copies}`, images, labels, n };
}
