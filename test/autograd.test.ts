// Every op's backward rule against central finite differences, plus one test
// showing the checker catches a deliberately wrong rule, and step-tensor safety.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tensor } from "../src/tensor.js";
import { endStep } from "../src/engine.js";
import { withRuleOverride, backward } from "../src/autograd/backward.js";
import { rules } from "../src/autograd/rules.js";
import type { OpName, TapeNode } from "../src/autograd/types.js";
import { generateRouting } from "../src/routing/routing.js";
import { engine } from "../src/engine.js";
import * as ops from "../src/ops/index.js";
import { uploadRouting } from "../src/ops/routing-buffers.js";
import { gradCheck, randomArray, naiveMatmul, maxAbsDiff } from "./helpers/reference.js";

const seed = { s: 11 };

function leaf(shape: number[], lo = -1, hi = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const t = Tensor.from(randomArray(n, seed, lo, hi), shape);
  t.requiresGrad = true;
  return t;
}

/** Fixed random weights so a tensor-valued op becomes a scalar: sum(out * r). */
function project(out: Tensor): Tensor {
  const r = Tensor.from(randomArray(out.size, { s: 99 }), out.shape);
  return ops.sum(ops.mul(out, r));
}

function check(name: string, inputs: Tensor[], f: () => Tensor, opts = {}) {
  const r = gradCheck(inputs, f, opts);
  assert.ok(r.ok, `${name}: worst ${JSON.stringify(r.worst)}`);
  assert.ok(r.checked > 0);
  endStep();
}

test.after.each(() => endStep());

test("matmul forward matches the reference; gradients by finite differences", () => {
  const a = leaf([5, 7]),
    b = leaf([7, 3]);
  const y = ops.matmul(a, b);
  assert.ok(maxAbsDiff(y.toArray(), naiveMatmul(a.toArray(), b.toArray(), 5, 7, 3)) < 1e-5);
  check("matmul", [a, b], () => project(ops.matmul(a, b)));
});

test("linear with bias", () => {
  const x = leaf([6, 9]),
    w = leaf([4, 9]),
    bias = leaf([4]);
  check("linear", [x, w, bias], () => project(ops.linear(x, w, bias)));
});

test("add, add with bias broadcast, sub, mul, scale", () => {
  const a = leaf([3, 4]),
    b = leaf([3, 4]),
    c = leaf([4]);
  check("add", [a, b], () => project(ops.add(a, b)));
  const a2 = leaf([3, 4]),
    c2 = leaf([4]);
  check("add-broadcast", [a2, c2], () => project(ops.add(a2, c2)));
  const a3 = leaf([3, 4]),
    b3 = leaf([3, 4]);
  check("sub", [a3, b3], () => project(ops.sub(a3, b3)));
  const a4 = leaf([3, 4]),
    b4 = leaf([3, 4]);
  check("mul", [a4, b4], () => project(ops.mul(a4, b4)));
  const a5 = leaf([10]);
  check("scale", [a5], () => project(ops.scale(a5, -2.5)));
  void c;
});

test("relu (inputs away from the kink), sigmoid, reshape, sum, mean", () => {
  const x = Tensor.from(
    randomArray(20, seed).map((v) => (v >= 0 ? v + 0.1 : v - 0.1)),
    [4, 5],
  );
  x.requiresGrad = true;
  check("relu", [x], () => project(ops.relu(x)));
  const s = leaf([4, 5], -3, 3);
  check("sigmoid", [s], () => project(ops.sigmoid(s)));
  const r = leaf([4, 5]);
  check("reshape", [r], () => project(ops.reshape(r, [2, 10])));
  const u = leaf([7]);
  check("sum", [u], () => ops.scale(ops.sum(u), 3));
  const m = leaf([7]);
  check("mean", [m], () => ops.scale(ops.mean(m), 3));
});

test("binaryStep: forward is 1 where x > 0; its gradient is the stated surrogate's, by central differences", () => {
  const width = 0.5;
  // inputs kept away from 0 and from +-width, where the step and the surrogate have kinks
  const vals = randomArray(40, seed, -1, 1).map((v) => {
    const a = Math.abs(v);
    const safe = a < 0.05 ? 0.05 : Math.abs(a - width) < 0.05 ? width + 0.05 : a;
    return Math.sign(v || 1) * safe;
  });
  const x = Tensor.from(vals, [5, 8]);
  x.requiresGrad = true;
  const y = ops.binaryStep(x, width);
  assert.equal(
    Array.from(y.toArray()),
    Array.from(vals, (v) => (v > 0 ? 1 : 0)),
  );
  const zero = ops.binaryStep(Tensor.from([0, -0, 1e-30, -1e-30], [4]), 1).toArray();
  assert.equal(Array.from(zero), [0, 0, 1, 0], "1 only where x > 0 strictly");
  endStep();
  // the surrogate whose derivative the straight-through rule uses: clip(x, -width, width),
  // derivative 1 where |x| < width and 0 elsewhere (the step's own derivative is 0 almost everywhere)
  const r = randomArray(40, { s: 5 });
  const x2 = Tensor.from(vals, [5, 8]);
  x2.requiresGrad = true;
  backward(ops.sum(ops.mul(ops.binaryStep(x2, width), Tensor.from(r, [5, 8]))));
  const g = x2.grad!.toArray();
  const surrogate = (v: ArrayLike<number>) => {
    let sum = 0;
    for (let i = 0; i < v.length; i++) sum += Math.max(-width, Math.min(width, v[i])) * r[i];
    return sum;
  };
  const h = 1e-3;
  let inside = 0;
  for (let i = 0; i < vals.length; i++) {
    const plus = Float64Array.from(vals),
      minus = Float64Array.from(vals);
    plus[i] += h;
    minus[i] -= h;
    const fd = (surrogate(plus) - surrogate(minus)) / (2 * h);
    assert.ok(Math.abs(g[i] - fd) < 1e-4, `element ${i} (x = ${vals[i]}): gradient ${g[i]}, surrogate's central difference ${fd}`);
    if (Math.abs(vals[i]) < width) inside++;
  }
  assert.ok(inside > 5 && inside < vals.length - 5, "both sides of the window checked");
  assert.throws(() => ops.binaryStep(Tensor.from([1], [1]), 0), /width must be > 0/);
});

test("qrelu at 1 bit is not the binary activation: it fires at x >= max, outputs max, passes gradient for every x > 0", () => {
  const xs = [-1, 0.2, 0.9, 1, 1.7, 3];
  const q = ops.qrelu(Tensor.from(xs, [6]), 1, 1).toArray();
  const b = ops.binaryStep(Tensor.from(xs, [6]), 1).toArray();
  assert.equal(Array.from(q), [0, 0, 0, 1, 1, 1]);
  assert.equal(Array.from(b), [0, 1, 1, 1, 1, 1]);
  const q2 = ops.qrelu(Tensor.from(xs, [6]), 1, 2).toArray();
  assert.equal(Array.from(q2), [0, 0, 0, 0, 0, 2], "the 1-bit ADC's level is its full scale");
  endStep();
  const xq = Tensor.from(xs, [6]);
  xq.requiresGrad = true;
  backward(ops.sum(ops.qrelu(xq, 1, 1)));
  assert.equal(Array.from(xq.grad!.toArray()), [0, 1, 1, 1, 1, 1]);
  endStep();
  const xb = Tensor.from(xs, [6]);
  xb.requiresGrad = true;
  backward(ops.sum(ops.binaryStep(xb, 1)));
  assert.equal(Array.from(xb.grad!.toArray()), [0, 1, 1, 0, 0, 0]);
});

test("softmax cross-entropy and mse", () => {
  const logits = leaf([4, 5], -2, 2);
  const labels = [0, 3, 4, 1];
  check("softmaxCE", [logits], () => ops.softmaxCrossEntropy(logits, labels));
  const a = leaf([3, 3]),
    b = leaf([3, 3]);
  check("mse", [a, b], () => ops.mseLoss(a, b));
});

test("softmax cross-entropy value matches a hand computation", () => {
  const logits = Tensor.from([1, 2, 3, 0, 0, 0], [2, 3]);
  const loss = ops.softmaxCrossEntropy(logits, [2, 0]).item();
  const l0 = -(3 - Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)));
  const l1 = Math.log(3);
  assert.ok(Math.abs(loss - (l0 + l1) / 2) < 1e-6);
});

test("capsule margin loss: value by hand and gradient by finite differences", () => {
  // One sample, 2 capsules of 2 values: v0 = (3, 4) |v|=5, v1 = (0.1, 0).
  const y = Tensor.from([3, 4, 0.1, 0], [1, 4]);
  const { loss, lengths } = ops.capsuleMarginLoss(y, [1], 2);
  const L0 = (25 / 26) * (5 / (5 + 1e-8));
  const L1 = (0.01 / 1.01) * (0.1 / (0.1 + 1e-8));
  assert.ok(Math.abs(lengths.data()[0] - L0) < 1e-6 && Math.abs(lengths.data()[1] - L1) < 1e-6);
  const expect = 0.5 * Math.max(0, L0 - 0.1) ** 2 + Math.max(0, 0.9 - L1) ** 2;
  assert.ok(Math.abs(loss.item() - expect) < 1e-6, `${loss.item()} vs ${expect}`);
  endStep();
  const v = leaf([3, 3 * 4], -0.8, 0.8);
  check("capsuleMargin", [v], () => ops.capsuleMarginLoss(v, [0, 2, 1], 3).loss, { eps: 1e-3 });
});

test("qrelu forward quantises onto 2^bits - 1 steps and clips; its rule is straight-through", () => {
  const x = Tensor.from([-1, 0.1, 0.26, 0.5, 0.99, 1.5], [6]);
  x.requiresGrad = true;
  const y = ops.qrelu(x, 2, 1); // steps of 1/3
  const third = 1 / 3;
  const expect = [0, 0, 0, third, 2 * third, 1];
  assert.ok(maxAbsDiff(y.toArray(), expect) < 1e-6, `${Array.from(y.toArray())}`);
  backward(ops.sum(y));
  assert.equal(Array.from(x.grad!.toArray()), [0, 1, 1, 1, 1, 1]);
});

test("the gradient checker catches a deliberately wrong rule", () => {
  const a = leaf([6]);
  const wrong = withRuleOverride(
    "scale",
    (node, gy) => {
      // wrong: forgets the factor s
      engine().k.scaleAcc(
        node.inputs[0].grad ? node.inputs[0].grad.ptr : (node.inputs[0].grad = Tensor.zeros(node.inputs[0].shape)).ptr,
        gy.ptr,
        1,
        gy.size,
      );
    },
    () => gradCheck([a], () => project(ops.scale(a, 3))),
  );
  assert.not.ok(wrong.ok, "a rule missing the factor 3 must fail the check");
  endStep();
  const b = leaf([6]);
  assert.ok(gradCheck([b], () => project(ops.scale(b, 3))).ok);
});

test("a rule off by 2 % fails the check, in every op (the tolerance is what float32 allows, not 2 %)", () => {
  /** The op's own rule, fed an upstream gradient scaled by 1.02 (so every input gradient is 2 % too large). */
  const scaled = <K extends OpName>(op: K) =>
    ((node: TapeNode<K>, gy: Tensor) => {
      const g = Tensor.empty(gy.shape);
      engine().k.scale(g.ptr, gy.ptr, 1.02, gy.size);
      (rules[op] as (n: TapeNode<K>, g: Tensor) => void)(node, g);
    }) as never;
  const routing = uploadRouting(generateRouting({ srcCores: 2, dstCores: 3, slotsPerCore: 4, p: 0.4, seed: 3 }));
  const cases: [OpName, () => [Tensor[], () => Tensor]][] = [
    ["matmul", () => ((a, b) => [[a, b], () => project(ops.matmul(a, b))])(leaf([4, 5]), leaf([5, 3]))],
    ["linear", () => ((x, w, b) => [[x, w, b], () => project(ops.linear(x, w, b))])(leaf([3, 6]), leaf([4, 6]), leaf([4]))],
    ["mul", () => ((a, b) => [[a, b], () => project(ops.mul(a, b))])(leaf([3, 4]), leaf([3, 4]))],
    ["sigmoid", () => ((a) => [[a], () => project(ops.sigmoid(a))])(leaf([3, 4], -2, 2))],
    ["softmaxCrossEntropy", () => ((a) => [[a], () => ops.softmaxCrossEntropy(a, [0, 2, 1])])(leaf([3, 4], -2, 2))],
    ["capsuleMargin", () => ((v) => [[v], () => ops.capsuleMarginLoss(v, [0, 2], 3).loss])(leaf([2, 12], -0.8, 0.8))],
    ["scrramble", () => ((x, w) => [[x, w], () => project(ops.scrrambleLayer(x, w, routing))])(leaf([3, 2 * 8]), leaf([3, 8, 8]))],
  ];
  for (const [op, make] of cases) {
    endStep();
    const [inputs, f] = make();
    const honest = gradCheck(inputs, f);
    assert.ok(honest.ok, `${op}: the real rule passes (${JSON.stringify(honest.worst)})`);
    endStep();
    const [inputs2, f2] = make();
    const off = withRuleOverride(op, scaled(op), () => gradCheck(inputs2, f2));
    assert.not.ok(off.ok, `${op}: a rule 2 % off must fail the check`);
  }
});

test("a step tensor used after its step throws; persistent tensors survive", () => {
  endStep();
  const p = Tensor.persistent([2], "p");
  const t = Tensor.from([1, 2, 3]);
  assert.throws(() => Tensor.persistent([2]), /persistent allocation while a step is open/);
  endStep();
  assert.throws(() => t.data(), /used after its step/);
  assert.equal(Array.from(p.data()), [0, 0]);
});

test("shape errors are clear", () => {
  assert.throws(() => ops.matmul(Tensor.zeros([2, 3]), Tensor.zeros([2, 3])), /matmul: cannot multiply \[2, 3\] by \[2, 3\]/);
  assert.throws(() => ops.add(Tensor.zeros([2, 3]), Tensor.zeros([3, 2])), /add: shapes/);
  assert.throws(() => ops.softmaxCrossEntropy(Tensor.zeros([2, 3]), [0, 3]), /label 3/);
  assert.throws(() => ops.reshape(Tensor.zeros([2, 3]), [4, 2]), /reshape/);
});

test.run();
