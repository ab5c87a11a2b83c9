// Training-step and inference cases on the default ScRRAMBLe MNIST model and the
// dense partial-sums baseline (batch 64, forward + backward + AdamW; batch-1
// inference). Checked before timing: a few steps on fixed data must lower the loss.

import type { Bench } from "tinybench";
import { endStep } from "../src/engine.js";
import { Tensor } from "../src/tensor.js";
import { noGrad } from "../src/autograd/tape.js";
import { backward } from "../src/autograd/backward.js";
import { AdamW } from "../src/optim/adam.js";
import { Rng } from "../src/rng.js";
import { ScrrambleMlp, SCRRAMBLE_MLP_DEFAULTS } from "../src/nn/scrramble-mlp.js";
import { DenseBaseline, DENSE_BASELINE_DEFAULTS } from "../src/nn/dense-baseline.js";
import type { Model } from "../src/nn/model.js";

export interface StepCase {
  name: string;
  samples: number;
}

function fixedBatch(B: number, features: number): { x: Float32Array; y: number[] } {
  const rng = new Rng(5);
  return { x: Float32Array.from({ length: B * features }, () => rng.uniform()), y: Array.from({ length: B }, () => rng.int(10)) };
}

function addModelCases(bench: Bench, label: string, model: Model, B: number, suffix: string): StepCase[] {
  const opt = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 1e-4 });
  const { x, y } = fixedBatch(B, model.inputSize);
  const step = () => {
    opt.zeroGrad();
    const { loss } = model.loss({ x: Tensor.from(x, [B, model.inputSize]), labels: y });
    backward(loss);
    opt.step();
    const v = loss.item();
    endStep();
    return v;
  };
  const first = step();
  let last = first;
  for (let i = 0; i < 5; i++) last = step();
  if (!(Number.isFinite(last) && last < first)) throw new Error(`${label}: loss did not fall on a fixed batch (${first} -> ${last})`);
  const one = fixedBatch(1, model.inputSize).x;
  const infer = () =>
    noGrad(() => {
      const s = model.scores(Tensor.from(one, [1, model.inputSize])).data()[0];
      endStep();
      return s;
    });
  const stepName = `train step ${label} (batch ${B}${suffix ? `, ${suffix}` : ""})`;
  const inferName = `inference ${label} (batch 1${suffix ? `, ${suffix}` : ""})`;
  bench.add(stepName, step);
  bench.add(inferName, infer);
  return [
    { name: stepName, samples: B },
    { name: inferName, samples: 1 },
  ];
}

export function addStepCases(bench: Bench, suffix = ""): StepCase[] {
  return [
    ...addModelCases(bench, "scrramble 4-50-10", new ScrrambleMlp({ ...SCRRAMBLE_MLP_DEFAULTS }), 64, suffix),
    ...addModelCases(bench, "dense 1024-2048-512-256", new DenseBaseline({ ...DENSE_BASELINE_DEFAULTS }), 64, suffix),
  ];
}
