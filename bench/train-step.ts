// Training-step and batch-1 inference cases on the default ScRRAMBLe MNIST
// model and the dense partial-sums baseline (batch 64, forward + backward +
// AdamW). Checked before timing: one step's gradients against the tested float64
// reference of the model (test/helpers/reference-models.ts, along a random
// direction per parameter), then a few steps on fixed data must lower the loss.

import { endStep } from "../src/engine.js";
import { Tensor } from "../src/tensor.js";
import { noGrad } from "../src/autograd/tape.js";
import { backward } from "../src/autograd/backward.js";
import { AdamW } from "../src/optim/adam.js";
import type { Optimizer } from "../src/optim/optimizer.js";
import { Rng } from "../src/rng.js";
import { createModel } from "../src/nn/registry.js";
import type { Model } from "../src/nn/model.js";
import { checkStepGradients } from "../test/helpers/reference-models.js";
import { loadBundledMnist } from "../src/node/data-files.js";
import { evalLoader } from "../src/train/evaluate.js";

export type BenchModel = "scrramble" | "dense";

export interface ModelCase {
  model: Model;
  /** One training step (forward, backward, AdamW) on a fixed batch; returns the loss. */
  step(): number;
  /** One batch-1 forward pass; returns the first score. */
  infer(): number;
  /**
   * The same on a second model of the same weights made ready for inference
   * (prepareInference: the ScRRAMBLe cores' weights packed once), as a deployed
   * model runs; the step's model changes its weights every step.
   */
  inferPrepared(): number;
  /**
   * inferPrepared on the first bundled MNIST test digit, as `scrramble train` feeds it
   * (ScRRAMBLe only): its blank pixels give runs of zero inputs that the batch-1 GEMV skips.
   */
  inferDigit?(): number;
  batch: number;
}

/**
 * One training step on a fixed batch (forward, backward, optimiser update, end of step); returns the loss.
 * @example const step = trainingStep(model, new AdamW(model.parameters()), x, labels); step();
 */
export function trainingStep(model: Model, opt: Optimizer, x: Float32Array, y: number[], training?: boolean): () => number {
  const B = y.length;
  return () => {
    opt.zeroGrad();
    const { loss } = model.loss({ x: Tensor.from(x, [B, model.inputSize]), labels: y, ...(training ? { training } : {}) });
    backward(loss);
    opt.step();
    const v = loss.item();
    endStep();
    return v;
  };
}

let digitInput: Float32Array | undefined; // the digit, read once for every thread count

/** The first bundled MNIST test digit as the evaluation loader gives it to `model` (resized, scaled to [0, 1]). */
function firstTestDigit(model: Model): Float32Array {
  if (digitInput?.length === model.inputSize) return digitInput;
  const { test } = loadBundledMnist();
  for (const b of evalLoader(model, test, { batchSize: 1 }).batches(0)) return (digitInput = Float32Array.from(b.x));
  throw new Error("the bundled MNIST test set is empty");
}

/** The bench's fixed batch: B rows of uniform inputs and labels from seed 5. */
function fixedBatch(B: number, features: number): { x: Float32Array; y: number[] } {
  const rng = new Rng(5);
  return { x: Float32Array.from({ length: B * features }, () => rng.uniform()), y: Array.from({ length: B }, () => rng.int(10)) };
}

/**
 * The bench model of a kind on the current engine with its AdamW and its training step on
 * the fixed batch (seed 5), not checked (modelCase checks it; fuseGradients: see AdamOptions).
 */
export function benchTraining(kind: BenchModel, B = 64, fuseGradients = true) {
  const model = createModel(kind);
  // fuseGradients as `train` makes it: the cores' weight gradients computed inside the AdamW update
  const opt = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 1e-4, fuseGradients });
  const { x, y } = fixedBatch(B, model.inputSize);
  return { model, x, y, step: trainingStep(model, opt, x, y) };
}

/** Build the bench model of a kind on the current engine, checked before it is timed (fuseGradients: see AdamOptions). */
export function modelCase(kind: BenchModel, B = 64, fuseGradients = true): ModelCase {
  const { model, x, y, step } = benchTraining(kind, B, fuseGradients);
  checkStepGradients(model, x, y, 4);
  const first = step();
  let last = first;
  for (let i = 0; i < 5; i++) last = step();
  if (!(Number.isFinite(last) && last < first)) throw new Error(`${kind}: loss did not fall on a fixed batch (${first} -> ${last})`);
  const one = fixedBatch(1, model.inputSize).x;
  const forward = (m: Model) => () =>
    noGrad(() => {
      const s = m.scores(Tensor.from(one, [1, model.inputSize])).data()[0];
      endStep();
      return s;
    });
  const deployed = createModel(kind);
  deployed.prepareInference?.();
  const infer = forward(model),
    inferPrepared = forward(deployed);
  const unprepared = createModel(kind); // the same weights, not prepared: the reference of both checks
  const plain = forward(unprepared)();
  if (inferPrepared() !== plain)
    throw new Error(`${kind}: prepared inference differs from the plain forward (${inferPrepared()} vs ${plain})`);
  if (!deployed.prepareInference) return { model, step, infer, inferPrepared, batch: B };
  const digit = firstTestDigit(deployed);
  const onDigit = (m: Model) => () =>
    noGrad(() => {
      const s = m.scores(Tensor.from(digit, [1, model.inputSize])).data()[0];
      endStep();
      return s;
    });
  const inferDigit = onDigit(deployed),
    plainDigit = onDigit(unprepared)();
  if (inferDigit() !== plainDigit)
    throw new Error(`${kind}: prepared inference on a digit differs from the plain forward (${inferDigit()} vs ${plainDigit})`);
  return { model, step, infer, inferPrepared, inferDigit, batch: B };
}
