// Image transforms over flat HWC pixel arrays (dataset bytes or float batches):
// nearest-neighbour resize, circular shift, and the paper's shifted-copies
// augmentation. Resize and shift only move values, so they work on either kind
// and write the kind they are given.
// Pure and runtime-neutral: no node:* imports; every random choice comes from the
// caller's Rng (never Math.random). Functions with an `out` write into it and
// must not allocate per call.

import type { Dataset } from "./dataset.js";
import { featureSize } from "./dataset.js";
import type { Rng } from "../rng.js";

/** A flat HWC image: dataset bytes (0..255) or float values. */
export type Pixels = Uint8Array | Float32Array;

function allocLike(src: Pixels, length: number): Pixels {
  return src instanceof Float32Array ? new Float32Array(length) : new Uint8Array(length);
}

function checkSameKind(fn: string, src: Pixels, out: Pixels): void {
  if (src instanceof Float32Array !== out instanceof Float32Array) {
    throw new Error(`${fn}: src is a ${src.constructor.name} but out is a ${out.constructor.name}; both must be bytes or both floats`);
  }
}

/**
 * Nearest-neighbour resize of one HWC image. Output row i reads input row
 * floor((i + 0.5) * h / outH); columns likewise. Works on bytes or floats; `out`
 * (outH * outW * channels, same kind as `src`) is allocated when omitted.
 * @example const big = resizeNearest(img28, 28, 28, 1, 32, 32); // 1024 values, same type as img28
 */
export function resizeNearest(src: Uint8Array, h: number, w: number, channels: number, outH: number, outW: number, out?: Uint8Array): Uint8Array;
export function resizeNearest(src: Float32Array, h: number, w: number, channels: number, outH: number, outW: number, out?: Float32Array): Float32Array;
export function resizeNearest(src: Pixels, h: number, w: number, channels: number, outH: number, outW: number, out?: Pixels): Pixels;
export function resizeNearest(
  src: Pixels,
  h: number,
  w: number,
  channels: number,
  outH: number,
  outW: number,
  out: Pixels = allocLike(src, outH * outW * channels),
): Pixels {
  checkSameKind("resizeNearest", src, out);
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
 * Positive dx moves content right, positive dy moves it down. Works on bytes or
 * floats; `out` must be the same kind as `src` and must not alias it.
 * @example shiftCircular(img, 28, 28, 1, 2, -1, scratch);
 */
export function shiftCircular(src: Uint8Array, h: number, w: number, channels: number, dx: number, dy: number, out: Uint8Array): Uint8Array;
export function shiftCircular(src: Float32Array, h: number, w: number, channels: number, dx: number, dy: number, out: Float32Array): Float32Array;
export function shiftCircular(src: Pixels, h: number, w: number, channels: number, dx: number, dy: number, out: Pixels): Pixels;
export function shiftCircular(
  src: Pixels,
  h: number,
  w: number,
  channels: number,
  dx: number,
  dy: number,
  out: Pixels,
): Pixels {
  checkSameKind("shiftCircular", src, out);
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
 * Augment by copies: each image is followed by `copies` circularly shifted copies,
 * dx and dy drawn uniformly from the integers in [-maxShift, maxShift] (a copy may
 * be unshifted). Result order: img0, img0', ..., img1, img1', ...; n * (1 + copies).
 * Paper setting: copies = 4, maxShift = 3. The result is a new byte dataset
 * (n * (1 + copies) * featureSize bytes).
 * @example const aug = expandShifted(train, 4, 3, rng.fork("augment"));
 */
export function expandShifted(ds: Dataset, copies: number, maxShift: number, rng: Rng): Dataset {
  if (!Number.isInteger(copies) || copies < 0) throw new Error(`expandShifted: copies must be a non-negative integer, got ${copies}`);
  if (!Number.isInteger(maxShift) || maxShift < 0) throw new Error(`expandShifted: maxShift must be a non-negative integer, got ${maxShift}`);
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
        shiftCircular(src, ds.height, ds.width, ds.channels, dx, dy, dst);
      }
    }
  }
  return { ...ds, name: `${ds.name}+shift${maxShift}x${copies}`, images, labels, n };
}
