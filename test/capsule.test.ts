// The capsule kernels against their scalar definitions, bit for bit: the lengths and
// norms (each capsule's squares summed in f64, in order) and the margin loss's
// gradient (k v per value in f32), over capsule counts odd and even, capsule sizes
// that are and are not multiples of 4, and zero capsules.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tensor } from "../src/tensor.js";
import { endStep } from "../src/engine.js";
import { backward } from "../src/autograd/backward.js";
import * as ops from "../src/ops/index.js";
import { randomArray, sameBits } from "./helpers/reference.js";

const EPS = 1e-8;

/** Sum of squares, norm and length of each capsule of y [B, L, D], as the scalar kernel computes them. */
function scalarLengths(y: Float32Array, n: number, D: number) {
  const sums = new Float64Array(n),
    norms = new Float32Array(n),
    lengths = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += y[i * D + d] * y[i * D + d];
    const r = Math.sqrt(s);
    sums[i] = s;
    norms[i] = r;
    lengths[i] = (s / (1 + s)) * (r / (r + EPS));
  }
  return { sums, norms, lengths };
}

/** d(mean margin loss)/dy with the defaults (m+ 0.9, m- 0.1, lambda 0.5, all f32), as the scalar kernel computes it. */
function scalarMarginGrad(y: Float32Array, labels: number[], L: number, D: number): Float32Array {
  const B = labels.length;
  const { norms, lengths } = scalarLengths(y, B * L, D);
  const [mPlus, mMinus, lambda] = [0.9, 0.1, 0.5].map(Math.fround);
  const s = 1 / B;
  const dy = new Float32Array(y.length);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < L; c++) {
      const i = b * L + c;
      const len = lengths[i],
        n = norms[i];
      const dL = c === labels[b] ? -2 * Math.max(0, mPlus - len) : 2 * lambda * Math.max(0, len - mMinus);
      if (dL === 0 || n === 0) continue; // zeros
      const n2 = n * n;
      const f = n2 / (1 + n2),
        h = n / (n + EPS);
      const df = (2 * n) / ((1 + n2) * (1 + n2)),
        dh = EPS / ((n + EPS) * (n + EPS));
      const k = Math.fround((s * dL * (df * h + f * dh)) / n);
      for (let d = 0; d < D; d++) dy[i * D + d] = 0 + Math.fround(k * y[i * D + d]);
    }
  return dy;
}

test("capsule lengths, norms and the margin loss's gradient have the bits of their scalar definitions", () => {
  for (const [j, [B, L, D]] of [
    [3, 5, 8], // 15 capsules: pairs, then one alone
    [4, 10, 256], // the default model's head
    [2, 3, 6], // a size that is not a multiple of 4
    [1, 1, 4], // one capsule
  ].entries()) {
    endStep();
    const seed = { s: 300 + j };
    const yv = randomArray(B * L * D, seed);
    if (B * L > 1) yv.fill(0, 0, D); // a zero capsule
    const labels = Array.from({ length: B }, (_, b) => (b * 7 + j) % L);
    const ref = scalarLengths(yv, B * L, D);
    const lengths = ops.capsuleLengths(Tensor.from(yv, [B, L * D]), L).toArray();
    assert.ok(sameBits(lengths, ref.lengths), `case ${j}: lengths`);
    const y = Tensor.from(yv, [B, L * D]);
    y.requiresGrad = true;
    const { loss, lengths: again } = ops.capsuleMarginLoss(y, labels, L);
    assert.ok(sameBits(again.toArray(), ref.lengths), `case ${j}: the loss's lengths`);
    backward(loss);
    const dy = y.grad!.toArray();
    const want = scalarMarginGrad(yv, labels, L, D);
    assert.ok(sameBits(dy, want), `case ${j}: dy`);
    assert.ok(
      want.some((v) => v !== 0),
      `case ${j}: the gradient is not all zero`,
    );
  }
  endStep(); // the next test file may make persistent tensors
});

test.run();
