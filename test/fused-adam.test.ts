// Deferred weight gradients of the ScRRAMBLe cores: the backward pass leaves
// them to the optimiser; AdamW with fuseGradients computes each core's dW in
// scratch and applies it at once (routedWeightGradAdam), never writing the
// gradient buffer. The results must equal the eager path (gradient written,
// then adamStep) to the bit; a read of the gradient, or the end of the step,
// writes it; zeroGrad drops it. Thread counts: threads.test.ts.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { initEngine, endStep, engine, freeAll } from "../src/engine.js";
import { Tensor } from "../src/tensor.js";
import { backward } from "../src/autograd/backward.js";
import { AdamW, Adam } from "../src/optim/adam.js";
import { SGD } from "../src/optim/sgd.js";
import type { Optimizer } from "../src/optim/optimizer.js";
import { ScrrambleMlp, SCRRAMBLE_MLP_DEFAULTS } from "../src/nn/scrramble-mlp.js";
import { randomArray } from "./helpers/reference.js";

initEngine();

// Slots of 5 values: row spans of 5, 10, 15 values, so the update's scalar tail runs too.
const make = () => new ScrrambleMlp({ ...SCRRAMBLE_MLP_DEFAULTS, cores: [2, 5, 4], coreSize: 20, slotSize: 5, init: "glorot-core" });
const B = 6;
const x = randomArray(B * 40, { s: 3 }, 0, 1);
const labels = Array.from({ length: B }, (_, i) => i % 10);

const lossOf = (m: ScrrambleMlp) => m.loss({ x: Tensor.from(x, [B, m.inputSize]), labels, training: true }).loss;
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
const cores = (m: ScrrambleMlp) => m.parameters().filter((p) => p.shape.length === 3);

/** 3 steps; eager reads every gradient after backward (writing it), as the library did before deferral. */
function train(opt: (m: ScrrambleMlp) => Optimizer, eager: boolean): Float32Array[] {
  freeAll();
  const m = make();
  const o = opt(m);
  for (let s = 0; s < 3; s++) {
    o.zeroGrad();
    backward(lossOf(m));
    if (eager) for (const p of m.parameters()) p.grad!.materialize();
    o.step();
    endStep();
  }
  return m.parameters().map((p) => p.toArray());
}

for (const [name, opt] of [
  ["AdamW", (m: ScrrambleMlp) => new AdamW(m.parameters(), { lr: 1e-2, weightDecay: 0.1, fuseGradients: true })],
  ["Adam (L2 decay)", (m: ScrrambleMlp) => new Adam(m.parameters(), { lr: 1e-2, weightDecay: 0.1, fuseGradients: true })],
] as const) {
  test(`${name} with fused gradients trains to the same bits as the eager gradients`, () => {
    const eager = train(opt, true);
    const fused = train(opt, false);
    eager.forEach((p, i) => assert.ok(same(p, fused[i]), `parameter ${i} differs`));
  });
}

test("SGD (no fusion) steps on deferred gradients as on eager ones", () => {
  const sgd = (m: ScrrambleMlp) => new SGD(m.parameters(), { lr: 0.05, momentum: 0.9 });
  const eager = train(sgd, true);
  const lazy = train(sgd, false);
  eager.forEach((p, i) => assert.ok(same(p, lazy[i]), `parameter ${i} differs`));
});

test("a fused step never writes the gradient buffer; the gradient reads right until endStep, then as zeros", () => {
  const fusedStep = () => {
    freeAll();
    const m = make();
    const opt = new AdamW(m.parameters(), { lr: 1e-2, fuseGradients: true });
    opt.zeroGrad();
    backward(lossOf(m));
    assert.ok(cores(m)[0].grad!.pendingWrite, "the backward pass deferred the core weights' gradient");
    opt.step();
    return cores(m)[0];
  };
  let w = fusedStep();
  const raw = new Float32Array(engine().memory.buffer, w.grad!.ptr, w.size);
  assert.ok(
    raw.every((v) => v === 0),
    "the fused update did not write the gradient buffer (still the memory's zeros)",
  );
  endStep();
  assert.ok(
    w.grad!.toArray().every((v) => v === 0),
    "after endStep the applied gradient is not kept",
  );

  // Read between the step and endStep: written then, the step's gradient.
  w = fusedStep();
  const read = w.grad!.toArray();
  endStep();
  freeAll();
  const m = make();
  backward(lossOf(m));
  const eager = cores(m)[0].grad!.toArray();
  endStep();
  assert.ok(same(read, eager), "the gradient read after the fused step is the step's gradient");
  assert.ok(read.some((v) => v !== 0));
});

test("the fused kernel with p = 0 (the bench's time of its GEMM) writes no weight, moment or verdict", () => {
  const opt = (m: ScrrambleMlp) => new AdamW(m.parameters(), { lr: 1e-2, weightDecay: 0.1, fuseGradients: true });
  const plain = train(opt, false);
  const e = engine();
  const k = e.k;
  let calls = 0;
  const f32 = (ptr: number, n: number) => new Float32Array(e.memory.buffer, ptr, n).slice();
  // (gy, ldgy, x, xStride, B, N, S, K, u0, u1, dstPtr, srcSlot, coef, p, m, v, ..., nonFinite at 24, scratch, next)
  const wrapped = (...a: number[]) => {
    const values = (a[9] / a[7]) * a[5] * a[5]; // cores (u1 / K) x N x N
    const before = [13, 14, 15].map((i) => f32(a[i], values));
    const verdict = new Int32Array(e.memory.buffer, a[24], 1);
    verdict[0] = 7;
    k.routedWeightGradAdam(...(a.map((v, i) => (i === 13 ? 0 : v)) as Parameters<typeof k.routedWeightGradAdam>));
    [13, 14, 15].forEach((i, j) => assert.ok(same(f32(a[i], values), before[j]), `argument ${i} changed`));
    assert.is(verdict[0], 7, "the verdict was left as it was");
    calls++;
    k.routedWeightGradAdam(...(a as Parameters<typeof k.routedWeightGradAdam>));
  };
  e.k = { ...k, routedWeightGradAdam: wrapped } as typeof k;
  let checked: Float32Array[];
  try {
    checked = train(opt, false);
  } finally {
    e.k = k;
  }
  assert.ok(calls >= 6, `the fused kernel ran with p = 0 before each update (${calls} calls)`);
  plain.forEach((p, i) => assert.ok(same(p, checked[i]), `parameter ${i} differs after the extra calls`));
});

test("gradients accumulate over steps: endStep writes a deferred gradient that no optimiser applied", () => {
  const run = (eager: boolean) => {
    freeAll();
    const m = make();
    const opt = new AdamW(m.parameters(), { lr: 1e-2, fuseGradients: true });
    opt.zeroGrad();
    for (let micro = 0; micro < 2; micro++) {
      backward(lossOf(m));
      if (eager) for (const p of m.parameters()) p.grad!.materialize();
      endStep(); // each micro-batch in its own step
    }
    const g = cores(m).map((p) => p.grad!.toArray());
    return { g, m };
  };
  const a = run(true).g;
  const b = run(false).g;
  a.forEach((v, i) => assert.ok(same(v, b[i]), `core weights ${i}: accumulated gradients differ`));
  const once = (() => {
    freeAll();
    const m = make();
    backward(lossOf(m));
    const g = cores(m).map((p) => p.grad!.toArray());
    endStep();
    return g;
  })();
  // Two equal micro-batches: twice the single gradient (each value sums the same two terms).
  once.forEach((v, i) =>
    assert.ok(
      same(
        Float32Array.from(v, (t) => t + t),
        b[i],
      ),
      `core weights ${i}: not twice one batch`,
    ),
  );
});

test("zeroGrad drops a deferred gradient; a later backward starts from zeros", () => {
  freeAll();
  const m = make();
  const opt = new AdamW(m.parameters(), { lr: 1e-2, fuseGradients: true });
  const w = cores(m)[1];
  backward(lossOf(m));
  opt.zeroGrad();
  assert.is(w.grad!.pendingWrite, null);
  assert.ok(w.grad!.toArray().every((v) => v === 0));
  endStep();
});

test("a fused update that leaves a weight non-finite is reported by name", () => {
  freeAll();
  const m = make();
  const opt = new AdamW(m.parameters(), { lr: 1e-2, fuseGradients: true });
  const w = cores(m)[0]; // the first layer: the NaNs it causes reach every later gradient too
  const v = w.toArray();
  v[v.length - 3] = Number.POSITIVE_INFINITY; // in a scalar tail of the last core's row
  w.set(v);
  opt.zeroGrad();
  backward(lossOf(m));
  opt.step();
  endStep();
  assert.is(opt.nonFinite, w.name);
  assert.ok(w.name.length > 0);
});

test("a persistent tensor reads zeros over fresh memory and over memory used before (freeAll)", () => {
  freeAll();
  const a = Tensor.persistent([1000]);
  assert.ok(a.toArray().every((v) => v === 0));
  a.set(new Float32Array(1000).fill(3));
  const s = Tensor.from(new Float32Array(5000).fill(4), [5000]);
  assert.is(s.toArray()[4999], 4);
  endStep();
  freeAll();
  const b = Tensor.persistent([6000]); // over a's and the step tensor's old bytes
  assert.ok(b.toArray().every((v) => v === 0));
  freeAll();
});

test.run();
