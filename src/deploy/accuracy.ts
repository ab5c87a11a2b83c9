// Accuracy of a loaded edge bundle (anything with predictBatch) on a labelled
// dataset: the number `scrramble export` prints beside the float model's.
// Runtime-neutral; loads nothing itself.

import type { Dataset } from "../data/dataset.js";

/** The part of a loaded bundle this needs. */
export interface Predictor {
  predictBatch(pixels: Uint8Array, n: number, geometry?: { height: number; width: number }): { labels: Int32Array };
}

/**
 * Fraction of the dataset's images the bundle labels correctly, and its predictions.
 * @example const { accuracy } = bundleAccuracy(await (await import("./model.mjs")).load(), test);
 */
export function bundleAccuracy(m: Predictor, ds: Dataset): { accuracy: number; n: number; predictions: Int32Array } {
  if (ds.channels !== 1) throw new Error(`bundle accuracy: dataset ${ds.name} has ${ds.channels} channels; bundles take one`);
  const { labels } = m.predictBatch(ds.images, ds.n, { height: ds.height, width: ds.width });
  let correct = 0;
  for (let i = 0; i < ds.n; i++) if (labels[i] === ds.labels[i]) correct++;
  return { accuracy: correct / ds.n, n: ds.n, predictions: labels };
}
