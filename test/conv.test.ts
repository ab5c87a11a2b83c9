// The convolution op against a float64 reference (3 x 3 and 1 x 1, image edges, chunk boundaries,
// partial register tiles), its weight, bias and input gradients by central finite differences, the
// kernels' chunked sums, and shape errors.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tensor } from "../src/tensor.js";
import { endStep, engine, withScratch } from "../src/engine.js";
import * as ops from "../src/ops/index.js";
import { convolveWeightGrad, setWinograd, usesWinograd } from "../src/conv.js";
import { backward } from "../src/autograd/backward.js";
import { gradCheck, maxAbsDiff, naiveConv2d, randomArray } from "./helpers/reference.js";

const seed = { s: 21 };

function leaf(shape: number[], lo = -1, hi = 1): Tensor {
  const t = Tensor.from(
    randomArray(
      shape.reduce((a, b) => a * b, 1),
      seed,
      lo,
      hi,
    ),
    shape,
  );
  t.requiresGrad = true;
  return t;
}

function project(out: Tensor): Tensor {
  return ops.sum(ops.mul(out, Tensor.from(randomArray(out.size, { s: 7 }), out.shape)));
}

test.after.each(() => endStep());

test("conv2d forward matches the float64 reference: 3x3 and 1x1, with and without bias, odd sizes", () => {
  for (const [B, H, W, F, G, R, withBias] of [
    [2, 5, 7, 3, 5, 3, true],
    [1, 4, 4, 8, 16, 3, false],
    [3, 6, 5, 13, 9, 1, true],
    [2, 3, 3, 2, 11, 5, false],
  ] as const) {
    const x = randomArray(B * H * W * F, seed),
      w = randomArray(R * R * F * G, seed),
      b = randomArray(G, seed);
    const y = ops.conv2d(Tensor.from(x, [B, H, W, F]), Tensor.from(w, [R, R, F, G]), withBias ? Tensor.from(b, [G]) : undefined);
    assert.equal(y.shape, [B, H, W, G]);
    const ref = naiveConv2d(x, w, withBias ? b : null, B, H, W, F, G, R);
    assert.ok(maxAbsDiff(y.toArray(), ref) < 1e-5 * R * R * F, `${[B, H, W, F, G, R]}: ${maxAbsDiff(y.toArray(), ref)}`);
    endStep();
  }
});

test("the forward kernel gives the same bits for any chunk of pixels and any split", () => {
  const [B, H, W, F, G, R] = [2, 9, 7, 6, 10, 3];
  const x = Tensor.from(randomArray(B * H * W * F, seed), [B, H, W, F]);
  const w = Tensor.from(randomArray(R * R * F * G, seed), [R, R, F, G]);
  const whole = ops.conv2d(x, w).toArray();
  const k = engine().k;
  const Q = B * H * W;
  for (const [chunk, split] of [
    [4, 37],
    [12, 64],
    [5, 1],
  ]) {
    const y = Tensor.zeros([B, H, W, G]);
    withScratch(() => {
      const panels = engine().arena.allocStep(k.packedBytes(R * R * F, G));
      k.packB(w.ptr, G, 0, R * R * F, G, panels);
      const scratch = engine().arena.allocStep(k.convForwardScratchBytes(F, R, chunk));
      k.conv2dForward(y.ptr, x.ptr, panels, 0, H, W, F, G, R, 0, split, chunk, 0, scratch);
      k.conv2dForward(y.ptr, x.ptr, panels, 0, H, W, F, G, R, split, Q, chunk, 0, scratch);
    });
    assert.ok(
      y.toArray().every((v, i) => v === whole[i]),
      `chunk ${chunk}, split ${split}`,
    );
  }
});

test("the weight gradient kernel: any split of the weight rows gives the same bits; chunk sums match float64", () => {
  const [B, H, W, F, G, R] = [3, 10, 10, 5, 7, 3]; // 300 pixels: a full chunk of 256 and a partial one
  const x = Tensor.from(randomArray(B * H * W * F, seed), [B, H, W, F]);
  const dy = Tensor.from(randomArray(B * H * W * G, seed), [B, H, W, G]);
  const s = { B, H, W, F, G, R };
  const dw = Tensor.zeros([R, R, F, G]);
  convolveWeightGrad(dw.ptr, x.ptr, dy.ptr, s);
  // Reference: dw[tap, f, g] = sum over pixels of x at the tap times dy.
  const xs = x.toArray(),
    ds = dy.toArray();
  const ref = new Float64Array(R * R * F * G);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++)
        for (let ky = 0; ky < R; ky++)
          for (let kx = 0; kx < R; kx++) {
            const si = i + ky - 1,
              sj = j + kx - 1;
            if (si < 0 || si >= H || sj < 0 || sj >= W) continue;
            for (let f = 0; f < F; f++)
              for (let g = 0; g < G; g++)
                ref[((ky * R + kx) * F + f) * G + g] += xs[((b * H + si) * W + sj) * F + f] * ds[((b * H + i) * W + j) * G + g];
          }
  assert.ok(maxAbsDiff(dw.toArray(), ref) < 1e-3, `${maxAbsDiff(dw.toArray(), ref)}`);
  const k = engine().k;
  const RRF = R * R * F;
  for (const cut of [8, 16, 40]) {
    const dw2 = Tensor.zeros([R, R, F, G]);
    withScratch(() => {
      const scratch = engine().arena.allocStep(k.convWeightScratchBytes(RRF, G, R, 256));
      k.conv2dBackwardWeight(dw2.ptr, x.ptr, dy.ptr, B * H * W, H, W, F, G, R, 0, cut, 256, scratch);
      k.conv2dBackwardWeight(dw2.ptr, x.ptr, dy.ptr, B * H * W, H, W, F, G, R, cut, RRF, 256, scratch);
    });
    const a = dw.toArray();
    assert.ok(
      dw2.toArray().every((v, i) => v === a[i]),
      `rows split at ${cut}`,
    );
  }
});

test("conv2d gradients (input, weight, bias) by central finite differences: 3x3 and 1x1", () => {
  for (const [B, H, W, F, G, R] of [
    [2, 4, 5, 3, 4, 3],
    [2, 3, 3, 5, 6, 1],
  ]) {
    const x = leaf([B, H, W, F]),
      w = leaf([R, R, F, G], -0.5, 0.5),
      b = leaf([G]);
    const r = gradCheck([x, w, b], () => project(ops.conv2d(x, w, b)));
    assert.ok(r.ok, `R=${R}: worst ${JSON.stringify(r.worst)}`);
    endStep();
  }
});

test("conv2d input gradient matches the float64 transposed convolution on a larger case", () => {
  const [B, H, W, F, G, R] = [2, 8, 6, 7, 12, 3];
  const x = leaf([B, H, W, F]),
    w = leaf([R, R, F, G]);
  const gyv = randomArray(B * H * W * G, seed);
  const y = ops.conv2d(x, w);
  backward(ops.sum(ops.mul(y, Tensor.from(gyv, y.shape))));
  const xs = x.toArray(),
    ws = w.toArray();
  // d loss / d x[p] = sum over the outputs reading p of gy times the weight of that tap.
  const ref = new Float64Array(xs.length);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++)
        for (let ky = 0; ky < R; ky++)
          for (let kx = 0; kx < R; kx++) {
            const si = i + ky - 1,
              sj = j + kx - 1;
            if (si < 0 || si >= H || sj < 0 || sj >= W) continue;
            for (let f = 0; f < F; f++)
              for (let g = 0; g < G; g++)
                ref[((b * H + si) * W + sj) * F + f] += gyv[((b * H + i) * W + j) * G + g] * ws[((ky * R + kx) * F + f) * G + g];
          }
  assert.ok(maxAbsDiff(x.grad!.toArray(), ref) < 1e-4, `${maxAbsDiff(x.grad!.toArray(), ref)}`);
});

test("Winograd F(2x2, 3x3) (16+ channels) matches the float64 reference, odd sizes included, and im2col within round-off", () => {
  for (const [B, H, W, F, G] of [
    [2, 5, 7, 16, 20],
    [1, 8, 8, 32, 16],
    [3, 1, 3, 16, 16],
  ]) {
    assert.ok(usesWinograd({ F, G, R: 3 }));
    const x = randomArray(B * H * W * F, seed),
      w = randomArray(9 * F * G, seed, -0.3, 0.3),
      b = randomArray(G, seed);
    const run = () => ops.conv2d(Tensor.from(x, [B, H, W, F]), Tensor.from(w, [3, 3, F, G]), Tensor.from(b, [G])).toArray();
    const wino = run();
    const prev = setWinograd(false);
    const direct = run();
    setWinograd(prev);
    const ref = naiveConv2d(x, w, b, B, H, W, F, G, 3);
    assert.ok(maxAbsDiff(wino, ref) < 2e-5 * 9 * F, `${[B, H, W, F, G]}: ${maxAbsDiff(wino, ref)}`);
    assert.ok(maxAbsDiff(wino, direct) < 2e-5 * 9 * F);
    endStep();
  }
  assert.not.ok(usesWinograd({ F: 8, G: 16, R: 3 }) || usesWinograd({ F: 18, G: 16, R: 3 }) || usesWinograd({ F: 16, G: 16, R: 1 }));
});

test("Winograd forward and input gradient by central finite differences", () => {
  const x = leaf([2, 3, 4, 16]),
    w = leaf([3, 3, 16, 16], -0.3, 0.3),
    b = leaf([16]);
  const r = gradCheck([x, w, b], () => project(ops.conv2d(x, w, b)));
  assert.ok(r.ok, `worst ${JSON.stringify(r.worst)}`);
});

test("conv2d shape errors name the problem", () => {
  assert.throws(() => ops.conv2d(Tensor.zeros([2, 4, 4]), Tensor.zeros([3, 3, 4, 2])), /must be \[B, H, W, F\]/);
  assert.throws(() => ops.conv2d(Tensor.zeros([1, 4, 4, 3]), Tensor.zeros([3, 3, 2, 2])), /must be \[R, R, 3, G\]/);
  assert.throws(() => ops.conv2d(Tensor.zeros([1, 4, 4, 3]), Tensor.zeros([2, 2, 3, 2])), /odd R/);
  assert.throws(() => ops.conv2d(Tensor.zeros([1, 4, 4, 3]), Tensor.zeros([1, 1, 3, 2]), Tensor.zeros([3])), /bias \[3\] must be \[2\]/);
});

test.run();
