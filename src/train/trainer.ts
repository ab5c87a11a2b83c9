// The training loop and evaluation, runtime-neutral: DataLoader batches are
// copied into step tensors, model.loss -> backward -> optimiser step ->
// endStep(). Reports through callbacks (the CLI draws progress and writes files).
// Must not import node:* or the crossbar simulation.

import { endStep } from "../engine.js";
import { Tensor } from "../tensor.js";
import { backward, noGrad } from "../autograd/tape.js";
import type { Dataset } from "../data/dataset.js";
import { DataLoader } from "../data/loader.js";
import { resizeNearest } from "../data/transforms.js";
import { argmaxRows, type Model } from "../nn/model.js";
import { AdamW, Adam } from "../optim/adam.js";
import { SGD } from "../optim/sgd.js";
import type { Optimizer } from "../optim/optimizer.js";

export const OPTIMIZERS = ["adamw", "adam", "sgd"] as const;
export const LR_SCHEDULES = ["cosine", "constant"] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  lr: number;
  /** cosine: lr * (1 + cos(pi * step / totalSteps)) / 2; constant: lr throughout. */
  lrSchedule: (typeof LR_SCHEDULES)[number];
  weightDecay: number;
  momentum: number;
  seed: number;
  /** Random circular shift augmentation (pixels, 0 = off). */
  shift: number;
  /** Evaluate on the held-out set every this many steps (0 = at epoch ends only). */
  evalEvery: number;
  /** Stop after this many steps (0 = run all epochs). */
  maxSteps: number;
}

export const TRAIN_DEFAULTS: TrainOptions = {
  epochs: 30,
  batchSize: 64,
  optimizer: "adamw",
  lr: 1e-3,
  lrSchedule: "cosine",
  weightDecay: 1e-4,
  momentum: 0.9,
  seed: 0,
  shift: 2,
  evalEvery: 0,
  maxSteps: 0,
};

export interface StepInfo { epoch: number; step: number; stepsPerEpoch: number; totalSteps: number; loss: number; acc: number; samples: number; seconds: number }
export interface EvalInfo { epoch: number; step: number; accuracy: number; loss: number; seconds: number }
export interface TrainEvents {
  onStep?(s: StepInfo): void;
  onEval?(e: EvalInfo): void;
}

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
    throw new Error(`dataset "${ds.name}" has ${ds.height}x${ds.width}x${ds.channels} = ${features} inputs; the model's first layer takes ${model.inputSize}, which is not a square image of ${ds.channels} channel(s)`);
  }
  return { height: side, width: side };
}

export function makeOptimizer(model: Model, o: Pick<TrainOptions, "optimizer" | "lr" | "weightDecay" | "momentum">): Optimizer {
  const params = model.parameters();
  if (o.optimizer === "adamw") return new AdamW(params, { lr: o.lr, weightDecay: o.weightDecay });
  if (o.optimizer === "adam") return new Adam(params, { lr: o.lr, weightDecay: o.weightDecay });
  return new SGD(params, { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay });
}

/** Train in place; returns the optimiser (its step count, state) when done. */
export function trainModel(model: Model, train: Dataset, heldOut: Dataset | null, opts: TrainOptions, events: TrainEvents = {}): Optimizer {
  if (train.classes > model.classes) throw new Error(`dataset "${train.name}" has ${train.classes} classes, the model ${model.classes}`);
  const resize = inputResize(model, train);
  const wantImages = (model.config.reconstruction as number) > 0;
  const loader = new DataLoader(train, { batchSize: opts.batchSize, shuffle: true, seed: opts.seed, shift: opts.shift, resize: wantImages ? undefined : resize, dropLast: true });
  const opt = makeOptimizer(model, opts);
  const stepsPerEpoch = loader.numBatches;
  const totalSteps = opts.maxSteps > 0 ? Math.min(opts.maxSteps, stepsPerEpoch * opts.epochs) : stepsPerEpoch * opts.epochs;
  const resized = new Float32Array(wantImages && resize ? opts.batchSize * model.inputSize : 0);
  const t0 = performance.now();
  let step = 0;
  let samples = 0;
  const heldOutLoader = heldOut ? evalLoader(model, heldOut) : null;
  const evalNow = (epoch: number) => {
    if (!heldOutLoader) return;
    const e0 = performance.now();
    const r = evaluate(model, heldOutLoader);
    events.onEval?.({ epoch, step, accuracy: r.accuracy, loss: r.loss, seconds: (performance.now() - e0) / 1000 });
  };
  for (let epoch = 0; epoch < opts.epochs && step < totalSteps; epoch++) {
    for (const batch of loader.batches(epoch)) {
      if (step >= totalSteps) break;
      let xs = batch.x;
      let images: Tensor | undefined;
      if (wantImages) {
        images = Tensor.from(batch.x, [batch.size, batch.x.length / batch.size]);
        if (resize) {
          const F = train.height * train.width * train.channels;
          for (let b = 0; b < batch.size; b++) {
            resizeNearest(batch.x.subarray(b * F, (b + 1) * F), train.height, train.width, train.channels, resize.height, resize.width, resized.subarray(b * model.inputSize, (b + 1) * model.inputSize));
          }
          xs = resized.subarray(0, batch.size * model.inputSize);
        }
      }
      if (opts.lrSchedule === "cosine") opt.lr = learningRateAt(opts.lr, step, totalSteps);
      opt.zeroGrad();
      const x = Tensor.from(xs, [batch.size, model.inputSize]);
      const { loss, scores } = model.loss({ x, labels: batch.y, images });
      backward(loss);
      opt.step();
      const lossValue = loss.item();
      const pred = argmaxRows(scores.data(), batch.size, model.classes);
      let correct = 0;
      for (let b = 0; b < batch.size; b++) if (pred[b] === batch.y[b]) correct++;
      endStep();
      step++;
      samples += batch.size;
      events.onStep?.({ epoch, step, stepsPerEpoch, totalSteps, loss: lossValue, acc: correct / batch.size, samples, seconds: (performance.now() - t0) / 1000 });
      if (opts.evalEvery > 0 && step % opts.evalEvery === 0) evalNow(epoch);
    }
    if (opts.evalEvery === 0 || step % opts.evalEvery !== 0) evalNow(epoch);
  }
  return opt;
}

/** Cosine-decayed learning rate at a step (0-based) of totalSteps. */
export function learningRateAt(lr: number, step: number, totalSteps: number): number {
  return (lr * (1 + Math.cos((Math.PI * step) / Math.max(1, totalSteps)))) / 2;
}

/** An in-order loader for evaluation (reuse it across evaluations of one set). */
export function evalLoader(model: Model, ds: Dataset, o: { batchSize?: number } = {}): DataLoader {
  return new DataLoader(ds, { batchSize: o.batchSize ?? 64, shuffle: false, seed: 0, resize: inputResize(model, ds) });
}

/** Accuracy, mean loss and confusion matrix of a model on a dataset (no grad). */
export function evaluate(model: Model, data: Dataset | DataLoader, o: { batchSize?: number } = {}): EvalResult {
  const loader = data instanceof DataLoader ? data : evalLoader(model, data, o);
  const ds = loader.dataset;
  const C = model.classes;
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  const predictions = new Int32Array(ds.n);
  let correct = 0;
  let lossSum = 0;
  let at = 0;
  noGrad(() => {
    for (const batch of loader.batches(0)) {
      const x = Tensor.from(batch.x, [batch.size, model.inputSize]);
      const { loss, scores } = model.loss({ x, labels: batch.y });
      lossSum += loss.item() * batch.size;
      const pred = argmaxRows(scores.data(), batch.size, C);
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
