// One backward rule per op, each adding into its inputs' gradients (kernels
// accumulate). Typed as RuleTable: an op without a rule fails tsc.
// Straight-through and subgradient choices are stated in a NOTE above the rule.

import { engine, parallel } from "../engine.js";
import { gemm } from "../gemm.js";
import { GEMM_SCRATCH_ARG, gemmScratchBytes } from "../wasm/abi.js";
import type { KernelCall } from "../wasm/pool.js";
import type { Tensor } from "../tensor.js";
import type { RuleTable } from "./types.js";
import { gradOf } from "./grad.js";

const k = () => engine().k;

export const rules: RuleTable = {
  matmul(node, gy) {
    const [a, b] = node.inputs;
    const [M, I] = a.shape;
    const J = b.shape[1];
    if (a.requiresGrad) gemm("gemmNT", M, I, J, gy.ptr, J, b.ptr, J, gradOf(a).ptr, I, true); // da [M, I] += gy [M, J] . b^T
    if (b.requiresGrad) gemm("gemmTN", I, J, M, a.ptr, I, gy.ptr, J, gradOf(b).ptr, J, true); // db [I, J] += a^T . gy
  },

  linear(node, gy) {
    const [x, w, bias] = node.inputs;
    const [B, I] = x.shape;
    const O = w.shape[0];
    if (x.requiresGrad) gemm("gemmNN", B, I, O, gy.ptr, O, w.ptr, I, gradOf(x).ptr, I, true); // dx += gy . w
    if (w.requiresGrad) gemm("gemmTN", O, I, B, gy.ptr, O, x.ptr, I, gradOf(w).ptr, I, true); // dw += gy^T . x
    if (bias?.requiresGrad) k().sumRows(gradOf(bias).ptr, gy.ptr, B, O, 1);
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
    const [x] = node.inputs;
    k().reluBackward(gradOf(x).ptr, x.ptr, gy.ptr, x.size);
  },

  // NOTE: straight-through estimator: the floor and the clip at max pass the
  // gradient unchanged; only the relu (x <= 0) blocks it.
  qrelu(node, gy) {
    const [x] = node.inputs;
    k().reluBackward(gradOf(x).ptr, x.ptr, gy.ptr, x.size);
  },

  // NOTE: clipped straight-through estimator (the reference's BinarySTE): the
  // step's true derivative is 0 almost everywhere; the surrogate is 1 where
  // |x| < width, 0 elsewhere.
  binaryStep(node, gy) {
    const [x] = node.inputs;
    k().binaryStepBackward(gradOf(x).ptr, x.ptr, gy.ptr, x.size, node.saved.width);
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
    k().marginLossBackward(gradOf(y).ptr, y.ptr, s.norms, s.lengths, s.labels, s.B, s.L, s.D, s.mPlus, s.mMinus, s.lambda, gy.item());
  },

  scrramble(node, gy) {
    const [x, w] = node.inputs;
    const { routed, routing, B } = node.saved;
    const e = engine();
    const { srcCores, dstCores, slotsPerCore: K } = routing;
    const N = w.shape[1];
    const S = N / K;
    const ld = dstCores * N;
    if (w.requiresGrad) {
      const dw = gradOf(w).ptr;
      const calls: KernelCall[] = [];
      for (let c = 0; c < dstCores; c++) {
        // dW[c] [N, N] += gy[:, c]^T [N, B] . routed[:, c] [B, N]
        calls.push(["gemmTN", N, N, B, gy.ptr + c * N * 4, ld, routed + c * N * 4, ld, dw + c * N * N * 4, N, 1, 0]);
      }
      parallel(calls, GEMM_SCRATCH_ARG, gemmScratchBytes(B));
    }
    if (x.requiresGrad) {
      const drouted = e.arena.allocStep(B * ld * 4);
      const calls: KernelCall[] = [];
      for (let c = 0; c < dstCores; c++) {
        // drouted[:, c] [B, N] = gy[:, c] [B, N] . W[c] [N, N]
        calls.push(["gemmNN", B, N, N, gy.ptr + c * N * 4, ld, w.ptr + c * N * N * 4, N, drouted + c * N * 4, ld, 0, 0]);
      }
      parallel(calls, GEMM_SCRATCH_ARG, gemmScratchBytes(N));
      e.k.routeScatter(gradOf(x).ptr, srcCores * N, drouted, ld, B, S, dstCores * K, routing.dstPtr, routing.srcSlot, routing.coef);
    }
  },
};

function addScalarBroadcast(g: Tensor, gy: Tensor, factor: number): void {
  const v = gy.item() * factor;
  const d = g.data();
  for (let i = 0; i < d.length; i++) d[i] += v;
}
