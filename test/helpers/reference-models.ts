// Naive float64 references of whole models (the oracles of the model tests and
// of the benchmark's pre-check): the ScRRAMBLe capsule MLP (relu, no head) and
// the dense partial-sums baseline, from plain weight arrays, and a check of one
// training step's gradients against them by directional finite differences.

import { endStep } from "../../src/engine.js";
import { Tensor } from "../../src/tensor.js";
import { backward } from "../../src/autograd/backward.js";
import type { Model } from "../../src/nn/model.js";
import type { ScrrambleMlp } from "../../src/nn/scrramble-mlp.js";
import type { DenseBaseline } from "../../src/nn/dense-baseline.js";
import type { Routing } from "../../src/routing/routing.js";
import { Rng } from "../../src/rng.js";

/** Margin loss of capsules h [B, L * D] in float64 (squash length, m+ 0.9, m- 0.1, lambda 0.5), mean over B. */
function marginLoss(h: Float64Array, labels: ArrayLike<number>, B: number, L: number): number {
  const D = h.length / B / L;
  let total = 0;
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < L; c++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += h[(b * L + c) * D + d] ** 2;
      const n = Math.sqrt(s);
      const len = (s / (1 + s)) * (n / (n + 1e-8));
      total += c === labels[b] ? Math.max(0, 0.9 - len) ** 2 : 0.5 * Math.max(0, len - 0.1) ** 2;
    }
  }
  return total / B;
}

/**
 * Loss of a relu ScRRAMBLe MLP in float64: per layer, y[b, c, r] = sum_col
 * W[c, r, col] routed[b, c, col], routed gathered slot by slot from the CSR routing.
 */
export function naiveScrrambleLoss(
  weights: ArrayLike<number>[],
  routings: Routing[],
  N: number,
  x: ArrayLike<number>,
  labels: ArrayLike<number>,
  B: number,
  classes: number,
): number {
  let h = Float64Array.from(x);
  routings.forEach((r, li) => {
    const K = r.slotsPerCore,
      S = N / K,
      C = r.dstCores,
      w = weights[li];
    const inWidth = r.srcCores * N;
    const y = new Float64Array(B * C * N);
    const routed = new Float64Array(N);
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < C; c++) {
        routed.fill(0);
        for (let k = 0; k < K; k++) {
          const d = c * K + k;
          for (let e = r.dstPtr[d]; e < r.dstPtr[d + 1]; e++) {
            const src = r.srcSlot[e] * S,
              coef = r.coef[e];
            for (let m = 0; m < S; m++) routed[k * S + m] += coef * h[b * inWidth + src + m];
          }
        }
        for (let row = 0; row < N; row++) {
          let acc = 0;
          const wr = (c * N + row) * N;
          for (let col = 0; col < N; col++) acc += w[wr + col] * routed[col];
          y[(b * C + c) * N + row] = Math.max(0, acc);
        }
      }
    }
    h = y;
  });
  return marginLoss(h, labels, B, classes);
}

/** Loss of the dense baseline in float64: relu(W h + b) per layer, group means as logits, softmax cross-entropy. */
export function naiveDenseLoss(
  layers: { w: ArrayLike<number>; b: ArrayLike<number> }[],
  sizes: number[],
  groupSize: number,
  x: ArrayLike<number>,
  labels: ArrayLike<number>,
  B: number,
  classes: number,
): number {
  let total = 0;
  for (let s = 0; s < B; s++) {
    let h = Float64Array.from({ length: sizes[0] }, (_, i) => x[s * sizes[0] + i]);
    layers.forEach((l, li) => {
      const [I, O] = [sizes[li], sizes[li + 1]];
      const y = new Float64Array(O);
      for (let o = 0; o < O; o++) {
        let acc = l.b[o];
        for (let i = 0; i < I; i++) acc += l.w[o * I + i] * h[i];
        y[o] = Math.max(0, acc);
      }
      h = y;
    });
    const logits = Array.from({ length: classes }, (_, c) => {
      let m = 0;
      for (let j = 0; j < groupSize; j++) m += h[c * groupSize + j];
      return m / groupSize;
    });
    const top = Math.max(...logits);
    const lse = top + Math.log(logits.reduce((a, v) => a + Math.exp(v - top), 0));
    total += lse - logits[labels[s]];
  }
  return total / B;
}

/** The float64 loss of a model (ScRRAMBLe MLP with relu and no head, or the dense baseline) at given weights. */
export function naiveModelLoss(
  model: Model,
  weights: ArrayLike<number>[],
  x: ArrayLike<number>,
  labels: ArrayLike<number>,
  B: number,
): number {
  if (model.kind === "scrramble-mlp") {
    const m = model as ScrrambleMlp;
    if (m.config.activation !== "relu" || m.head.length > 0) throw new Error("naiveModelLoss: relu without a head only");
    return naiveScrrambleLoss(weights, m.routedNetwork().routings, m.config.coreSize, x, labels, B, m.classes);
  }
  if (model.kind === "dense-baseline") {
    const d = model as DenseBaseline;
    const names = d.namedParameters().map(([n]) => n);
    const layers = d.layers.map((_, i) => {
      const b = names.indexOf(`layers.${i}.bias`);
      return { w: weights[names.indexOf(`layers.${i}.weight`)], b: b >= 0 ? weights[b] : new Float64Array(d.config.sizes[i + 1]) };
    });
    return naiveDenseLoss(layers, d.config.sizes, d.config.groupSize, x, labels, B, d.classes);
  }
  throw new Error(`naiveModelLoss: no reference for ${model.kind}`);
}

export interface StepGradientCheck {
  /** Per parameter: analytic and numeric directional derivatives. */
  checks: { name: string; analytic: number; numeric: number }[];
  /** Largest |analytic - numeric| / max(|analytic|, |numeric|). */
  worst: number;
}

/**
 * One training step's gradients (the library's forward and backward on x, B
 * samples) against the float64 reference: for each parameter tensor, the
 * derivative along a random +-1 direction, analytic (gradient . v) against
 * central differences of the reference loss. Throws when one disagrees by more
 * than `rtol` (a dropped or mis-scaled gradient path is far outside).
 */
export function checkStepGradients(model: Model, x: Float32Array, allLabels: ArrayLike<number>, B: number, rtol = 1e-4): StepGradientCheck {
  endStep();
  const labels = Array.from(allLabels).slice(0, B);
  const named = model.namedParameters();
  for (const [, p] of named) p.grad!.data().fill(0);
  const { loss } = model.loss({ x: Tensor.from(x.subarray(0, B * model.inputSize), [B, model.inputSize]), labels });
  backward(loss);
  endStep();
  const weights = named.map(([, p]) => Float64Array.from(p.data()));
  const grads = named.map(([, p]) => p.grad!.toArray());
  const rng = new Rng(17);
  const checks: StepGradientCheck["checks"] = [];
  let worst = 0;
  named.forEach(([name], i) => {
    const v = Float64Array.from({ length: weights[i].length }, () => (rng.int(2) ? 1 : -1));
    let analytic = 0;
    for (let j = 0; j < v.length; j++) analytic += grads[i][j] * v[j];
    const h = 1e-8; // small enough that almost no ReLU flips between the two sides
    const at = (sign: number) => {
      const w = weights.slice();
      w[i] = weights[i].map((value, j) => value + sign * h * v[j]);
      return naiveModelLoss(model, w, x, labels, B);
    };
    const numeric = (at(1) - at(-1)) / (2 * h);
    const err = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), 1e-12);
    worst = Math.max(worst, err);
    checks.push({ name, analytic, numeric });
    if (!(err <= rtol)) {
      throw new Error(
        `${model.kind}: gradient of "${name}" along a random direction is ${analytic}, the float64 reference says ${numeric} ` +
          `(relative error ${err.toExponential(2)} > ${rtol})`,
      );
    }
  });
  return { checks, worst };
}
