// Batch normalisation (batch statistics, running statistics and their update, the fused relu), layer
// normalisation, 2 x 2 max / average pooling and the residual join relu(a + b): float64 references
// and central finite-difference gradients for each.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tensor } from "../src/tensor.js";
import { endStep } from "../src/engine.js";
import * as ops from "../src/ops/index.js";
import type { BatchNormMode, BatchNormState } from "../src/ops/index.js";
import { gradCheck, maxAbsDiff, naiveBatchNorm, naiveLayerNorm, naivePool2, randomArray } from "./helpers/reference.js";

const seed = { s: 31 };

function leaf(shape: number[], lo = -1, hi = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const t = Tensor.from(randomArray(n, seed, lo, hi), shape);
  t.requiresGrad = true;
  return t;
}

function project(out: Tensor): Tensor {
  return ops.sum(ops.mul(out, Tensor.from(randomArray(out.size, { s: 5 }), out.shape)));
}

function state(F: number, mean = 0, variance = 1): BatchNormState {
  const runMean = Tensor.persistent([F]);
  const runVar = Tensor.persistent([F]);
  runMean.data().fill(mean);
  runVar.data().fill(variance);
  return { runMean, runVar, momentum: 0.1, eps: 1e-5 };
}

test.after.each(() => endStep());

test("batchNorm with batch statistics matches float64; training moves the running statistics (unbiased variance)", () => {
  endStep();
  const [B, H, W, F] = [3, 11, 13, 6]; // 429 rows: two blocks of statistics
  const st = state(F, 0.5, 2);
  endStep();
  const xs = randomArray(B * H * W * F, seed, -2, 3);
  const gamma = randomArray(F, seed, 0.5, 1.5),
    beta = randomArray(F, seed);
  const y = ops.batchNorm(Tensor.from(xs, [B, H, W, F]), Tensor.from(gamma), Tensor.from(beta), st, { mode: "train" });
  const ref = naiveBatchNorm(xs, F, gamma, beta, 1e-5, null);
  assert.ok(maxAbsDiff(y.toArray(), ref.y) < 2e-5, `${maxAbsDiff(y.toArray(), ref.y)}`);
  const n = B * H * W;
  const expMean = Array.from(ref.mean, (m) => 0.9 * 0.5 + 0.1 * m);
  const expVar = Array.from(ref.variance, (v) => 0.9 * 2 + 0.1 * ((v * n) / (n - 1)));
  assert.ok(maxAbsDiff(st.runMean.toArray(), expMean) < 1e-6);
  assert.ok(maxAbsDiff(st.runVar.toArray(), expVar) < 1e-6);
  // "batch" normalises the same way but leaves the running statistics alone.
  const before = st.runMean.toArray();
  const y2 = ops.batchNorm(Tensor.from(xs, [B, H, W, F]), Tensor.from(gamma), Tensor.from(beta), st, { mode: "batch" });
  assert.equal(Array.from(y2.toArray()), Array.from(y.toArray()));
  assert.equal(Array.from(st.runMean.toArray()), Array.from(before));
});

test("batchNorm with running statistics and the fused relu matches float64", () => {
  endStep();
  const F = 5;
  const st = state(F);
  st.runMean.set([0.1, -0.2, 0.3, 0, 1]);
  st.runVar.set([1, 2, 0.5, 3, 0.25]);
  const xs = randomArray(4 * 3 * 2 * F, seed, -2, 2);
  const gamma = randomArray(F, seed),
    beta = randomArray(F, seed);
  const y = ops.batchNorm(Tensor.from(xs, [4, 3, 2, F]), Tensor.from(gamma), Tensor.from(beta), st, { mode: "running", relu: true });
  const ref = naiveBatchNorm(xs, F, gamma, beta, 1e-5, { mean: st.runMean.toArray(), variance: st.runVar.toArray() });
  assert.ok(
    maxAbsDiff(
      y.toArray(),
      ref.y.map((v) => Math.max(0, v)),
    ) < 1e-5,
  );
  assert.ok(y.toArray().some((v) => v === 0) && y.toArray().some((v) => v > 0));
});

test("batchNorm gradients by finite differences in every mode, with and without the fused relu", () => {
  const cases: [BatchNormMode, boolean][] = [
    ["train", false],
    ["train", true],
    ["batch", true],
    ["running", false],
    ["running", true],
  ];
  for (const [mode, relu] of cases) {
    endStep();
    const F = 4;
    const st = state(F, 0.2, 1.5);
    const x = leaf([2, 3, 5, F], -2, 2),
      gamma = leaf([F], 0.5, 1.5),
      beta = leaf([F], -0.5, 0.5);
    const r = gradCheck([x, gamma, beta], () => project(ops.batchNorm(x, gamma, beta, st, { mode, relu })), {
      eps: 1e-3,
      atol: 2e-3,
    });
    assert.ok(r.ok, `${mode}${relu ? "+relu" : ""}: worst ${JSON.stringify(r.worst)}`);
  }
});

test("batchNorm refuses a mismatched channel count and a single value per channel", () => {
  endStep();
  const st = state(3);
  const st1 = state(2);
  assert.throws(
    () => ops.batchNorm(Tensor.zeros([2, 2, 2, 4]), Tensor.zeros([4]), Tensor.zeros([4]), st, { mode: "train" }),
    /of 4 channels/,
  );
  assert.throws(
    () => ops.batchNorm(Tensor.zeros([1, 1, 1, 2]), Tensor.zeros([2]), Tensor.zeros([2]), st1, { mode: "train" }),
    /at least 2/,
  );
});

test("layerNorm matches float64; gradients by finite differences", () => {
  const xs = randomArray(3 * 40, seed, -3, 3);
  const gamma = randomArray(40, seed),
    beta = randomArray(40, seed);
  const y = ops.layerNorm(Tensor.from(xs, [3, 40]), Tensor.from(gamma), Tensor.from(beta));
  assert.ok(maxAbsDiff(y.toArray(), naiveLayerNorm(xs, 3, gamma, beta, 1e-6)) < 1e-5);
  endStep();
  const x = leaf([3, 17], -2, 2),
    g = leaf([17]),
    b = leaf([17]);
  const r = gradCheck([x, g, b], () => project(ops.layerNorm(x, g, b)), { eps: 1e-3 });
  assert.ok(r.ok, `worst ${JSON.stringify(r.worst)}`);
});

test("max and average pooling match float64; gradients by finite differences (distinct values for max)", () => {
  const [B, H, W, F] = [2, 4, 6, 5];
  const xs = randomArray(B * H * W * F, seed);
  const x = Tensor.from(xs, [B, H, W, F]);
  const mx = ops.maxPool2d(x),
    av = ops.avgPool2d(x);
  assert.equal(mx.shape, [B, 2, 3, F]);
  assert.ok(maxAbsDiff(mx.toArray(), naivePool2(xs, B, H, W, F, "max")) === 0);
  assert.ok(maxAbsDiff(av.toArray(), naivePool2(xs, B, H, W, F, "avg")) < 1e-6);
  endStep();
  // Values spaced 0.05 apart so a 1e-2 step never changes which element wins a window.
  const perm = randomArray(B * H * W * F, seed).map((v, i) => i);
  for (let i = perm.length - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const xm = Tensor.from(
    perm.map((v) => v * 0.05),
    [B, H, W, F],
  );
  xm.requiresGrad = true;
  const rm = gradCheck([xm], () => project(ops.maxPool2d(xm)));
  assert.ok(rm.ok, `max: worst ${JSON.stringify(rm.worst)}`);
  endStep();
  const xa = leaf([B, H, W, F]);
  const ra = gradCheck([xa], () => project(ops.avgPool2d(xa)));
  assert.ok(ra.ok, `avg: worst ${JSON.stringify(ra.worst)}`);
  assert.throws(() => ops.maxPool2d(Tensor.zeros([1, 3, 4, 2])), /3 x 4 images do not split/);
});

test("addRelu = relu(a + b); gradients by finite differences away from the kink", () => {
  const a = randomArray(30, seed),
    b = randomArray(30, seed);
  const y = ops.addRelu(Tensor.from(a), Tensor.from(b));
  assert.equal(
    Array.from(y.toArray()),
    Array.from(a, (v, i) => Math.max(0, Math.fround(v + b[i]))),
  );
  endStep();
  const sa = randomArray(24, seed).map((v) => (v >= 0 ? v + 0.1 : v - 0.1));
  const ta = Tensor.from(sa, [4, 6]);
  ta.requiresGrad = true;
  const tb = Tensor.from(new Float32Array(24).fill(0.01), [4, 6]);
  tb.requiresGrad = true;
  const r = gradCheck([ta, tb], () => project(ops.addRelu(ta, tb)));
  assert.ok(r.ok, `worst ${JSON.stringify(r.worst)}`);
  assert.throws(() => ops.addRelu(Tensor.zeros([2, 3]), Tensor.zeros([3, 2])), /addRelu: shapes/);
});

test.run();
