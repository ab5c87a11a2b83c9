// The float64 whole-model references (test/helpers/reference-models.ts) agree
// with the library's forward losses, and the one-step gradient check built on
// them passes on the real backward rules and fails when a gradient path is
// dropped: the benchmark runs this check before it times anything.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { endStep } from "../src/engine.js";
import { Tensor } from "../src/tensor.js";
import { noGrad } from "../src/autograd/tape.js";
import { withRuleOverride } from "../src/autograd/backward.js";
import { rules } from "../src/autograd/rules.js";
import { ScrrambleMlp, SCRRAMBLE_MLP_DEFAULTS } from "../src/nn/scrramble-mlp.js";
import { DenseBaseline } from "../src/nn/dense-baseline.js";
import type { Model } from "../src/nn/model.js";
import { checkStepGradients, naiveModelLoss } from "./helpers/reference-models.js";
import { randomArray } from "./helpers/reference.js";

const scr = () =>
  new ScrrambleMlp({ ...SCRRAMBLE_MLP_DEFAULTS, cores: [4, 9, 10], coreSize: 32, slotSize: 8, init: "glorot-core", initSeed: 2 });
const dense = () => new DenseBaseline({ sizes: [128, 60, 30], classes: 3, groupSize: 10, initSeed: 1, bias: true });
const B = 5;
const labels = [0, 1, 2, 1, 0];

function data(m: Model): Float32Array {
  return randomArray(B * m.inputSize, { s: 9 }, 0, 1);
}

test("the float64 references give the library's loss", () => {
  for (const m of [scr(), dense()]) {
    const x = data(m);
    const ours = noGrad(() => {
      const v = m.loss({ x: Tensor.from(x, [B, m.inputSize]), labels }).loss.item();
      endStep();
      return v;
    });
    const ref = naiveModelLoss(
      m,
      m.namedParameters().map(([, p]) => p.toArray()),
      x,
      labels,
      B,
    );
    assert.ok(Math.abs(ours - ref) <= 1e-5 * Math.abs(ref), `${m.kind}: ${ours} vs ${ref}`);
  }
});

test("one step's gradients agree with the reference along random directions", () => {
  for (const m of [scr(), dense()]) {
    const r = checkStepGradients(m, data(m), labels, B);
    assert.is(r.checks.length, m.namedParameters().length);
    assert.ok(r.worst < 1e-4, `${m.kind}: worst ${r.worst}`);
    assert.ok(
      r.checks.every((c) => Math.abs(c.numeric) > 1e-6),
      "every direction moves the loss",
    );
  }
});

test("the check fails when the backward pass into the layer inputs is dropped", () => {
  /** The op's rule with its first input's gradient path cut (as if x needed none). */
  const withoutDx = (op: "scrramble" | "linear") =>
    ((node: { inputs: Tensor[] }, gy: Tensor) => {
      const x = node.inputs[0];
      const was = x.requiresGrad;
      x.requiresGrad = false;
      try {
        (rules[op] as (n: unknown, g: Tensor) => void)(node, gy);
      } finally {
        x.requiresGrad = was;
      }
    }) as never;
  for (const [m, op] of [
    [scr(), "scrramble"],
    [dense(), "linear"],
  ] as const) {
    const x = data(m);
    assert.throws(
      () => withRuleOverride(op, withoutDx(op), () => checkStepGradients(m, x, labels, B)),
      /gradient of "layers\.0\.weight" along a random direction is 0, the float64 reference says/,
      m.kind,
    );
    endStep();
  }
});

test.run();
