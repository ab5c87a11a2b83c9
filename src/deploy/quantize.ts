// Weight quantisers of the edge bundle: symmetric int8 with one scale per row,
// and the crossbar conductance levels of the simulator's single mapping (per
// row, the weight minus the row minimum on one of L levels, per-core alpha).
// Pure TS over Float32Arrays; the level set comes from sim/devices.ts.

import { conductanceLevels, nearestLevel, type DeviceOptions } from "../sim/devices.js";

/** Int8 codes [rows, cols] with w ~ scale[r] * code. */
export interface Int8Rows {
  codes: Int8Array;
  scale: Float32Array;
}

/**
 * Symmetric per-row int8: scale[r] = max |w[r, :]| / 127, code = round(w / scale).
 * @example const { codes, scale } = quantizeRowsInt8(w, 256, 256);
 */
export function quantizeRowsInt8(w: Float32Array, rows: number, cols: number): Int8Rows {
  const codes = new Int8Array(rows * cols);
  const scale = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let big = 0;
    for (let c = 0; c < cols; c++) big = Math.max(big, Math.abs(w[r * cols + c]));
    const s = big / 127;
    scale[r] = s;
    if (s === 0) continue;
    for (let c = 0; c < cols; c++) codes[r * cols + c] = Math.max(-127, Math.min(127, Math.round(w[r * cols + c] / s)));
  }
  return { codes, scale };
}

/** Level codes [rows, cols] with w ~ offset[r] + table[group(r), code] (group = floor(r / rowsPerGroup)). */
export interface LevelRows {
  codes: Uint8Array;
  /** Weight-domain value of each level, per group of rows [groups, levels]. */
  table: Float32Array;
  offset: Float32Array;
  rowsPerGroup: number;
  /** True for evenly spaced levels: table[g, k] = k * step[g]. */
  linear: boolean;
  /** Level spacing in the weight domain per group (linear levels). */
  step: Float32Array;
}

/**
 * The simulator's single mapping with finite levels, group by group (a group = one
 * core's rows): alpha = (gMax - gMin) / widest row range, g = gMin + alpha (w - rowMin)
 * snapped to the nearest level, so w' = rowMin + (level - gMin) / alpha.
 * @example const q = quantizeRowsLevels(w, 50 * 256, 256, 256, { ...DEVICE_DEFAULTS, levels: 16 });
 */
export function quantizeRowsLevels(w: Float32Array, rows: number, cols: number, rowsPerGroup: number, d: DeviceOptions): LevelRows {
  if (!(d.levels >= 2 && d.levels <= 256)) throw new Error(`levels must be an integer in [2, 256], got ${d.levels}`);
  const levels = conductanceLevels(d);
  const L = levels.length;
  const groups = Math.ceil(rows / rowsPerGroup);
  const codes = new Uint8Array(rows * cols);
  const table = new Float32Array(groups * L);
  const offset = new Float32Array(rows);
  const step = new Float32Array(groups);
  const span = d.gMax - d.gMin;
  for (let g = 0; g < groups; g++) {
    const r0 = g * rowsPerGroup,
      r1 = Math.min(rows, r0 + rowsPerGroup);
    let widest = 0;
    for (let r = r0; r < r1; r++) {
      let lo = Infinity,
        hi = -Infinity;
      for (let c = 0; c < cols; c++) {
        lo = Math.min(lo, w[r * cols + c]);
        hi = Math.max(hi, w[r * cols + c]);
      }
      offset[r] = lo;
      widest = Math.max(widest, hi - lo);
    }
    const alpha = widest > 0 ? span / widest : 1;
    for (let k = 0; k < L; k++) table[g * L + k] = (levels[k] - d.gMin) / alpha;
    step[g] = (levels[1] - levels[0]) / alpha;
    const gv = new Float32Array(1);
    for (let r = r0; r < r1; r++)
      for (let c = 0; c < cols; c++) {
        gv[0] = d.gMin + alpha * (w[r * cols + c] - offset[r]); // f32, as the simulator's conductance array
        codes[r * cols + c] = nearestLevel(gv[0], levels);
      }
  }
  return { codes, table, offset, rowsPerGroup, linear: d.levelSpacing === "linear", step };
}
