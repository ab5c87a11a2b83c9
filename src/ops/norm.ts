// Normalisation as taped ops: batch normalisation over the channels of an NHWC tensor (optionally
// fused with the relu that follows it; statistics on threads through src/batchnorm.ts) and layer
// normalisation over the features of each sample. Forward only; rules in autograd/rules.ts.
// Letters (docs/architecture.md): B batch, M rows (B H W pixels), F channels, D features per sample.

import { engine, parallel, withScratch } from "../engine.js";
import { Tensor } from "../tensor.js";
import { record } from "../autograd/tape.js";
import { channelTotals, rowCalls } from "../batchnorm.js";

/** The non-parameter state of one batch-norm module: running statistics (persistent) and settings. */
export interface BatchNormState {
  runMean: Tensor;
  runVar: Tensor;
  /** Weight of a new batch in the running statistics (PyTorch's momentum; flax's is 1 - this). */
  momentum: number;
  eps: number;
}

/**
 * Which statistics normalise: "train" = this batch's, and the running statistics move towards them;
 * "batch" = this batch's, running statistics untouched; "running" = the running statistics.
 */
export type BatchNormMode = "train" | "batch" | "running";

/**
 * Batch normalisation over the last dimension F of x (NHWC: every pixel of every sample is a row):
 * y = (x - mean) / sqrt(var + eps) gamma + beta, then relu when `relu`. gamma, beta [F].
 * @example const y = batchNorm(x, gamma, beta, state, { mode: "train", relu: true });
 */
export function batchNorm(
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  state: BatchNormState,
  o: { mode: BatchNormMode; relu?: boolean },
): Tensor {
  x.check();
  gamma.check();
  beta.check();
  const F = x.shape[x.shape.length - 1];
  if (gamma.size !== F || beta.size !== F || state.runMean.size !== F || state.runVar.size !== F) {
    throw new Error(`batchNorm: input [${x.shape.join(", ")}] needs gamma, beta and running statistics of ${F} channels`);
  }
  const M = x.size / F;
  const e = engine();
  const k = e.k;
  const mean = Tensor.empty([F]);
  const invstd = Tensor.empty([F]);
  const batchStats = o.mode !== "running";
  if (batchStats) {
    if (M < 2) throw new Error(`batchNorm: batch statistics need at least 2 values per channel, got ${M}`);
    const variance = Tensor.empty([F]);
    withScratch(() => {
      const total = e.arena.allocStep(2 * F * 8);
      channelTotals(total, "channelSums", [x.ptr], M, F);
      const train = o.mode === "train";
      k.bnStats(
        mean.ptr,
        variance.ptr,
        invstd.ptr,
        total,
        F,
        M,
        state.eps,
        train ? state.runMean.ptr : 0,
        train ? state.runVar.ptr : 0,
        state.momentum,
      );
    });
  } else {
    const rm = state.runMean.data(),
      rv = state.runVar.data();
    const m = mean.data(),
      s = invstd.data();
    for (let f = 0; f < F; f++) {
      m[f] = rm[f];
      s[f] = 1 / Math.sqrt(rv[f] + state.eps);
    }
  }
  const y = Tensor.empty(x.shape);
  const relu = o.relu ?? false;
  withScratch(() => {
    const scale = e.arena.allocStep(F * 4),
      shift = e.arena.allocStep(F * 4);
    k.bnScaleShift(scale, shift, gamma.ptr, beta.ptr, mean.ptr, invstd.ptr, F);
    parallel(rowCalls(M, (r0, r1) => ["channelAffine", y.ptr, x.ptr, scale, shift, r0, r1, F, relu ? 1 : 0]));
  });
  return record("batchNorm", y, [x, gamma, beta], { mean: mean.ptr, invstd: invstd.ptr, relu, batchStats, M, F });
}

/** Default epsilon of layerNorm (flax's). */
export const LAYER_NORM_EPS = 1e-6;

/**
 * Layer normalisation over the features of each sample: x [B, D] (or [B, ...]) with gamma, beta [D].
 * @example const y = layerNorm(h, gamma, beta); // h [64, 12800]
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = LAYER_NORM_EPS): Tensor {
  x.check();
  gamma.check();
  beta.check();
  const B = x.shape[0];
  const D = x.size / B;
  if (gamma.size !== D || beta.size !== D)
    throw new Error(`layerNorm: input [${x.shape.join(", ")}] needs gamma and beta of ${D} features, got ${gamma.size} and ${beta.size}`);
  const mean = Tensor.empty([B]);
  const rstd = Tensor.empty([B]);
  const y = Tensor.empty(x.shape);
  engine().k.layerNorm(y.ptr, mean.ptr, rstd.ptr, x.ptr, gamma.ptr, beta.ptr, B, D, eps);
  return record("layerNorm", y, [x, gamma, beta], { mean: mean.ptr, rstd: rstd.ptr, B, D });
}
