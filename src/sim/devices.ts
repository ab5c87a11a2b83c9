// RRAM device models applied to a programmed conductance array: finite levels
// (linear, log, or the saturating-exponential device curve), programming noise,
// stuck-at-g_min / g_max devices and power-law drift. Pure TS on Float32Arrays;
// every random draw comes from the caller's Rng.

import type { Rng } from "../rng.js";

export const LEVEL_SPACINGS = ["linear", "log", "device"] as const;
export type LevelSpacing = (typeof LEVEL_SPACINGS)[number];

export interface DeviceOptions {
  gMin: number;
  gMax: number;
  /** Programmable levels (0 = continuous). */
  levels: number;
  levelSpacing: LevelSpacing;
  /** tau of the device curve g(x) = gMin + (gMax - gMin)(1 - exp(-x / tau)) / (1 - exp(-1 / tau)). */
  deviceTau: number;
  /** Programming noise std, as a fraction of gMax - gMin (drawn once). */
  progNoise: number;
  /** Fractions of devices stuck at gMin and at gMax. */
  stuckMin: number;
  stuckMax: number;
  /** Drift exponent nu and time ratio t / t0: G <- G (t / t0)^(-nu). */
  driftNu: number;
  driftTime: number;
}

export const DEVICE_DEFAULTS: DeviceOptions = {
  gMin: 0.1,
  gMax: 1,
  levels: 0,
  levelSpacing: "linear",
  deviceTau: 0.2,
  progNoise: 0,
  stuckMin: 0,
  stuckMax: 0,
  driftNu: 0,
  driftTime: 1,
};

/** The sorted conductance levels a device can be programmed to. */
export function conductanceLevels(d: DeviceOptions): Float64Array {
  const L = d.levels;
  const out = new Float64Array(L);
  for (let k = 0; k < L; k++) {
    const x = k / (L - 1);
    if (d.levelSpacing === "linear") out[k] = d.gMin + (d.gMax - d.gMin) * x;
    else if (d.levelSpacing === "log") out[k] = d.gMin * (d.gMax / d.gMin) ** x;
    else out[k] = d.gMin + ((d.gMax - d.gMin) * (1 - Math.exp(-x / d.deviceTau))) / (1 - Math.exp(-1 / d.deviceTau));
  }
  out[L - 1] = d.gMax;
  return out;
}

/** Index of the level nearest to v (levels sorted ascending; ties go to the lower level). */
export function nearestLevel(v: number, levels: Float64Array): number {
  let lo = 0,
    hi = levels.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (levels[mid] <= v) lo = mid;
    else hi = mid;
  }
  return v - levels[lo] <= levels[hi] - v ? lo : hi;
}

/** Snap every conductance to the nearest level (levels sorted ascending). */
export function snapToLevels(g: Float32Array, levels: Float64Array): void {
  for (let i = 0; i < g.length; i++) g[i] = levels[nearestLevel(g[i], levels)];
}

/**
 * Apply levels, then stuck devices, programming noise (clipped at 0) and drift,
 * in that order, to conductances already in [gMin, gMax].
 */
export function applyDevice(g: Float32Array, d: DeviceOptions, rng: Rng): void {
  if (d.levels > 0) snapToLevels(g, conductanceLevels(d));
  const span = d.gMax - d.gMin;
  const drift = d.driftNu > 0 ? d.driftTime ** -d.driftNu : 1;
  const stuck = d.stuckMin + d.stuckMax;
  for (let i = 0; i < g.length; i++) {
    let v = g[i];
    if (stuck > 0) {
      const u = rng.uniform();
      if (u < d.stuckMin) {
        g[i] = d.gMin * drift;
        continue;
      }
      if (u < stuck) {
        g[i] = d.gMax * drift;
        continue;
      }
    }
    if (d.progNoise > 0) v = Math.max(0, v + rng.normal(0, d.progNoise * span));
    g[i] = v * drift;
  }
}
