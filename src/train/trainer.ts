// The training loop, runtime-neutral: DataLoader batches are copied into step
// tensors, model.loss -> backward -> optimiser step -> endStep(). Reports
// through callbacks (commands draw progress and write files).
// Must not import node:* or the crossbar simulation.

import { endStep } from "../engine.js";
import { Tensor } from "../tensor.js";
import { backward } from "../autograd/backward.js";
import type { Dataset } from "../data/dataset.js";
import { DataLoader } from "../data/loader.js";
import { resizeNearest } from "../pixels.js";
import { Rng } from "../rng.js";
import { expandShifted } from "../data/transforms.js";
import { argmaxRows, type Model } from "../nn/model.js";
import { AdamW, Adam } from "../optim/adam.js";
import { SGD } from "../optim/sgd.js";
import type { Optimizer } from "../optim/optimizer.js";
import { evalLoader, evaluate, inputResize } from "./evaluate.js";
import type { TrainOptions } from "./options.js";

export interface StepInfo {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  totalSteps: number;
  loss: number;
  acc: number;
  samples: number;
  seconds: number;
}
export interface EvalInfo {
  epoch: number;
  step: number;
  accuracy: number;
  loss: number;
  seconds: number;
}
export interface TrainEvents {
  onStep?(s: StepInfo): void;
  onEval?(e: EvalInfo): void;
}

export function makeOptimizer(model: Model, o: Pick<TrainOptions, "optimizer" | "lr" | "weightDecay" | "momentum">): Optimizer {
  const params = model.parameters();
  if (o.optimizer === "adamw") return new AdamW(params, { lr: o.lr, weightDecay: o.weightDecay });
  if (o.optimizer === "adam") return new Adam(params, { lr: o.lr, weightDecay: o.weightDecay });
  return new SGD(params, { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay });
}

/** Train in place; returns the optimiser (its step count, state) when done. */
export function trainModel(model: Model, data: Dataset, heldOut: Dataset | null, opts: TrainOptions, events: TrainEvents = {}): Optimizer {
  if (data.classes > model.classes) throw new Error(`dataset "${data.name}" has ${data.classes} classes, the model ${model.classes}`);
  const train = trainingSet(data, opts);
  const resize = inputResize(model, train);
  const wantImages = model.wantsImages === true;
  const loader = new DataLoader(train, {
    batchSize: opts.batchSize,
    shuffle: true,
    seed: opts.seed,
    shift: opts.shift,
    shiftMode: opts.shiftMode,
    resize: wantImages ? undefined : resize,
    dropLast: true,
  });
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
            resizeNearest(
              batch.x.subarray(b * F, (b + 1) * F),
              train.height,
              train.width,
              train.channels,
              resize.height,
              resize.width,
              resized.subarray(b * model.inputSize, (b + 1) * model.inputSize),
            );
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
      events.onStep?.({
        epoch,
        step,
        stepsPerEpoch,
        totalSteps,
        loss: lossValue,
        acc: correct / batch.size,
        samples,
        seconds: (performance.now() - t0) / 1000,
      });
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

/**
 * The training set a run sees: the data, plus opts.shiftedCopies shifted copies
 * of every image (seeded by opts.seed) when asked for.
 * @example trainingSet(train, { ...TRAIN_DEFAULTS, shiftedCopies: 4, copyShift: 3, shiftMode: "circular" }).n; // 5 x train.n
 */
export function trainingSet(data: Dataset, opts: Pick<TrainOptions, "shiftedCopies" | "copyShift" | "shiftMode" | "seed">): Dataset {
  if (!(opts.shiftedCopies > 0)) return data;
  return expandShifted(data, opts.shiftedCopies, opts.copyShift, new Rng(opts.seed).fork("shifted-copies"), opts.shiftMode);
}
