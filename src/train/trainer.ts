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
import { argmaxRows, type Model } from "../nn/model.js";
import { AdamW, Adam } from "../optim/adam.js";
import { SGD } from "../optim/sgd.js";
import type { Optimizer } from "../optim/optimizer.js";
import { evalLoader, evaluate, inputResize } from "./evaluate.js";
import type { TrainOptions } from "./options.js";
import { parseAugmentation } from "../data/augment.js";

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
export function trainModel(model: Model, train: Dataset, heldOut: Dataset | null, opts: TrainOptions, events: TrainEvents = {}): Optimizer {
  if (train.classes > model.classes) throw new Error(`dataset "${train.name}" has ${train.classes} classes, the model ${model.classes}`);
  const resize = inputResize(model, train);
  const wantImages = model.wantsImages === true;
  const augment = parseAugmentation(opts.augment, train, opts.shift);
  const loader = new DataLoader(train, {
    batchSize: opts.batchSize,
    shuffle: true,
    seed: opts.seed,
    shift: augment.shift,
    augment: wantImages ? undefined : augment,
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
      if (opts.lrSchedule !== "constant") opt.lr = scheduledRate(opts, step, totalSteps);
      opt.zeroGrad();
      const x = Tensor.from(xs, [batch.size, model.inputSize]);
      const { loss, scores } = model.loss({ x, labels: batch.y, images, training: true });
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

/**
 * The learning rate of a schedule at a step (0-based) of a run of totalSteps.
 * @example scheduledRate({ ...TRAIN_DEFAULTS, lrSchedule: "warmup-cosine", lr: 3e-4, decaySteps: 50000 }, 1000, 50000); // 3.9e-4
 */
export function scheduledRate(
  o: Pick<TrainOptions, "lr" | "lrSchedule" | "warmupSteps" | "warmupStart" | "lrPeak" | "lrFinal" | "decaySteps">,
  step: number,
  totalSteps: number,
): number {
  if (o.lrSchedule === "constant") return o.lr;
  if (o.lrSchedule === "cosine") return learningRateAt(o.lr, step, totalSteps);
  const peak = o.lr * o.lrPeak;
  if (step < o.warmupSteps) return o.lr * o.warmupStart + ((peak - o.lr * o.warmupStart) * step) / o.warmupSteps;
  const end = o.decaySteps > 0 ? o.decaySteps : totalSteps;
  const t = Math.min(1, (step - o.warmupSteps) / Math.max(1, end - o.warmupSteps));
  return o.lrFinal + ((peak - o.lrFinal) * (1 + Math.cos(Math.PI * t))) / 2;
}

/** Cosine-decayed learning rate at a step (0-based) of totalSteps. */
export function learningRateAt(lr: number, step: number, totalSteps: number): number {
  return (lr * (1 + Math.cos((Math.PI * step) / Math.max(1, totalSteps)))) / 2;
}
