// One backward rule per op, each adding into its inputs' gradients (kernels
// accumulate). Typed as RuleTable: an op without a rule fails tsc.
// Straight-through and subgradient choices are stated in a NOTE above the rule.

import { alignedRanges, engine, parallel, parallelRanges, sharedCounter } from "../engine.js";
import { gemm } from "../gemm.js";
import { convolveInputGrad, convolveWeightGrad, imageCalls } from "../conv.js";
import { batchNormBackward } from "../batchnorm.js";
import { ROUTED_SCRATCH_ARG, routedAdamScratchBytes, routedScratchBytes } from "../wasm/abi.js";
import type { Tensor } from "../tensor.js";
import type { RuleTable } from "./types.js";
import type { KernelCall } from "../wasm/pool.js";
import { gradInto, gradLater, gradOf, isReluMasked, markReluMasked } from "./grad.js";
import { isReluOutput } from "./tape.js";

const k = () => engine().k;

export const rules: RuleTable = {
  matmul(node, gy) {
    const [a, b] = node.inputs;
    const [M, I] = a.shape;
    const J = b.shape[1];
    if (a.requiresGrad) gemmInto(a, (da, acc) => gemm("gemmNT", M, I, J, gy.ptr, J, b.ptr, J, da, I, acc)); // da [M, I] += gy [M, J] . b^T
    if (b.requiresGrad) gemmInto(b, (db, acc) => gemm("gemmTN", I, J, M, a.ptr, I, gy.ptr, J, db, J, acc)); // db [I, J] += a^T . gy
  },

  linear(node, gy) {
    const [x, w, bias] = node.inputs;
    const [B, I] = x.shape;
    const O = w.shape[0];
    if (x.requiresGrad) gemmInto(x, (dx, acc) => gemm("gemmNN", B, I, O, gy.ptr, O, w.ptr, I, dx, I, acc)); // dx += gy . w
    if (w.requiresGrad) gemmInto(w, (dw, acc) => gemm("gemmTN", O, I, B, gy.ptr, O, x.ptr, I, dw, I, acc)); // dw += gy^T . x
    if (bias?.requiresGrad) {
      const { grad, accumulate } = gradInto(bias);
      k().sumRows(grad.ptr, gy.ptr, B, O, accumulate);
    }
  },

  add(node, gy) {
    const [a, b] = node.inputs;
    if (a.requiresGrad) k().scaleAcc(gradOf(a).ptr, gy.ptr, 1, a.size);
    if (b.requiresGrad) {
      if (node.saved.broadcast) k().sumRows(gradOf(b).ptr, gy.ptr, a.size / b.size, b.size, 1);
      else k().scaleAcc(gradOf(b).ptr, gy.ptr, 1, b.size);
    }
  },

  sub(node, gy) {
    const [a, b] = node.inputs;
    if (a.requiresGrad) k().scaleAcc(gradOf(a).ptr, gy.ptr, 1, a.size);
    if (b.requiresGrad) k().scaleAcc(gradOf(b).ptr, gy.ptr, -1, b.size);
  },

  mul(node, gy) {
    const [a, b] = node.inputs;
    if (a.requiresGrad) k().mulAcc(gradOf(a).ptr, gy.ptr, b.ptr, a.size);
    if (b.requiresGrad) k().mulAcc(gradOf(b).ptr, gy.ptr, a.ptr, b.size);
  },

  scale(node, gy) {
    const [a] = node.inputs;
    k().scaleAcc(gradOf(a).ptr, gy.ptr, node.saved.s, a.size);
  },

  // NOTE: subgradient 0 at x = 0.
  relu(node, gy) {
    reluBackward(node.inputs[0], gy);
  },

  // NOTE: straight-through estimator: the floor and the clip at max pass the
  // gradient unchanged; only the relu (x <= 0) blocks it.
  qrelu(node, gy) {
    reluBackward(node.inputs[0], gy);
  },

  // NOTE: clipped straight-through estimator (the reference's BinarySTE): the
  // step's true derivative is 0 almost everywhere; the surrogate is 1 where
  // |x| < width, 0 elsewhere.
  binaryStep(node, gy) {
    const [x] = node.inputs;
    const dx = gradOf(x).ptr;
    const w = node.saved.width;
    parallelRanges(x.size, (lo, hi) => ["binaryStepBackward", dx + lo * 4, x.ptr + lo * 4, gy.ptr + lo * 4, hi - lo, w]);
  },

  sigmoid(node, gy) {
    const [x] = node.inputs;
    k().sigmoidBackward(gradOf(x).ptr, node.out.ptr, gy.ptr, x.size);
  },

  reshape(node, gy) {
    const [a] = node.inputs;
    k().scaleAcc(gradOf(a).ptr, gy.ptr, 1, a.size);
  },

  sum(node, gy) {
    const [a] = node.inputs;
    addScalarBroadcast(gradOf(a), gy, 1);
  },

  mean(node, gy) {
    const [a] = node.inputs;
    addScalarBroadcast(gradOf(a), gy, 1 / a.size);
  },

  softmaxCrossEntropy(node, gy) {
    const [logits] = node.inputs;
    const s = node.saved;
    k().softmaxCrossEntropyBackward(gradOf(logits).ptr, s.probs, s.labels, s.B, s.L, gy.item());
  },

  mse(node, gy) {
    const [a, b] = node.inputs;
    const da = a.requiresGrad ? gradOf(a).ptr : 0;
    const db = b.requiresGrad ? gradOf(b).ptr : 0;
    k().mseBackward(da, db, a.ptr, b.ptr, a.size, gy.item());
  },

  capsuleMargin(node, gy) {
    const [y] = node.inputs;
    const s = node.saved;
    const { grad, accumulate } = gradInto(y);
    const g = gy.item();
    parallelRanges(
      s.B,
      (b0, b1) => [
        "marginLossBackward",
        grad.ptr,
        y.ptr,
        s.norms,
        s.lengths,
        s.labels,
        s.B,
        s.L,
        s.D,
        s.mPlus,
        s.mMinus,
        s.lambda,
        g,
        b0,
        b1,
        accumulate,
      ],
      { align: 1, minItems: Math.ceil(65536 / (s.L * s.D)) },
    );
  },

  // dW by destination slots, dx by batch rows: each output element sums its
  // terms in the same order whatever the split (kernels in assembly/routed.ts).
  scrramble(node, gy) {
    const [x, w] = node.inputs;
    const { routing, B, relu, routed } = node.saved;
    const { srcCores, dstCores: C, slotsPerCore: K } = routing;
    // NOTE: the fused relu's subgradient is 0 at 0; its mask comes from the output
    // (max(0, y) > 0 exactly where y > 0) and is applied to gy in place, unless the
    // only rule that wrote gy (the next layer's input gradient) applied it already.
    if (relu && !isReluMasked(gy)) {
      const out = node.out;
      parallelRanges(gy.size, (lo, hi) => ["reluBackward", gy.ptr + lo * 4, out.ptr + lo * 4, gy.ptr + lo * 4, hi - lo, 0]);
    }
    const N = w.shape[1];
    const S = N / K;
    const ld = C * N;
    const scratchBytes = routedScratchBytes(B, N);
    if (w.requiresGrad) {
      const { dstPtr, srcSlot, coef } = routing;
      // by destination slots: on T threads, the same call on each, taking slots from a shared
      // counter (a faster thread takes more); each dW column is computed the same way whoever takes it.
      // With the routed input kept by the forward, the kernels read it (dstPtr 0) instead of gathering.
      // the arguments both kernels take after their output (dW, or AdamW's): gy, then the input
      // (calls are put together with concat: a spread in these closures makes an iterator per call)
      const slots = routed
        ? [gy.ptr, ld, routed.ptr, ld, B, N, S, K, 0, C * K, 0, 0, 0]
        : [gy.ptr, ld, x.ptr, srcCores * N, B, N, S, K, 0, C * K, dstPtr, srcSlot, coef];
      const calls = (make: (next: number) => KernelCall): KernelCall[] => {
        const T = engine().threads;
        if (T === 1 || C < 2) return [make(0)];
        const next = sharedCounter();
        const list: KernelCall[] = [];
        for (let t = 0; t < T; t++) list.push(make(next));
        return list;
      };
      // Deferred: an optimiser with fuseGradients computes it core by core inside its update.
      gradLater(w, {
        applied: false,
        write(grad, accumulate) {
          gy.check();
          (routed ?? x).check();
          const list = calls((next) => ["routedWeightGrad", grad.ptr].concat(slots, accumulate, 0, next) as KernelCall);
          parallel(list, ROUTED_SCRATCH_ARG.routedWeightGrad, scratchBytes);
        },
        adam(update, flags) {
          gy.check();
          (routed ?? x).check();
          let n = 0;
          const list = calls(
            (next) => (["routedWeightGradAdam"] as (string | number)[]).concat(slots, update, flags + 4 * n++, 0, next) as KernelCall,
          );
          parallel(list, ROUTED_SCRATCH_ARG.routedWeightGradAdam, routedAdamScratchBytes(B, N));
          return n;
        },
      });
    }
    if (x.requiresGrad) {
      const { grad, accumulate } = gradInto(x);
      const { srcPtr, dstSlot, coef } = routing.bySource;
      // x a fused relu's output, and dx written here first: the relu's mask applied as dx is written
      const mask = accumulate === 0 && isReluOutput(x) ? x.ptr : 0;
      // one call per thread: the cores' gy . W into drouted (cores taken from a shared counter,
      // over all rows), then each call gathers its rows of dx from it once all cores are done
      const drouted = engine().arena.allocStep(B * ld * 4, "routed input gradient");
      const rows = alignedRanges(B, B >= 8 ? engine().threads : 1, 4);
      const next = rows.length > 1 ? sharedCounter(2) : 0; // next core, cores done
      const list = rows.map(([b0, b1]): KernelCall => [
        "routedInputGrad",
        grad.ptr,
        srcCores * N,
        drouted,
        gy.ptr,
        ld,
        w.ptr,
        b0,
        b1,
        B,
        N,
        S,
        C,
        srcPtr,
        dstSlot,
        coef,
        accumulate,
        0,
        next,
        mask,
      ]);
      parallel(list, ROUTED_SCRATCH_ARG.routedInputGrad, scratchBytes);
      if (mask) markReluMasked(grad);
    }
  },

  conv2d(node, gy) {
    const [x, w, bias] = node.inputs;
    const s = node.saved;
    if (w.requiresGrad) convolveWeightGrad(gradOf(w).ptr, x.ptr, gy.ptr, s); // dw [R R F, G] += col(x)^T . gy
    if (bias?.requiresGrad) k().sumRows(gradOf(bias).ptr, gy.ptr, s.B * s.H * s.W, s.G, 1);
    if (x.requiresGrad) convolveInputGrad(gradOf(x).ptr, gy.ptr, w.ptr, s); // dx += conv(gy, flipped w^T)
  },

  // NOTE: with the fused relu, the gradient is blocked where the output is 0 (subgradient 0 at the kink).
  // Batch statistics are differentiated through (mean and variance depend on x); running ones are constants.
  batchNorm(node, gy) {
    const [x, gamma, beta] = node.inputs;
    const s = node.saved;
    batchNormBackward(
      x.requiresGrad ? gradOf(x).ptr : 0,
      gamma.requiresGrad ? gradOf(gamma).ptr : 0,
      beta.requiresGrad ? gradOf(beta).ptr : 0,
      gy.ptr,
      {
        ...s,
        x: x.ptr,
        y: node.out.ptr,
        gamma: gamma.ptr,
      },
    );
  },

  layerNorm(node, gy) {
    const [x, gamma, beta] = node.inputs;
    const { mean, rstd, B, D } = node.saved;
    const g = (t: Tensor) => (t.requiresGrad ? gradOf(t).ptr : 0);
    k().layerNormBackward(g(x), g(gamma), g(beta), gy.ptr, x.ptr, mean, rstd, gamma.ptr, B, D);
  },

  // NOTE: ties in a window send the whole gradient to the first maximal element (row-major order).
  maxPool2d(node, gy) {
    const [x] = node.inputs;
    const [B, H, W, F] = x.shape;
    const q = (H * W * F) / 4;
    const ptrs = [gradOf(x).ptr, gy.ptr, x.ptr, node.out.ptr].map((ptr, i) => ({ ptr, perImage: i % 2 === 0 ? 4 * q : q }));
    parallel(imageCalls("maxPool2Backward", ptrs, B, H, W, F));
  },

  avgPool2d(node, gy) {
    const [x] = node.inputs;
    const [B, H, W, F] = x.shape;
    const q = (H * W * F) / 4;
    parallel(
      imageCalls(
        "avgPool2Backward",
        [
          { ptr: gradOf(x).ptr, perImage: 4 * q },
          { ptr: gy.ptr, perImage: q },
        ],
        B,
        H,
        W,
        F,
      ),
    );
  },

  // NOTE: out = relu(a + b) is 0 exactly where a + b <= 0, so the output masks the gradient (subgradient 0).
  addRelu(node, gy) {
    const [a, b] = node.inputs;
    const out = node.out;
    for (const t of [a, b]) {
      if (!t.requiresGrad) continue;
      const { grad, accumulate } = gradInto(t);
      parallelRanges(t.size, (lo, hi) => ["reluBackward", grad.ptr + lo * 4, out.ptr + lo * 4, gy.ptr + lo * 4, hi - lo, accumulate]);
    }
  },
};

/** Run a GEMM that writes every element of t's gradient: overwriting while it holds zeros, adding after. */
function gemmInto(t: Tensor, run: (grad: number, accumulate: boolean) => void): void {
  const { grad, accumulate } = gradInto(t);
  run(grad.ptr, accumulate === 1);
}

/** dx (+)= dy where x > 0, split over the threads in element ranges. */
function reluBackward(x: Tensor, gy: Tensor): void {
  const { grad, accumulate } = gradInto(x);
  parallelRanges(x.size, (lo, hi) => ["reluBackward", grad.ptr + lo * 4, x.ptr + lo * 4, gy.ptr + lo * 4, hi - lo, accumulate]);
}

function addScalarBroadcast(g: Tensor, gy: Tensor, factor: number): void {
  const v = gy.item() * factor;
  const d = g.data();
  for (let i = 0; i < d.length; i++) d[i] += v;
}
