// Evaluation of any Model (a trained network or a simulated one): accuracy,
// mean loss and confusion matrix over a dataset, without grad, plus the input
// resize a model needs for a dataset. Runtime-neutral; trains nothing.

import { endStep } from "../engine.js";
import { Tensor } from "../tensor.js";
import { noGrad } from "../autograd/tape.js";
import type { Dataset } from "../data/dataset.js";
import { DataLoader } from "../data/loader.js";
import { argmaxRows, type Model } from "../nn/model.js";

export interface EvalResult {
  accuracy: number;
  loss: number;
  n: number;
  /** confusion[true][predicted] */
  confusion: number[][];
  predictions: Int32Array;
}

/** Side of the square image a model's input expects (e.g. 1024 -> 32 for one channel). */
export function inputResize(model: Model, ds: Dataset): { height: number; width: number } | undefined {
  const features = ds.height * ds.width * ds.channels;
  if (features === model.inputSize) return undefined;
  const side = Math.sqrt(model.inputSize / ds.channels);
  if (!Number.isInteger(side)) {
    throw new Error(
      `dataset "${ds.name}" has ${ds.height}x${ds.width}x${ds.channels} = ${features} inputs; ` +
        `the model's first layer takes ${model.inputSize}, ` +
        `which is not a square image of ${ds.channels} channel(s)`,
    );
  }
  return { height: side, width: side };
}

/** An in-order loader for evaluation (reuse it across evaluations of one set). */
export function evalLoader(model: Model, ds: Dataset, o: { batchSize?: number } = {}): DataLoader {
  return new DataLoader(ds, { batchSize: o.batchSize ?? 64, shuffle: false, seed: 0, resize: inputResize(model, ds) });
}

/**
 * Accuracy, mean loss and confusion matrix of a model on a dataset (no grad).
 * @example const { accuracy } = evaluate(model, test);
 */
export function evaluate(model: Model, data: Dataset | DataLoader, o: { batchSize?: number } = {}): EvalResult {
  const loader = data instanceof DataLoader ? data : evalLoader(model, data, o);
  const ds = loader.dataset;
  const L = model.classes;
  const confusion = Array.from({ length: L }, () => new Array<number>(L).fill(0));
  const predictions = new Int32Array(ds.n);
  let correct = 0;
  let lossSum = 0;
  let at = 0;
  noGrad(() => {
    for (const batch of loader.batches(0)) {
      const x = Tensor.from(batch.x, [batch.size, model.inputSize]);
      const { loss, scores } = model.loss({ x, labels: batch.y });
      lossSum += loss.item() * batch.size;
      const pred = argmaxRows(scores.data(), batch.size, L);
      for (let b = 0; b < batch.size; b++) {
        confusion[batch.y[b]][pred[b]]++;
        if (pred[b] === batch.y[b]) correct++;
        predictions[at++] = pred[b];
      }
      endStep();
    }
  });
  return { accuracy: correct / ds.n, loss: lossSum / ds.n, n: ds.n, confusion, predictions };
}
