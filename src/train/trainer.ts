// The training loop, runtime-neutral: DataLoader batches are copied into step
// tensors, model.loss -> backward -> optimiser step -> endStep(). One step at a
// time (Trainer.next), so a caller can stop between steps and save a training
// state that resumes the run to the bit; trainModel runs it to the end. Refuses
// empty data and batches that cannot fit before it starts, and stops with
// TrainingDiverged at the first non-finite loss or weight. Reports through
// callbacks (commands draw progress and write files).
// Must not import node:* or the crossbar simulation.

import { endStep, engine } from "../engine.js";
import { Tensor } from "../tensor.js";
import { backward } from "../autograd/backward.js";
import { featureSize, type Dataset } from "../data/dataset.js";
import { DataLoader, type EpochIterator, type LoaderPosition } from "../data/loader.js";
import { resizeNearest } from "../pixels.js";
import { Rng } from "../rng.js";
import { expandShifted } from "../data/transforms.js";
import { argmaxRows, type Model } from "../nn/model.js";
import { AdamW, Adam } from "../optim/adam.js";
import { SGD } from "../optim/sgd.js";
import type { Optimizer, OptimizerState } from "../optim/optimizer.js";
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
  /** Samples trained on so far (steps x batch size). */
  samples: number;
  /** Seconds since this Trainer started (a resumed run starts again at 0). */
  seconds: number;
}
/**
 * Seconds a Trainer has spent in each part of next(), since it started: the
 * batches (loading, augmentation, resizing), the steps (forward, backward, the
 * optimiser, the batch's accuracy), the held-out evaluations, and the event
 * handlers (a run folder's checkpoints and metrics, progress output).
 */
export interface TrainTiming {
  data: number;
  steps: number;
  evaluation: number;
  handlers: number;
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

/** Everything a stopped run needs to continue as if it had never stopped. */
export interface TrainingState {
  /** Completed optimiser steps (the learning-rate schedule's position). */
  step: number;
  /** Where the training data stands: epoch, next batch, augmentation generator. */
  position: LoaderPosition;
  /** Parameter values by name (model.namedParameters()). */
  params: Record<string, Float32Array>;
  optimizer: OptimizerState;
  /** The model's non-parameter training state by name (model.trainingBuffers(), e.g. batch-norm running statistics). */
  buffers: Record<string, Float32Array>;
}

/** Training stopped at a non-finite loss or weight; the model's weights are not usable. */
export class TrainingDiverged extends Error {
  /** The step (1-based) that diverged. */
  readonly step: number;
  constructor(message: string, step: number) {
    super(message);
    this.step = step;
  }
}

/**
 * The optimiser a training run uses. Adam and AdamW fuse the deferred gradients
 * into their update (AdamOptions.fuseGradients): the trainer reads no gradient.
 */
export function makeOptimizer(model: Model, o: Pick<TrainOptions, "optimizer" | "lr" | "weightDecay" | "momentum">): Optimizer {
  const params = model.parameters();
  if (o.optimizer === "adamw") return new AdamW(params, { lr: o.lr, weightDecay: o.weightDecay, fuseGradients: true });
  if (o.optimizer === "adam") return new Adam(params, { lr: o.lr, weightDecay: o.weightDecay, fuseGradients: true });
  return new SGD(params, { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay });
}

/** Kernel memory of a training step at a batch size, against the engine's limit. */
export interface StepMemory {
  /** Bytes held across steps now (parameters, gradients, optimiser state, routing). */
  persistent: number;
  /** Peak step bytes at the batch size (measured at small batches, extrapolated). */
  step: number;
  /** Largest the kernel memory can grow (2 GiB with threads, 4 GiB without). */
  limit: number;
  /** The largest batch size that fits. */
  maxBatch: number;
}

/** Peak step bytes of one forward and backward pass at batch size B (on zeros). */
function measureStep(model: Model, B: number, imageFeatures: number): number {
  const arena = engine().arena;
  endStep();
  arena.resetPeak();
  const labels = new Uint8Array(B);
  const images = model.wantsImages ? Tensor.zeros([B, imageFeatures]) : undefined;
  const { loss } = model.loss({ x: Tensor.zeros([B, model.inputSize]), labels, images });
  backward(loss);
  const peak = arena.stats().peakStepBytes;
  // Drop the gradients: a deferred one would be written at endStep(), touching every gradient page.
  for (const p of model.parameters()) p.grad!.clearToZero();
  endStep();
  return peak;
}

/**
 * Kernel memory a training step of `model` needs at batch size B: a forward and
 * backward pass at 4 and 8 samples, extrapolated (step memory is affine in B).
 * Leaves the gradients pending zeros (as zeroGrad() does).
 * @example const m = stepMemory(model, 64, 784); m.persistent + m.step <= m.limit;
 */
export function stepMemory(model: Model, B: number, imageFeatures: number): StepMemory {
  const e = engine();
  const persistent = e.arena.stats().persistentBytes;
  const limit = e.memoryLimit;
  const at4 = measureStep(model, 4, imageFeatures);
  const at8 = measureStep(model, 8, imageFeatures);
  const perSample = Math.max(0, (at8 - at4) / 4);
  const fixed = at4 - 4 * perSample;
  const step = B <= 8 ? Math.max(at4, at8) : fixed + perSample * B;
  const room = limit - persistent - fixed;
  const maxBatch = perSample > 0 ? Math.max(0, Math.floor(room / perSample)) : Number.MAX_SAFE_INTEGER;
  return { persistent, step, limit, maxBatch };
}

const MB = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;

/**
 * Refuse training that cannot work before anything is allocated for it: an
 * empty training or held-out set, a batch larger than the training set (no
 * full batch per epoch), a batch whose step would not fit in kernel memory.
 * Messages name the dataset and the setting.
 */
export function checkTrainable(model: Model, train: Dataset, heldOut: Dataset | null, opts: TrainOptions): void {
  if (train.n === 0) throw new Error(`dataset "${train.name}" is empty: nothing to train on`);
  if (heldOut && heldOut.n === 0) throw new Error(`held-out dataset "${heldOut.name}" is empty: nothing to evaluate on`);
  if (train.classes > model.classes) throw new Error(`dataset "${train.name}" has ${train.classes} classes, the model ${model.classes}`);
  if (opts.batchSize > train.n) {
    throw new Error(
      `batch size ${opts.batchSize} is larger than the ${train.n} samples of "${train.name}": an epoch would have no full batch`,
    );
  }
  const m = stepMemory(model, Math.max(opts.batchSize, 64), featureSize(train));
  if (m.persistent + m.step > m.limit) {
    throw new Error(
      `batch size ${opts.batchSize} needs about ${MB(m.step)} of kernel memory per step beside the model's ${MB(m.persistent)}, ` +
        `above the ${MB(m.limit)} limit${engine().threads > 1 ? " with threads" : ""}; at most about ${m.maxBatch} samples per batch fit`,
    );
  }
}

/**
 * A training run, one step at a time.
 * @example
 * const t = new Trainer(model, train, null, { ...TRAIN_DEFAULTS, epochs: 1 });
 * while (t.next()) if (wantToStop) { save(t.state()); break; }
 */
export class Trainer {
  readonly model: Model;
  readonly optimizer: Optimizer;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  private readonly opts: TrainOptions;
  private readonly events: TrainEvents;
  private readonly train: Dataset;
  private readonly loader: DataLoader;
  private readonly heldOutLoader: DataLoader | null;
  private readonly resize: { height: number; width: number } | undefined;
  private readonly wantImages: boolean;
  private readonly resized: Float32Array;
  private readonly t0 = performance.now();
  private readonly spent: TrainTiming = { data: 0, steps: 0, evaluation: 0, handlers: 0 };
  private it: EpochIterator;
  private stepCount = 0;

  /**
   * Checks the data and memory (checkTrainable), builds the loader and the
   * optimiser. `data` grows by opts.shiftedCopies shifted copies (trainingSet).
   */
  constructor(model: Model, data: Dataset, heldOut: Dataset | null, opts: TrainOptions, events: TrainEvents = {}) {
    const train = trainingSet(data, opts);
    this.model = model;
    this.opts = opts;
    this.events = events;
    this.train = train;
    this.resize = inputResize(model, train);
    this.wantImages = model.wantsImages === true;
    this.optimizer = makeOptimizer(model, opts);
    const augment = parseAugmentation(opts.augment, train, opts.shift);
    checkTrainable(model, train, heldOut, opts);
    this.loader = new DataLoader(train, {
      batchSize: opts.batchSize,
      shuffle: true,
      seed: opts.seed,
      shift: augment.shift,
      shiftMode: opts.shiftMode,
      augment: this.wantImages ? undefined : augment,
      resize: this.wantImages ? undefined : this.resize,
      dropLast: true,
    });
    this.stepsPerEpoch = this.loader.numBatches;
    const all = this.stepsPerEpoch * opts.epochs;
    this.totalSteps = opts.maxSteps > 0 ? Math.min(opts.maxSteps, all) : all;
    this.resized = new Float32Array(this.wantImages && this.resize ? opts.batchSize * model.inputSize : 0);
    this.heldOutLoader = heldOut ? evalLoader(model, heldOut) : null;
    this.it = this.loader.epoch(0);
  }

  /** Completed steps. */
  get step(): number {
    return this.stepCount;
  }

  /** Seconds spent so far in each part of next() (a copy). */
  get timing(): TrainTiming {
    return { ...this.spent };
  }

  /** True when every step has run. */
  get done(): boolean {
    return this.stepCount >= this.totalSteps;
  }

  /**
   * Run one step, then the held-out evaluation that falls due (every evalEvery
   * steps, else at each epoch's end and after the last step). Returns false
   * (and does nothing) once every step has run. Throws TrainingDiverged when the
   * loss, a weight or the held-out loss is not finite (the weights in memory are
   * then not to be used; a run folder keeps its last good checkpoint).
   */
  next(): boolean {
    if (this.done) return false;
    const t0 = performance.now();
    let batch = this.it.next();
    if (!batch) {
      this.it = this.loader.epoch(this.it.position().epoch + 1);
      batch = this.it.next()!;
    }
    const epoch = this.it.position().epoch;
    const { model, optimizer: opt, opts } = this;
    let xs = batch.x;
    let images: Tensor | undefined;
    if (this.wantImages) {
      images = Tensor.from(batch.x, [batch.size, batch.x.length / batch.size]);
      if (this.resize) {
        const F = featureSize(this.train);
        const { height, width, channels } = this.train;
        for (let b = 0; b < batch.size; b++) {
          const dst = this.resized.subarray(b * model.inputSize, (b + 1) * model.inputSize);
          resizeNearest(batch.x.subarray(b * F, (b + 1) * F), height, width, channels, this.resize.height, this.resize.width, dst);
        }
        xs = this.resized.subarray(0, batch.size * model.inputSize);
      }
    }
    const t1 = performance.now();
    if (opts.lrSchedule !== "constant") opt.lr = scheduledRate(opts, this.stepCount, this.totalSteps);
    opt.zeroGrad();
    const x = Tensor.from(xs, [batch.size, model.inputSize]);
    const { loss, scores } = model.loss({ x, labels: batch.y, images, training: true });
    const lossValue = loss.item();
    if (!Number.isFinite(lossValue)) this.diverged(epoch, `the loss is ${lossValue}`);
    backward(loss);
    opt.step();
    if (opt.nonFinite) this.diverged(epoch, `parameter "${opt.nonFinite}" became NaN or infinite`);
    const pred = argmaxRows(scores.data(), batch.size, model.classes);
    let correct = 0;
    for (let b = 0; b < batch.size; b++) if (pred[b] === batch.y[b]) correct++;
    endStep();
    const t2 = performance.now();
    this.spent.data += (t1 - t0) / 1000;
    this.spent.steps += (t2 - t1) / 1000;
    this.stepCount++;
    const step = this.stepCount;
    this.events.onStep?.({
      epoch,
      step,
      stepsPerEpoch: this.stepsPerEpoch,
      totalSteps: this.totalSteps,
      loss: lossValue,
      acc: correct / batch.size,
      samples: step * opts.batchSize,
      seconds: (t2 - this.t0) / 1000,
    });
    this.spent.handlers += (performance.now() - t2) / 1000;
    const periodic = opts.evalEvery > 0 && step % opts.evalEvery === 0;
    const epochEnd = this.it.position().batch === this.stepsPerEpoch || this.done;
    if (periodic || epochEnd) this.evaluate(epoch);
    return true;
  }

  private evaluate(epoch: number): void {
    if (!this.heldOutLoader) return;
    const e0 = performance.now();
    const r = evaluate(this.model, this.heldOutLoader);
    const e1 = performance.now();
    this.spent.evaluation += (e1 - e0) / 1000;
    if (!Number.isFinite(r.loss)) this.diverged(epoch, `the held-out loss is ${r.loss}`, this.stepCount);
    this.events.onEval?.({ epoch, step: this.stepCount, accuracy: r.accuracy, loss: r.loss, seconds: (e1 - e0) / 1000 });
    this.spent.handlers += (performance.now() - e1) / 1000;
  }

  /** Throw TrainingDiverged for `step` (default: the step being run). */
  private diverged(epoch: number, what: string, step = this.stepCount + 1): never {
    endStep();
    const { lr, weightDecay } = this.opts;
    const highLr = lr >= 1,
      highWd = weightDecay >= 1;
    const cause =
      highWd && !highLr
        ? `the weight decay ${weightDecay} is too high`
        : `the learning rate ${lr}${highWd ? ` and the weight decay ${weightDecay} are` : " is"} too high`;
    throw new TrainingDiverged(`training diverged at step ${step} (epoch ${epoch + 1}): ${what}; likely cause: ${cause}`, step);
  }

  /**
   * The state after the last completed step: copies, or with `views` views of
   * the engine's memory (no 3 x parameter-size copy; valid until the next step
   * or memory growth: write them out at once, as the run folder does).
   */
  state(opts: { views?: boolean } = {}): TrainingState {
    const params: Record<string, Float32Array> = {};
    for (const [name, t] of this.model.namedParameters()) params[name] = opts.views ? t.data() : t.toArray();
    const buffers = this.model.trainingBuffers?.() ?? {}; // small (running statistics): always copies
    return { step: this.stepCount, position: this.it.position(), params, optimizer: this.optimizer.state(opts), buffers };
  }

  /** Continue from a state() of a run with the same model, data and options. */
  restore(s: TrainingState): void {
    if (!Number.isInteger(s.step) || s.step < 0 || s.step > this.totalSteps)
      throw new Error(`training state: step ${s.step} outside [0, ${this.totalSteps}]`);
    const named = this.model.namedParameters();
    for (const key of Object.keys(s.params)) {
      if (!named.some(([n]) => n === key)) throw new Error(`training state: unexpected parameter "${key}"`);
    }
    for (const [name, t] of named) {
      const v = s.params[name];
      if (!v) throw new Error(`training state: parameter "${name}" is missing`);
      if (v.length !== t.size) throw new Error(`training state: parameter "${name}" has ${v.length} values, expected ${t.size}`);
    }
    const own = this.model.trainingBuffers?.() ?? {};
    for (const key of Object.keys(s.buffers)) if (!(key in own)) throw new Error(`training state: unexpected model buffer "${key}"`);
    for (const [key, v] of Object.entries(own)) {
      const b = s.buffers[key];
      if (!b) throw new Error(`training state: model buffer "${key}" is missing`);
      if (b.length !== v.length) throw new Error(`training state: model buffer "${key}" has ${b.length} values, expected ${v.length}`);
    }
    const expected = s.position.epoch * this.stepsPerEpoch + s.position.batch;
    if (expected !== s.step)
      throw new Error(`training state: position (epoch ${s.position.epoch}, batch ${s.position.batch}) is not step ${s.step}`);
    if (s.optimizer.steps !== s.step) throw new Error(`training state: optimiser at step ${s.optimizer.steps}, training at ${s.step}`);
    this.it = this.loader.epoch(s.position.epoch, s.position);
    this.optimizer.loadState(s.optimizer);
    for (const [name, t] of named) t.set(s.params[name]);
    if (Object.keys(own).length) this.model.loadTrainingBuffers!(s.buffers);
    this.stepCount = s.step;
  }
}

/**
 * Train in place to the end; returns the optimiser (its step count, state).
 * @example trainModel(model, train, null, { ...TRAIN_DEFAULTS, epochs: 1 });
 */
export function trainModel(model: Model, train: Dataset, heldOut: Dataset | null, opts: TrainOptions, events: TrainEvents = {}): Optimizer {
  const t = new Trainer(model, train, heldOut, opts, events);
  while (t.next());
  return t.optimizer;
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

/**
 * The training set a run sees: the data, plus opts.shiftedCopies shifted copies
 * of every image (seeded by opts.seed) when asked for.
 * @example trainingSet(train, { ...TRAIN_DEFAULTS, shiftedCopies: 4, copyShift: 3, shiftMode: "circular" }).n; // 5 x train.n
 */
export function trainingSet(data: Dataset, opts: Pick<TrainOptions, "shiftedCopies" | "copyShift" | "shiftMode" | "seed">): Dataset {
  if (!(opts.shiftedCopies > 0)) return data;
  return expandShifted(data, opts.shiftedCopies, opts.copyShift, new Rng(opts.seed).fork("shifted-copies"), opts.shiftMode);
}
