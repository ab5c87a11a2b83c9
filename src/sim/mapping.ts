// Weight -> conductance mapping of one crossbar core (rows = outputs):
// "single" stores W - rowMin(W) in one positive conductance per weight (the
// offset cancels only because routing is input balanced); "differential" uses a
// pair G+ - G-. A dense tile's inputs are not balanced: its single mapping
// shares one offset per tile and adds a reference line (mapTileWithReference).
// Device effects apply to each physical array. Pure TS.

import type { Rng } from "../rng.js";
import { applyDevice, conductanceLevels, snapToLevels, type DeviceOptions } from "./devices.js";

export const MAPPINGS = ["single", "differential"] as const;
export type Mapping = (typeof MAPPINGS)[number];

export interface MappedCore {
  /** Effective conductance matrix [rows, cols] the read-out sees (G, or G+ - G-). */
  geff: Float32Array;
  /** Digital value = current / alpha. */
  alpha: number;
}

/** The conductances a core is programmed to, before device effects. */
export interface CoreTargets {
  /** One array per physical crossbar [rows, cols]: [G] (single) or [G+, G-] (differential), on the levels when set. */
  arrays: Float32Array[];
  /** Digital value = current / alpha. */
  alpha: number;
  /** Per row, the weight subtracted before mapping (single: the row minimum; differential: 0). */
  rowOffset: Float32Array;
}

/**
 * The target conductances of a core's weights w [rows, cols] (rows = outputs):
 * mapped into [gMin, gMax] and snapped to the levels (when levels > 0); no noise.
 * @example const { arrays, alpha } = coreTargets(w, 256, 256, "differential", { ...DEVICE_DEFAULTS, levels: 16 });
 */
export function coreTargets(w: Float32Array, rows: number, cols: number, mapping: Mapping, d: DeviceOptions): CoreTargets {
  const span = d.gMax - d.gMin;
  const n = rows * cols;
  const levels = d.levels > 0 ? conductanceLevels(d) : null;
  const snap = (g: Float32Array) => (levels ? snapToLevels(g, levels) : undefined);
  if (mapping === "single") {
    const rowOffset = new Float32Array(rows);
    let widest = 0;
    for (let r = 0; r < rows; r++) {
      let lo = Infinity,
        hi = -Infinity;
      for (let c = 0; c < cols; c++) {
        const v = w[r * cols + c];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      rowOffset[r] = lo;
      widest = Math.max(widest, hi - lo);
    }
    const alpha = widest > 0 ? span / widest : 1;
    const g = new Float32Array(n);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) g[r * cols + c] = d.gMin + alpha * (w[r * cols + c] - rowOffset[r]);
    snap(g);
    return { arrays: [g], alpha, rowOffset };
  }
  let big = 0;
  for (let i = 0; i < n; i++) big = Math.max(big, Math.abs(w[i]));
  const alpha = big > 0 ? span / big : 1;
  const gp = new Float32Array(n),
    gn = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    gp[i] = d.gMin + alpha * Math.max(w[i], 0);
    gn[i] = d.gMin + alpha * Math.max(-w[i], 0);
  }
  snap(gp);
  snap(gn);
  return { arrays: [gp, gn], alpha, rowOffset: new Float32Array(rows) };
}

/**
 * Map a core's weights w [rows, cols] to conductances with device effects.
 * @example const { geff, alpha } = mapCore(w, 256, 256, "single", DEVICE_DEFAULTS, rng);
 */
export function mapCore(w: Float32Array, rows: number, cols: number, mapping: Mapping, d: DeviceOptions, rng: Rng): MappedCore {
  const { arrays, alpha } = coreTargets(w, rows, cols, mapping, d);
  // The targets are on the levels already; the rest of the device model (stuck, noise, drift) applies per array.
  for (const g of arrays) applyDevice(g, { ...d, levels: 0 }, rng);
  return { geff: effective(arrays), alpha };
}

/** The conductance the read-out sees: G, or G+ - G- (written into G+). */
export function effective(arrays: Float32Array[]): Float32Array {
  const [g, gn] = arrays;
  if (gn) for (let i = 0; i < g.length; i++) g[i] -= gn[i];
  return g;
}

/** A tile in single conductances with its reference line: output r reads (G[r] - ref) . x / alpha. */
export interface ReferencedTile {
  /** Conductances [rows, cols] of the output lines. */
  geff: Float32Array;
  /** The reference line [cols]: the conductance of weight 0, so its current is the common offset. */
  ref: Float32Array;
  alpha: number;
}

/**
 * Single-conductance mapping of a tile whose inputs are not balanced: G = gMin +
 * alpha (W - o) with one offset o = min(min W, 0) for the tile, and a reference
 * line of gMin - alpha o (weight 0) whose current, subtracted from every output
 * line, removes the offset for any input. Device effects apply to both arrays.
 * @example const { geff, ref, alpha } = mapTileWithReference(w, 256, 256, DEVICE_DEFAULTS, rng);
 */
export function mapTileWithReference(w: Float32Array, rows: number, cols: number, d: DeviceOptions, rng: Rng): ReferencedTile {
  let lo = 0,
    hi = 0;
  for (let i = 0; i < rows * cols; i++) {
    if (w[i] < lo) lo = w[i];
    if (w[i] > hi) hi = w[i];
  }
  const alpha = hi > lo ? (d.gMax - d.gMin) / (hi - lo) : 1;
  const geff = new Float32Array(rows * cols);
  for (let i = 0; i < rows * cols; i++) geff[i] = d.gMin + alpha * (w[i] - lo);
  const ref = new Float32Array(cols).fill(d.gMin - alpha * lo);
  applyDevice(geff, d, rng);
  applyDevice(ref, d, rng);
  return { geff, ref, alpha };
}

/** Physical conductances of a mapping for a core of rows x cols. */
export function conductancesPerCore(mapping: Mapping, rows: number, cols: number): number {
  return (mapping === "single" ? 1 : 2) * rows * cols;
}
