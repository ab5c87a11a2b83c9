// The equal-core "partial sums" baseline of SCRRAMBLE.md section 4: a dense MLP
// 1024 -> 2048 -> 512 -> 256 (ReLU between layers), the first 250 outputs
// averaged in 10 groups of 25 as logits, softmax cross-entropy. On 256 x 256
// tiles it uses 32 + 16 + 2 = 50 cores. Must not import data, sim or CLI code.

import { Rng } from "../rng.js";
import { Tensor } from "../tensor.js";
import * as ops from "../ops/index.js";
import { parameter } from "./parameter.js";
import { fillGlorotUniform } from "./init.js";
import { checkFields, type Schema } from "../options.js";
import type { BatchInput, Model } from "./model.js";
import { squareInput, type ForwardPlan, type PlanStep } from "./plan.js";

export interface DenseBaselineConfig {
  /** Layer widths, input first. */
  sizes: number[];
  classes: number;
  /** Outputs averaged per class (classes * groupSize <= last width). */
  groupSize: number;
  /** A bias per output (the reference's partial-sums layers have none). */
  bias: boolean;
  initSeed: number;
}

export const DENSE_BASELINE_DEFAULTS: DenseBaselineConfig = {
  sizes: [1024, 2048, 512, 256],
  classes: 10,
  groupSize: 25,
  bias: true,
  initSeed: 0,
};

/** Every key of the config: type, range, help and command-line flag. */
export const DENSE_BASELINE_FIELDS: Schema = {
  sizes: { type: "ints", min: 1, minLength: 2, flag: "dense-sizes", arg: "LIST", help: "dense baseline layer widths, input first" },
  classes: { type: "int", min: 2, max: 256, internal: true, help: "classes" },
  groupSize: { type: "int", min: 1, arg: "N", help: "dense baseline outputs averaged per class" },
  bias: { type: "boolean", arg: "BOOL", help: "dense baseline: a bias per output (false = the reference's bias-free partial-sums layers)" },
  initSeed: { type: "int", internal: true, help: "init seed (the run's --seed)" },
};

/** Check a configuration; every message names the key that is wrong and why. */
export function validateDenseConfig(c: DenseBaselineConfig, where = "dense baseline config"): void {
  checkFields(DENSE_BASELINE_FIELDS, c, where);
  const last = c.sizes[c.sizes.length - 1];
  if (c.classes * c.groupSize > last)
    throw new Error(`${c.classes} groups of ${c.groupSize} need ${c.classes * c.groupSize} outputs, the last layer has ${last}`);
}

export class DenseBaseline implements Model {
  readonly kind = "dense-baseline";
  readonly config: DenseBaselineConfig;
  /** Weights [out, in] and, with config.bias, biases [out] of every layer. */
  readonly layers: { w: Tensor; b?: Tensor }[] = [];
  readonly inputSize: number;
  readonly classes: number;
  private readonly grouping: Tensor;

  constructor(config: DenseBaselineConfig) {
    validateDenseConfig(config);
    const { sizes, classes, groupSize } = config;
    this.config = { ...config, sizes: [...sizes] };
    this.inputSize = sizes[0];
    this.classes = classes;
    const rng = new Rng(config.initSeed).fork("init");
    for (let i = 0; i + 1 < sizes.length; i++) {
      const w = parameter([sizes[i + 1], sizes[i]], `layers.${i}.weight`);
      fillGlorotUniform(w, sizes[i], sizes[i + 1], rng);
      this.layers.push({ w, ...(config.bias ? { b: parameter([sizes[i + 1]], `layers.${i}.bias`) } : {}) });
    }
    // Fixed averaging matrix [last, classes]: output g*groupSize + j -> class g.
    const last = sizes[sizes.length - 1];
    this.grouping = Tensor.persistent([last, classes], "grouping");
    const g = this.grouping.data();
    for (let c = 0; c < classes; c++) for (let j = 0; j < groupSize; j++) g[(c * groupSize + j) * classes + c] = 1 / groupSize;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    this.layers.forEach((l, i) => {
      out.push([`layers.${i}.weight`, l.w]);
      if (l.b) out.push([`layers.${i}.bias`, l.b]);
    });
    return out;
  }

  /** Logits [B, classes]. ReLU after every layer, the last included, as the reference. */
  scores(x: Tensor): Tensor {
    let h = x;
    for (const l of this.layers) h = ops.relu(ops.linear(h, l.w, l.b));
    return this.group(h);
  }

  /** The forward pass as data (copies of the weights): dense + relu per layer, then the group means. */
  forwardPlan(): ForwardPlan {
    const steps: PlanStep[] = [];
    for (const l of this.layers) {
      const [outputs, inputs] = l.w.shape;
      steps.push({ op: "dense", inputs, outputs, weight: l.w.toArray(), bias: l.b ? l.b.toArray() : null }, { op: "relu" });
    }
    steps.push({ op: "groupMean", classes: this.classes, groupSize: this.config.groupSize });
    return { kind: this.kind, inputSize: this.inputSize, classes: this.classes, input: squareInput(this.inputSize), steps };
  }

  /** Logits from the last layer's outputs: the mean of each class's group. */
  group(h: Tensor): Tensor {
    return ops.matmul(h, this.grouping);
  }

  loss(batch: BatchInput): { loss: Tensor; scores: Tensor } {
    const logits = this.scores(batch.x);
    return { loss: ops.softmaxCrossEntropy(logits, batch.labels), scores: logits };
  }
}
