// The calibration batches of the simulators: the first training batches, in
// order and unaugmented, resized as the model expects. Every command and
// library call that calibrates DAC / ADC full scales takes them from here.

import type { Dataset } from "../data/dataset.js";
import { DataLoader } from "../data/loader.js";
import type { Model } from "../nn/model.js";
import { inputResize } from "../train/evaluate.js";

/**
 * The first n training batches of 64 (copied), for calibrating converter full scales.
 * @example sim.calibrate(calibrationBatches(model, train, 4));
 */
export function calibrationBatches(model: Model, train: Dataset, n: number): Float32Array[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`calibration batches must be an integer >= 1, got ${n}`);
  const loader = new DataLoader(train, { batchSize: 64, shuffle: false, seed: 0, resize: inputResize(model, train) });
  const out: Float32Array[] = [];
  for (const b of loader.batches(0)) {
    if (out.length >= n) break;
    out.push(b.x.slice());
  }
  return out;
}
