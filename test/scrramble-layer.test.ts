// The ScRRAMBLe layer op (routing gather + per-core GEMM, and its backward)
// against a naive reference built from the dense routing tensor, and by finite
// differences, over several core sizes, slot sizes and densities.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tensor } from "../src/tensor.js";
import { endStep, engine, sharedCounter } from "../src/engine.js";
import { routedScratchBytes } from "../src/wasm/abi.js";
import { generateRouting, denseRoutingTensor, routingFromArrays, type Routing } from "../src/routing/routing.js";
import { uploadRouting } from "../src/ops/routing-buffers.js";
import * as ops from "../src/ops/index.js";
import { backward } from "../src/autograd/backward.js";
import { parameter } from "../src/nn/parameter.js";
import { gradCheck, randomArray, sameBits } from "./helpers/reference.js";
import { noGrad } from "../src/autograd/tape.js";
import { ScrrambleMlp, SCRRAMBLE_MLP_DEFAULTS } from "../src/nn/scrramble-mlp.js";
import { loadCheckpoint, saveCheckpoint } from "../src/io/checkpoint.js";
import { loadModel, predict, predictBatch } from "../src/infer.js";

/** y[b, cj, :] = W[cj] . routed[b, cj, :], routed from the dense 4-D routing tensor. */
function naiveLayer(x: Float32Array, w: Float32Array, r: Routing, B: number, N: number): Float64Array {
  const K = r.slotsPerCore,
    S = N / K;
  const C = denseRoutingTensor(r); // [srcCores, K, dstCores, K]
  const y = new Float64Array(B * r.dstCores * N);
  for (let b = 0; b < B; b++)
    for (let cj = 0; cj < r.dstCores; cj++) {
      const routed = new Float64Array(N);
      for (let sj = 0; sj < K; sj++)
        for (let ci = 0; ci < r.srcCores; ci++)
          for (let si = 0; si < K; si++) {
            const c = C[((ci * K + si) * r.dstCores + cj) * K + sj];
            if (c === 0) continue;
            for (let m = 0; m < S; m++) routed[sj * S + m] += c * x[b * r.srcCores * N + ci * N + si * S + m];
          }
      for (let row = 0; row < N; row++) {
        let acc = 0;
        for (let col = 0; col < N; col++) acc += w[cj * N * N + row * N + col] * routed[col];
        y[b * r.dstCores * N + cj * N + row] = acc;
      }
    }
  return y;
}

const cases = [
  { src: 2, dst: 3, N: 8, S: 2, p: 0.3, B: 3 },
  { src: 1, dst: 2, N: 12, S: 3, p: 0.5, B: 2 },
  { src: 3, dst: 2, N: 16, S: 4, p: 0.1, B: 5 },
  { src: 2, dst: 2, N: 6, S: 6, p: 0.9, B: 2 },
  { src: 4, dst: 5, N: 32, S: 8, p: 0.2, B: 4 },
];

test("forward matches the naive dense-routing reference", () => {
  for (const [i, c] of cases.entries()) {
    endStep();
    const r = generateRouting({ srcCores: c.src, dstCores: c.dst, slotsPerCore: c.N / c.S, p: c.p, seed: 10 + i });
    const buffers = uploadRouting(r);
    const w = parameter([c.dst, c.N, c.N]);
    const seed = { s: 100 + i };
    w.set(randomArray(w.size, seed));
    const xv = randomArray(c.B * c.src * c.N, seed);
    const y = ops.scrrambleLayer(Tensor.from(xv, [c.B, c.src * c.N]), w, buffers).toArray();
    const ref = naiveLayer(xv, w.toArray(), r, c.B, c.N);
    for (let k = 0; k < y.length; k++) {
      if (Math.abs(y[k] - ref[k]) > 1e-4) assert.unreachable(`case ${i} [${k}]: ${y[k]} vs ${ref[k]}`);
    }
  }
});

test("gradients of x and W by central finite differences, including empty destination slots", () => {
  for (const [i, c] of cases.slice(0, 4).entries()) {
    endStep();
    const r = generateRouting({ srcCores: c.src, dstCores: c.dst, slotsPerCore: c.N / c.S, p: c.p, seed: 20 + i });
    const buffers = uploadRouting(r);
    const seed = { s: 7 + i };
    const wv = randomArray(c.dst * c.N * c.N, seed);
    const xv = randomArray(c.B * c.src * c.N, seed);
    const proj = randomArray(c.B * c.dst * c.N, seed);
    const x = Tensor.from(xv, [c.B, c.src * c.N]);
    x.requiresGrad = true;
    const w = Tensor.from(wv, [c.dst, c.N, c.N]);
    w.requiresGrad = true;
    const pr = Tensor.from(proj, [c.B, c.dst * c.N]);
    const res = gradCheck([x, w], () => ops.sum(ops.mul(ops.scrrambleLayer(x, w, buffers), pr)), { samples: 40 });
    assert.ok(res.ok, `case ${i}: ${JSON.stringify(res.worst)}`);
  }
});

/** Naive backward of the layer: dW[c] = gy_c^T . routed_c and dx = routing^T (gy_c . W[c]), in float64. */
function naiveLayerBackward(x: Float32Array, w: Float32Array, gy: Float32Array, r: Routing, B: number, N: number) {
  const K = r.slotsPerCore,
    S = N / K;
  const C = denseRoutingTensor(r);
  const dw = new Float64Array(r.dstCores * N * N);
  const dx = new Float64Array(B * r.srcCores * N);
  const ld = r.dstCores * N;
  for (let b = 0; b < B; b++)
    for (let cj = 0; cj < r.dstCores; cj++) {
      const routed = new Float64Array(N);
      const drouted = new Float64Array(N);
      for (let col = 0; col < N; col++)
        for (let row = 0; row < N; row++) drouted[col] += gy[b * ld + cj * N + row] * w[cj * N * N + row * N + col];
      for (let sj = 0; sj < K; sj++)
        for (let ci = 0; ci < r.srcCores; ci++)
          for (let si = 0; si < K; si++) {
            const c = C[((ci * K + si) * r.dstCores + cj) * K + sj];
            if (c === 0) continue;
            for (let m = 0; m < S; m++) {
              routed[sj * S + m] += c * x[b * r.srcCores * N + ci * N + si * S + m];
              dx[b * r.srcCores * N + ci * N + si * S + m] += c * drouted[sj * S + m];
            }
          }
      for (let row = 0; row < N; row++)
        for (let col = 0; col < N; col++) dw[cj * N * N + row * N + col] += gy[b * ld + cj * N + row] * routed[col];
    }
  return { dw, dx };
}

type LayerShape = { src: number; dst: number; N: number; S: number; p: number; B: number };

/** A layer of shape c: its routing (uploaded) from routingSeed, then W, x and the output gradient gy from dataSeed. */
function layerCase(c: LayerShape, routingSeed: number, dataSeed: number) {
  endStep();
  const r = generateRouting({ srcCores: c.src, dstCores: c.dst, slotsPerCore: c.N / c.S, p: c.p, seed: routingSeed });
  const buffers = uploadRouting(r);
  const seed = { s: dataSeed };
  const wv = randomArray(c.dst * c.N * c.N, seed);
  const xv = randomArray(c.B * c.src * c.N, seed);
  const gyv = randomArray(c.B * c.dst * c.N, seed);
  return { r, buffers, wv, xv, gyv };
}

/** y = the layer on x and W (both needing gradients), then backward of sum(y * gy): y, dW and dx. */
function runLayer(c: LayerShape, l: ReturnType<typeof layerCase>, o: Parameters<typeof ops.scrrambleLayer>[3] = {}) {
  const x = Tensor.from(l.xv, [c.B, c.src * c.N]);
  x.requiresGrad = true;
  const w = Tensor.from(l.wv, [c.dst, c.N, c.N]);
  w.requiresGrad = true;
  const y = ops.scrrambleLayer(x, w, l.buffers, o);
  const yv = y.toArray();
  backward(ops.sum(ops.mul(y, Tensor.from(l.gyv, [c.B, c.dst * c.N]))));
  return { y: yv, dw: w.grad!.toArray(), dx: x.grad!.toArray() };
}

test("wide slots (register blocks of 32 and 4 values, a scalar tail) and layers gathered in several chunks match the reference", () => {
  // S = 36 and 37: blocks of 32, then 4, then single values; B x N x 4 = 128 KiB: two cores per chunk, so 5 cores make 3 chunks.
  const wide = [
    { src: 2, dst: 3, N: 72, S: 36, p: 0.7, B: 6 },
    { src: 3, dst: 2, N: 74, S: 37, p: 0.5, B: 5 },
    { src: 3, dst: 5, N: 512, S: 64, p: 0.4, B: 64 },
    // rows of 33 cores of 256 (over 32 KB) whose every value the routes read more than once: each row is read in order first
    { src: 33, dst: 2, N: 256, S: 64, p: 0.5, B: 3 },
  ];
  for (const [i, c] of wide.entries()) {
    const l = layerCase(c, 50 + i, 60 + i);
    if (c.src === 33) assert.ok(l.r.srcSlot.length * c.S >= c.src * c.N, "the routes read fewer values than a row holds");
    const { y: yv, dw: gw, dx: gx } = runLayer(c, l);
    const yRef = naiveLayer(l.xv, l.wv, l.r, c.B, c.N);
    const tol = 1e-5 * c.N;
    for (let k = 0; k < yv.length; k++)
      if (Math.abs(yv[k] - yRef[k]) > tol) assert.unreachable(`case ${i} y[${k}]: ${yv[k]} vs ${yRef[k]}`);
    const { dw, dx } = naiveLayerBackward(l.xv, l.wv, l.gyv, l.r, c.B, c.N);
    for (let k = 0; k < gw.length; k++)
      if (Math.abs(gw[k] - dw[k]) > tol * 4) assert.unreachable(`case ${i} dW[${k}]: ${gw[k]} vs ${dw[k]}`);
    for (let k = 0; k < gx.length; k++)
      if (Math.abs(gx[k] - dx[k]) > tol * 4) assert.unreachable(`case ${i} dx[${k}]: ${gx[k]} vs ${dx[k]}`);
  }
});

test("gathering the whole layer first (the routed input kept for dW) gives the fused kernels' bits: y, dW and dx", () => {
  // S = 36: blocks of 32 and 4; 5 destination cores of 512 at batch 64: several chunks; p 0.9: many routes per slot
  const shapes = [
    { src: 2, dst: 3, N: 72, S: 36, p: 0.9, B: 6 },
    { src: 3, dst: 5, N: 512, S: 64, p: 0.4, B: 64 },
    { src: 4, dst: 2, N: 16, S: 4, p: 0.9, B: 3 },
  ];
  for (const [i, c] of shapes.entries()) {
    const l = layerCase(c, 70 + i, 80 + i);
    const run = (gatherFirst: boolean) => {
      endStep();
      const { y, dw, dx } = runLayer(c, l, { relu: i === 2, gatherFirst });
      return [y, dw, dx];
    };
    const [fused, first] = [run(false), run(true)];
    ["y", "dW", "dx"].forEach((what, j) => assert.ok(sameBits(fused[j], first[j]), `case ${i}: ${what} differs`));
    assert.ok(fused[1].some((v) => v !== 0) && fused[2].some((v) => v !== 0));
  }
});

test("inputs zero in every row (blank borders) are left out of the forward GEMMs with the same bits; dW as gemmTN's", () => {
  // the reference: routeGather of the whole layer, then gemmNT (y) and gemmTN (dW) per core, which
  // sum every term in the order of the routed kernels (zero columns included)
  const shapes = [
    { src: 3, dst: 4, N: 64, S: 16, p: 0.3, B: 64 },
    { src: 2, dst: 3, N: 48, S: 12, p: 0.4, B: 9 },
    { src: 4, dst: 50, N: 256, S: 64, p: 0.2, B: 64 },
  ];
  for (const [i, c] of shapes.entries()) {
    const l = layerCase(c, 90 + i, 95 + i);
    // each source slot's first 3 and last 2 values are 0 in every row (one of them -0), and source slot 1 is all 0
    for (let b = 0; b < c.B; b++)
      for (let j = 0; j < c.src * c.N; j++) {
        const m = j % c.S;
        if (m < 3 || m >= c.S - 2 || Math.floor(j / c.S) === 1) l.xv[b * c.src * c.N + j] = m === 0 && b % 2 ? -0 : 0;
      }
    const { y, dw } = runLayer(c, l);
    endStep();
    const e = engine();
    const k = e.k;
    const ld = c.dst * c.N,
      a = e.arena;
    const px = a.allocStep(l.xv.length * 4, "x"),
      pr = a.allocStep(c.B * ld * 4, "routed"),
      pw = a.allocStep(l.wv.length * 4, "W"),
      pg = a.allocStep(l.gyv.length * 4, "gy"),
      py = a.allocStep(c.B * ld * 4, "y"),
      pd = a.allocStep(l.wv.length * 4, "dW"),
      ps = a.allocStep(4 * (8 * Math.max(c.B, c.N) + 48), "scratch");
    const f32 = (p: number, n: number) => new Float32Array(e.memory.buffer, p, n);
    f32(px, l.xv.length).set(l.xv);
    f32(pw, l.wv.length).set(l.wv);
    f32(pg, l.gyv.length).set(l.gyv);
    const K = c.N / c.S;
    k.routeGather(pr, ld, px, c.src * c.N, c.B, c.S, c.dst * K, l.buffers.dstPtr, l.buffers.srcSlot, l.buffers.coef);
    const routed = f32(pr, c.B * ld).slice();
    for (let core = 0; core < c.dst; core++) {
      const o = core * c.N * 4,
        wo = core * c.N * c.N * 4;
      k.gemmNT(c.B, c.N, c.N, pr + o, ld, pw + wo, c.N, py + o, ld, 0, ps);
      k.gemmTN(c.N, c.N, c.B, pg + o, ld, pr + o, ld, pd + wo, c.N, 0, ps);
    }
    assert.ok(sameBits(y, f32(py, y.length)), `case ${i}: y`);
    assert.ok(sameBits(dw, f32(pd, dw.length)), `case ${i}: dW`);
    // on packed weights (a model prepared for inference): routedForwardPacked
    const coreBytes = k.packedBytes(c.N, c.N);
    const pp = a.allocStep(c.dst * coreBytes, "packed W"),
      py2 = a.allocStep(c.B * ld * 4, "y packed"),
      pscr = a.allocStep(routedScratchBytes(c.B, c.N), "routed scratch");
    for (let core = 0; core < c.dst; core++) k.packB(pw + core * c.N * c.N * 4, c.N, 1, c.N, c.N, pp + core * coreBytes);
    const { dstPtr, srcSlot, coef } = l.buffers;
    k.routedForwardPacked(py2, ld, px, c.src * c.N, pp, c.B, c.N, c.S, K, 0, c.dst, dstPtr, srcSlot, coef, 0, pscr, 0);
    assert.ok(sameBits(y, f32(py2, y.length)), `case ${i}: y on packed weights`);
    // some routed columns are zero in every row, and their dW columns are +0
    const zeroColumn = (col: number) => Array.from({ length: c.B }, (_, b) => routed[b * ld + col]).every((v) => v === 0);
    const cols = Array.from({ length: ld }, (_, col) => col).filter(zeroColumn);
    assert.ok(cols.length > ld / 20, `case ${i}: ${cols.length} of ${ld} routed columns are zero`);
    for (const col of cols) {
      const core = Math.floor(col / c.N),
        m = col % c.N;
      for (let row = 0; row < c.N; row++) assert.ok(Object.is(dw[core * c.N * c.N + row * c.N + m], 0), `case ${i}: dW column ${col}`);
    }
    endStep();
  }
});

test("the input gradient sums each dx in routeScatter's order, onto dx when accumulating; masked as reluBackward masks", () => {
  const k = engine().k;
  for (const [i, c] of [
    { src: 3, dst: 5, N: 72, S: 36, p: 0.6, B: 7 },
    { src: 4, dst: 2, N: 74, S: 37, p: 0.9, B: 5 },
  ].entries()) {
    endStep();
    const r = generateRouting({ srcCores: c.src, dstCores: c.dst, slotsPerCore: c.N / c.S, p: c.p, seed: 90 + i });
    const bu = uploadRouting(r);
    const seed = { s: 95 + i };
    const xs = c.src * c.N,
      ld = c.dst * c.N;
    const w = Tensor.from(randomArray(c.dst * c.N * c.N, seed), [c.dst, c.N, c.N]);
    const gy = Tensor.from(randomArray(c.B * ld, seed), [c.B, ld]);
    const start = randomArray(c.B * xs, seed);
    // a relu output's values: zeros of both signs, a NaN, negatives and positives
    const reluOut = Tensor.from(
      randomArray(c.B * xs, seed).map((v, j) => (j % 7 === 0 ? 0 : j % 11 === 0 ? -0 : j === 5 ? NaN : v)),
      [c.B, xs],
    );
    for (const [accumulate, mask] of [
      [0, 0],
      [1, 0],
      [0, reluOut.ptr],
    ]) {
      const dx = Tensor.from(start, [c.B, xs]);
      const want = Tensor.from(accumulate ? start : new Float32Array(c.B * xs), [c.B, xs]);
      const drouted = Tensor.empty([c.B, ld]);
      const scratch = engine().arena.allocStep(routedScratchBytes(c.B, c.N));
      const { srcPtr, dstSlot, coef } = bu.bySource;
      // rows in two calls sharing the cores' counters, run one after the other (the first takes every core)
      const next = sharedCounter(2);
      for (const [b0, b1] of [
        [0, 4],
        [4, c.B],
      ])
        k.routedInputGrad(
          dx.ptr,
          xs,
          drouted.ptr,
          gy.ptr,
          ld,
          w.ptr,
          b0,
          b1,
          c.B,
          c.N,
          c.S,
          c.dst,
          srcPtr,
          dstSlot,
          coef,
          accumulate,
          scratch,
          next,
          mask,
        );
      k.routeScatter(want.ptr, xs, drouted.ptr, ld, c.B, c.S, c.dst * (c.N / c.S), bu.dstPtr, bu.srcSlot, bu.coef);
      if (mask) k.reluBackward(want.ptr, mask, want.ptr, c.B * xs, 0);
      const got = dx.toArray(),
        ref = want.toArray();
      assert.ok(sameBits(got, ref), `case ${i}, accumulate ${accumulate}, mask ${mask !== 0}`);
      if (mask)
        assert.ok(
          got.some((v, j) => v === 0 && ref[j] === 0 && !(reluOut.data()[j] > 0)),
          "some values masked",
        );
      assert.ok(got.some((v, j) => v !== start[j]));
    }
  }
});

test("the fused relu: forward equals relu of the plain layer, gradients by finite differences", () => {
  for (const [i, c] of cases.slice(0, 4).entries()) {
    endStep();
    const r = generateRouting({ srcCores: c.src, dstCores: c.dst, slotsPerCore: c.N / c.S, p: c.p, seed: 30 + i });
    const buffers = uploadRouting(r);
    const seed = { s: 40 + i };
    const w = Tensor.from(randomArray(c.dst * c.N * c.N, seed), [c.dst, c.N, c.N]);
    w.requiresGrad = true;
    const x = Tensor.from(randomArray(c.B * c.src * c.N, seed), [c.B, c.src * c.N]);
    x.requiresGrad = true;
    const plain = ops.scrrambleLayer(x, w, buffers).toArray();
    const fused = ops.scrrambleLayer(x, w, buffers, { relu: true }).toArray();
    assert.equal(
      Array.from(fused),
      Array.from(plain, (v) => Math.max(v, 0)),
    );
    // eps 1e-3 is small against the pre-activations here, so no sampled perturbation crosses the kink at 0.
    const pr = Tensor.from(randomArray(c.B * c.dst * c.N, seed), [c.B, c.dst * c.N]);
    const res = gradCheck([x, w], () => ops.sum(ops.mul(ops.scrrambleLayer(x, w, buffers, { relu: true }), pr)), {
      samples: 40,
      eps: 1e-3,
    });
    assert.ok(res.ok, `case ${i}: ${JSON.stringify(res.worst)}`);
  }
});

test("a fused relu masked by the next layer's input gradient: relu as its own op's bits, other consumers before or after", () => {
  // h = layer 1 with its relu; layer 2 reads h (its input gradient writes dh masked when it writes first);
  // "before" / "after": another consumer of h recorded before or after layer 2 (its rule runs after or before).
  const c = { src: 2, dst: 3, N: 24, S: 6, p: 0.5, B: 6 };
  const r1 = generateRouting({ srcCores: c.src, dstCores: c.dst, slotsPerCore: c.N / c.S, p: c.p, seed: 61 });
  const r2 = generateRouting({ srcCores: c.dst, dstCores: 2, slotsPerCore: c.N / c.S, p: 0.7, seed: 62 });
  const seed = { s: 63 };
  const x0 = randomArray(c.B * c.src * c.N, seed);
  const w10 = randomArray(c.dst * c.N * c.N, seed);
  const w20 = randomArray(2 * c.N * c.N, seed);
  const p2 = randomArray(c.B * 2 * c.N, seed);
  const ph = randomArray(c.B * c.dst * c.N, seed);
  endStep();
  const b1 = uploadRouting(r1),
    b2 = uploadRouting(r2);
  const grads = (fused: boolean, other: "none" | "before" | "after") => {
    endStep();
    const x = Tensor.from(x0, [c.B, c.src * c.N]);
    x.requiresGrad = true;
    const w1 = Tensor.from(w10, [c.dst, c.N, c.N]);
    const w2 = Tensor.from(w20, [2, c.N, c.N]);
    w1.requiresGrad = w2.requiresGrad = true;
    const h = fused ? ops.scrrambleLayer(x, w1, b1, { relu: true }) : ops.relu(ops.scrrambleLayer(x, w1, b1));
    const side = () => ops.sum(ops.mul(h, Tensor.from(ph, h.shape)));
    const first = other === "before" ? side() : null;
    const y = ops.sum(ops.mul(ops.scrrambleLayer(h, w2, b2), Tensor.from(p2, [c.B, 2 * c.N])));
    const last = other === "after" ? side() : null;
    const loss = first ? ops.add(first, y) : last ? ops.add(y, last) : y;
    backward(loss);
    return [x, w1, w2].map((t) => t.grad!.toArray());
  };
  for (const other of ["none", "before", "after"] as const) {
    const want = grads(false, other);
    const got = grads(true, other);
    ["dx", "dW1", "dW2"].forEach((name, i) => assert.ok(sameBits(got[i], want[i]), `${name}, other consumer ${other}`));
    assert.ok(want[0].some((v) => v !== 0));
  }
});

test("prepareInference packs the weights: the same scores, and stale packs are ignored after the weights change", () => {
  endStep();
  const m = new ScrrambleMlp({ ...SCRRAMBLE_MLP_DEFAULTS, cores: [2, 3, 10], coreSize: 16, slotSize: 4, init: "glorot-core" });
  const x = randomArray(6 * m.inputSize, { s: 3 }, 0, 1);
  const scores = () =>
    noGrad(() => {
      const s = m.scores(Tensor.from(x, [6, m.inputSize])).toArray();
      endStep();
      return s;
    });
  const plain = scores();
  m.prepareInference();
  assert.ok(m.layers.every((l) => l.packed && l.packed.version === l.weight.version));
  assert.equal(scores(), plain, "packed weights give the same scores to the bit (6 rows)");
  // Change the weights behind the pack: the forward must not use it.
  m.layers[0].weight.set(randomArray(m.layers[0].weight.size, { s: 9 }));
  const fresh = scores();
  assert.not.equal(fresh, plain);
  const again = new ScrrambleMlp({ ...m.config });
  again.layers.forEach((l, i) => l.weight.set(m.layers[i].weight.toArray()));
  assert.equal(
    noGrad(() => {
      const s = again.scores(Tensor.from(x, [6, m.inputSize])).toArray();
      endStep();
      return s;
    }),
    fresh,
  );
});

test("loadModel returns the checkpoint's model prepared for inference: the same predictions", () => {
  endStep();
  const m = new ScrrambleMlp({ ...SCRRAMBLE_MLP_DEFAULTS, cores: [2, 3, 10], coreSize: 16, slotSize: 4, init: "glorot-core" });
  const bytes = saveCheckpoint(m);
  const loaded = loadModel(bytes) as ScrrambleMlp;
  assert.ok(
    loaded.layers.every((l) => l.packed && l.packed.version === l.weight.version),
    "weights packed",
  );
  const plain = loadCheckpoint(bytes, "checkpoint").model as ScrrambleMlp;
  assert.ok(
    plain.layers.every((l) => !l.packed),
    "loadCheckpoint leaves them as they are",
  );
  const px = Uint8Array.from(randomArray(6 * 32, { s: 4 }, 0, 255), (v) => Math.floor(v));
  // 6 rows: the same sums in the same order; 1 row: the packed GEMV sums in another order (rounding only)
  const g = { height: 4, width: 8, channels: 1 }; // 32 inputs
  assert.equal(predictBatch(loaded, px, 6, g).scores, predictBatch(plain, px, 6, g).scores);
  const a = predict(loaded, px.subarray(0, 32), g).scores,
    b = predict(plain, px.subarray(0, 32), g).scores;
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-5 * Math.max(1, Math.abs(b[i])), `score ${i}: ${v} vs ${b[i]}`));
});

test("a routing where a destination slot receives nothing gives zero there and zero gradient back", () => {
  endStep();
  // 1 source core, 1 destination core, 2 slots: slot 0 gets x[slot 0] - x[slot 1], slot 1 gets nothing.
  const r = routingFromArrays({ srcCores: 1, dstCores: 1, slotsPerCore: 2, dstPtr: [0, 2, 2], srcSlot: [0, 1], coef: [1, -1] });
  const buffers = uploadRouting(r);
  const N = 4;
  const w = Tensor.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], [1, N, N]); // identity: y = routed
  const x = Tensor.from([5, 6, 2, 1], [1, N]);
  x.requiresGrad = true;
  const y = ops.scrrambleLayer(x, w, buffers);
  assert.equal(Array.from(y.toArray()), [3, 5, 0, 0]);
  backward(ops.sum(y));
  assert.equal(Array.from(x.grad!.toArray()), [1, 1, -1, -1]);
});

test("shape errors name the layer's expectation", () => {
  endStep();
  const r = generateRouting({ srcCores: 2, dstCores: 1, slotsPerCore: 2, p: 0.5, seed: 1 });
  const b = uploadRouting(r);
  const w = Tensor.zeros([1, 8, 8]);
  assert.throws(() => ops.scrrambleLayer(Tensor.zeros([3, 8]), w, b), /must be \[B, 16\]/);
  assert.throws(() => ops.scrrambleLayer(Tensor.zeros([3, 16]), Tensor.zeros([2, 8, 8]), b), /must be \[1, N, N\]/);
});

test.run();
