// Image transforms over flat HWC Float32Arrays: nearest-neighbour resize, circular
// shift, 8-bit quantisation, and the paper's shifted-copies augmentation.
// Pure and runtime-neutral: no node:* imports; every random choice comes from the
// caller's Rng (never Math.random). Functions with an `out` write into it and
// must not allocate per call.

import type { Dataset } from "./dataset.js";
import { featureSize } from "./dataset.js";
import type { Rng } from "../rng.js";

/**
 * Nearest-neighbour resize of one HWC image. Output row i reads input row
 * floor((i + 0.5) * h / outH); columns likewise. `out` (outH * outW * channels) is
 * allocated when omitted.
 * @example const big = resizeNearest(img28, 28, 28, 1, 32, 32); // 1024 floats
 */
export function resizeNearest(
  src: Float32Array,
  h: number,
  w: number,
  channels: number,
  outH: number,
  outW: number,
  out: Float32Array = new Float32Array(outH * outW * channels),
): Float32Array {
  if (src.length < h * w * channels) throw new Error(`resizeNearest: src has ${src.length} values, need ${h * w * channels}`);
  if (out.length < outH * outW * channels) throw new Error(`resizeNearest: out has ${out.length} values, need ${outH * outW * channels}`);
  for (let i = 0; i < outH; i++) {
    const y = Math.min(h - 1, Math.floor(((i + 0.5) * h) / outH));
    for (let j = 0; j < outW; j++) {
      const x = Math.min(w - 1, Math.floor(((j + 0.5) * w) / outW));
      const s = (y * w + x) * channels;
      const d = (i * outW + j) * channels;
      for (let c = 0; c < channels; c++) out[d + c] = src[s + c];
    }
  }
  return out;
}

/**
 * Circular shift of one HWC image: out(y, x) = src((y - dy) mod h, (x - dx) mod w).
 * Positive dx moves content right, positive dy moves it down. `out` must not alias `src`.
 * @example shiftCircular(img, 28, 28, 1, 2, -1, scratch);
 */
export function shiftCircular(
  src: Float32Array,
  h: number,
  w: number,
  channels: number,
  dx: number,
  dy: number,
  out: Float32Array,
): Float32Array {
  if (!Number.isInteger(dx) || !Number.isInteger(dy)) throw new Error(`shiftCircular: dx, dy must be integers, got ${dx}, ${dy}`);
  if (out.length < h * w * channels) throw new Error(`shiftCircular: out has ${out.length} values, need ${h * w * channels}`);
  const my = ((dy % h) + h) % h;
  const mx = ((dx % w) + w) % w;
  for (let y = 0; y < h; y++) {
    let sy = y - my;
    if (sy < 0) sy += h;
    for (let x = 0; x < w; x++) {
      let sx = x - mx;
      if (sx < 0) sx += w;
      const s = (sy * w + sx) * channels;
      const d = (y * w + x) * channels;
      for (let c = 0; c < channels; c++) out[d + c] = src[s + c];
    }
  }
  return out;
}

/**
 * Snap a value to the 8-bit grid: round(clamp(x, 0, 1) * 255) / 255.
 * @example quantise8bit(0.5); // 128 / 255
 */
export function quantise8bit(x: number): number {
  const c = x < 0 ? 0 : x > 1 ? 1 : x;
  return Math.round(c * 255) / 255;
}

/**
 * quantise8bit applied to every element, in place. Returns the same array.
 * @example quantiseArray8bit(ds.images);
 */
export function quantiseArray8bit(a: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = quantise8bit(a[i]);
  return a;
}

/**
 * Augment by copies: each image is followed by `copies` circularly shifted copies,
 * dx and dy drawn uniformly from the integers in [-maxShift, maxShift] (a copy may
 * be unshifted). Result order: img0, img0', ..., img1, img1', ...; n * (1 + copies).
 * Paper setting: copies = 4, maxShift = 3.
 * @example const aug = expandShifted(train, 4, 3, rng.fork("augment"));
 */
export function expandShifted(ds: Dataset, copies: number, maxShift: number, rng: Rng): Dataset {
  if (!Number.isInteger(copies) || copies < 0) throw new Error(`expandShifted: copies must be a non-negative integer, got ${copies}`);
  if (!Number.isInteger(maxShift) || maxShift < 0) throw new Error(`expandShifted: maxShift must be a non-negative integer, got ${maxShift}`);
  const f = featureSize(ds);
  const per = 1 + copies;
  const n = ds.n * per;
  const images = new Float32Array(n * f);
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
        shiftCircular(src, ds.height, ds.width, ds.channels, dx, dy, dst);
      }
    }
  }
  return { ...ds, name: `${ds.name}+shift${maxShift}x${copies}`, images, labels, n };
}
