// Seeded image augmentation for training: the policy (parsed from a spec such as "cifar10" or
// "hflip,zoom=0.1"), and its float-space transforms on one HWC image in [0, 1]: flips, rotation and
// zoom as one inverse map (bilinear, reflected edges), brightness, contrast, random erasing. The circular
// shift is applied on bytes by the loader (pixels.ts). Every draw comes from the caller's Rng, in a
// fixed order per image. Pure and runtime-neutral: no node:*, no Math.random.

import { detLog, type Rng } from "../rng.js";
import type { Dataset } from "./dataset.js";

export interface AugmentPolicy {
  /** Random circular shift of up to this many pixels in x and y (0 = off). */
  shift: number;
  /** Random horizontal / vertical flips (each with probability 1/2). */
  hflip: boolean;
  vflip: boolean;
  /** Rotation by up to this fraction of a turn either way (0.05 = 18 degrees). */
  rotate: number;
  /** Zoom by a factor in [1 - zoom, 1 + zoom]. */
  zoom: number;
  /** Add a value in [-brightness, brightness] to every pixel. */
  brightness: number;
  /** Scale each channel's deviation from its mean by a factor in [1 - contrast, 1 + contrast]. */
  contrast: number;
  /** Probability of erasing a random rectangle (2-33 % of the area, aspect 0.3-3.3) with uniform noise. */
  erase: number;
}

export const NO_AUGMENTATION: AugmentPolicy = {
  shift: 0,
  hflip: false,
  vflip: false,
  rotate: 0,
  zoom: 0,
  brightness: 0,
  contrast: 0,
  erase: 0,
};

/** Named policies: the paper's CIFAR recipes. */
export const AUGMENT_PRESETS: Record<string, Partial<AugmentPolicy>> = {
  none: {},
  cifar10: { hflip: true, vflip: true, rotate: 0.05, zoom: 0.1, brightness: 0.2, contrast: 0.2 },
  cifar100: { erase: 0.3, hflip: true, zoom: 0.1, brightness: 0.2, contrast: 0.2 },
};

const NUMERIC = ["shift", "rotate", "zoom", "brightness", "contrast", "erase"] as const;

/** The augmentation family of a dataset, from its loader's name: cifar100, cifar10 or other. */
export function datasetFamily(ds: Pick<Dataset, "name">): "cifar10" | "cifar100" | "other" {
  if (ds.name.startsWith("cifar100")) return "cifar100";
  if (ds.name.startsWith("cifar10")) return "cifar10";
  return "other";
}

/**
 * Parse an augmentation spec: comma-separated presets (none, cifar10, cifar100), switches (hflip,
 * vflip) and key=value settings (shift, rotate, zoom, brightness, contrast, erase), later entries
 * overriding earlier ones. "auto" = the preset of the data's family, else a shift of `shift` pixels.
 * @example parseAugmentation("cifar10,zoom=0.2", train, 2); // the CIFAR-10 recipe with a wider zoom
 */
export function parseAugmentation(spec: string, ds: Pick<Dataset, "name">, shift: number): AugmentPolicy {
  const p: AugmentPolicy = { ...NO_AUGMENTATION };
  for (const raw of spec.split(",")) {
    const item = raw.trim();
    if (item === "auto") {
      const family = datasetFamily(ds);
      Object.assign(p, family === "other" ? { shift } : AUGMENT_PRESETS[family]);
      continue;
    }
    if (item in AUGMENT_PRESETS) {
      Object.assign(p, AUGMENT_PRESETS[item]);
      continue;
    }
    if (item === "hflip" || item === "vflip") {
      p[item] = true;
      continue;
    }
    const m = /^([a-z]+)=(.*)$/.exec(item);
    const key = m?.[1] as (typeof NUMERIC)[number] | undefined;
    if (!m || !key || !(NUMERIC as readonly string[]).includes(key)) {
      throw new Error(
        `--augment: unknown entry ${JSON.stringify(item)}; use presets (auto, none, cifar10, cifar100), ` +
          `hflip, vflip, or ${NUMERIC.map((k) => `${k}=X`).join(", ")}`,
      );
    }
    const v = Number(m[2]);
    const max = key === "shift" ? Infinity : key === "erase" || key === "contrast" ? 1 : key === "rotate" ? 0.5 : 10;
    if (!Number.isFinite(v) || v < 0 || v > max || (key === "shift" && !Number.isInteger(v)))
      throw new Error(
        `--augment: ${key} must be ${key === "shift" ? "an integer >= 0" : `a number in [0, ${max}]`}, got ${JSON.stringify(m[2])}`,
      );
    p[key] = v;
  }
  return p;
}

/** True when the policy has float-space transforms (anything but the shift). */
export function hasFloatTransforms(p: AugmentPolicy): boolean {
  return p.hflip || p.vflip || p.rotate > 0 || p.zoom > 0 || p.brightness > 0 || p.contrast > 0 || p.erase > 0;
}

/** Reflect an index into [0, n): ... c b a | a b c ... (the edge pixel repeated once, as Keras's "reflect"). */
function reflect(t: number, n: number): number {
  const period = 2 * n;
  let m = t % period;
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}

/**
 * Augment one HWC image of floats in place with the policy's float-space transforms, drawing from rng
 * in a fixed order (flips, angle, zoom, brightness, contrast, erasing). scratch: at least h * w * c floats.
 */
export function augmentImage(img: Float32Array, h: number, w: number, c: number, p: AugmentPolicy, rng: Rng, scratch: Float32Array): void {
  const fx = p.hflip && rng.uniform() < 0.5;
  const fy = p.vflip && rng.uniform() < 0.5;
  const angle = p.rotate > 0 ? (2 * rng.uniform() - 1) * p.rotate * 2 * Math.PI : 0;
  const zoom = p.zoom > 0 ? 1 + (2 * rng.uniform() - 1) * p.zoom : 1;
  if (fx || fy || angle !== 0 || zoom !== 1) {
    const n = h * w * c;
    scratch.set(img.subarray(0, n));
    const cos = Math.cos(angle) / zoom,
      sin = Math.sin(angle) / zoom;
    const cy = h / 2,
      cx = w / 2;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        // Output pixel centre -> source position: undo the flips, then the rotation and zoom about the centre.
        let u = j + 0.5 - cx,
          v = i + 0.5 - cy;
        if (fx) u = -u;
        if (fy) v = -v;
        const sx = cos * u + sin * v + cx - 0.5,
          sy = -sin * u + cos * v + cy - 0.5;
        const x0 = Math.floor(sx),
          y0 = Math.floor(sy);
        const ax = sx - x0,
          ay = sy - y0;
        const xa = reflect(x0, w),
          xb = reflect(x0 + 1, w),
          ya = reflect(y0, h),
          yb = reflect(y0 + 1, h);
        for (let k = 0; k < c; k++) {
          const tl = scratch[(ya * w + xa) * c + k],
            tr = scratch[(ya * w + xb) * c + k];
          const bl = scratch[(yb * w + xa) * c + k],
            br = scratch[(yb * w + xb) * c + k];
          img[(i * w + j) * c + k] = (1 - ay) * ((1 - ax) * tl + ax * tr) + ay * ((1 - ax) * bl + ax * br);
        }
      }
    }
  }
  const delta = p.brightness > 0 ? (2 * rng.uniform() - 1) * p.brightness : 0;
  const factor = p.contrast > 0 ? 1 + (2 * rng.uniform() - 1) * p.contrast : 1;
  if (delta !== 0 || factor !== 1) {
    const n = h * w;
    for (let k = 0; k < c; k++) {
      let mean = 0;
      for (let q = 0; q < n; q++) mean += img[q * c + k];
      mean /= n;
      for (let q = 0; q < n; q++) {
        const v = (img[q * c + k] - mean) * factor + mean + delta;
        img[q * c + k] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
  }
  if (p.erase > 0 && rng.uniform() < p.erase) {
    const area = (0.02 + rng.uniform() * (0.33 - 0.02)) * h * w;
    const aspect = Math.exp((2 * rng.uniform() - 1) * -detLog(0.3)); // log-uniform in [0.3, 1 / 0.3]
    const eh = Math.min(h, Math.max(1, Math.round(Math.sqrt(area * aspect))));
    const ew = Math.min(w, Math.max(1, Math.round(Math.sqrt(area / aspect))));
    const top = rng.int(h - eh + 1),
      left = rng.int(w - ew + 1);
    for (let i = top; i < top + eh; i++)
      for (let j = left; j < left + ew; j++) for (let k = 0; k < c; k++) img[(i * w + j) * c + k] = rng.uniform();
  }
}
