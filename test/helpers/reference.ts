// Naive float64 references (the permanent oracles) and a central finite-
// difference gradient checker used by the op tests.

import { noGrad } from "../../src/autograd/tape.js";
import { backward } from "../../src/autograd/backward.js";
import type { Tensor } from "../../src/tensor.js";

/** C[M,N] = A[M,K] . B[K,N], row-major, in float64. */
export function naiveMatmul(a: ArrayLike<number>, b: ArrayLike<number>, M: number, K: number, N: number): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let k = 0; k < K; k++) {
      const av = a[i * K + k];
      for (let j = 0; j < N; j++) c[i * N + j] += av * b[k * N + j];
    }
  return c;
}

export function transpose(a: ArrayLike<number>, R: number, C: number): Float64Array {
  const t = new Float64Array(R * C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) t[c * R + r] = a[r * C + c];
  return t;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** True when every value of a has the same bits as b's (Object.is: -0 and NaN count). */
export const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.prototype.every.call(a, (v: number, k: number) => Object.is(v, b[k]));

/** Deterministic uniform values in [lo, hi) from a tiny LCG (test data only). */
export function randomArray(n: number, seedState: { s: number }, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seedState.s = (Math.imul(seedState.s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((seedState.s >>> 8) / 16777216) * (hi - lo);
  }
  return out;
}

export interface GradCheckResult {
  ok: boolean;
  worst: { param: number; index: number; analytic: number; numeric: number };
  checked: number;
}

/**
 * Compare backward() gradients of the scalar f() with central differences on
 * up to `samples` elements of each input. Tolerance |a - n| <= atol + rtol * max(|a|, |n|).
 * The defaults are what float32 forward passes allow: every rule of the library
 * agrees within 6e-4 relative and 8e-5 absolute at eps 1e-2 (atol 1e-6 / eps),
 * and a rule off by 2 % fails (test/autograd.test.ts plants one in every op).
 */
export function gradCheck(
  inputs: Tensor[],
  f: () => Tensor,
  opts: { eps?: number; atol?: number; rtol?: number; samples?: number } = {},
): GradCheckResult {
  // float32 round-off in f over 2 eps: the absolute slack grows as eps shrinks (1e-4 at the default eps).
  const { eps = 1e-2, atol = 1e-6 / eps, rtol = 2e-3, samples = 24 } = opts;
  const loss = f();
  backward(loss);
  const analytic = inputs.map((t) => t.grad!.toArray());
  let ok = true;
  let worstErr = -Infinity;
  let worst = { param: -1, index: -1, analytic: 0, numeric: 0 };
  let checked = 0;
  inputs.forEach((t, pi) => {
    const n = t.size;
    const stride = Math.max(1, Math.floor(n / samples));
    for (let idx = 0; idx < n; idx += stride) {
      const orig = t.data()[idx];
      t.data()[idx] = orig + eps;
      const up = noGrad(() => f().item());
      t.data()[idx] = orig - eps;
      const down = noGrad(() => f().item());
      t.data()[idx] = orig;
      const num = (up - down) / (2 * eps);
      const an = analytic[pi][idx];
      const err = Math.abs(an - num) - rtol * Math.max(Math.abs(an), Math.abs(num));
      if (err > atol) ok = false;
      if (err > worstErr) {
        worstErr = err;
        worst = { param: pi, index: idx, analytic: an, numeric: num };
      }
      checked++;
    }
  });
  return { ok, worst, checked };
}

/** SAME, stride-1 convolution in float64: x [B, H, W, F] (NHWC), w [R, R, F, G] (HWIO), bias [G] -> [B, H, W, G]. */
export function naiveConv2d(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  B: number,
  H: number,
  W: number,
  F: number,
  G: number,
  R: number,
): Float64Array {
  const y = new Float64Array(B * H * W * G);
  const pad = (R - 1) / 2;
  for (let b = 0; b < B; b++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++)
        for (let g = 0; g < G; g++) {
          let s = bias ? bias[g] : 0;
          for (let ky = 0; ky < R; ky++)
            for (let kx = 0; kx < R; kx++) {
              const si = i + ky - pad,
                sj = j + kx - pad;
              if (si < 0 || si >= H || sj < 0 || sj >= W) continue;
              for (let f = 0; f < F; f++) s += x[((b * H + si) * W + sj) * F + f] * w[((ky * R + kx) * F + f) * G + g];
            }
          y[((b * H + i) * W + j) * G + g] = s;
        }
  return y;
}

/** Batch normalisation over the last dimension (F channels) in float64 with the given statistics, or the batch's when null. */
export function naiveBatchNorm(
  x: ArrayLike<number>,
  F: number,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  eps: number,
  stats: { mean: ArrayLike<number>; variance: ArrayLike<number> } | null,
): { y: Float64Array; mean: Float64Array; variance: Float64Array } {
  const M = x.length / F;
  const mean = new Float64Array(F),
    variance = new Float64Array(F);
  for (let f = 0; f < F; f++) {
    if (stats) {
      mean[f] = stats.mean[f];
      variance[f] = stats.variance[f];
      continue;
    }
    let s = 0;
    for (let r = 0; r < M; r++) s += x[r * F + f];
    mean[f] = s / M;
    let v = 0;
    for (let r = 0; r < M; r++) v += (x[r * F + f] - mean[f]) ** 2;
    variance[f] = v / M;
  }
  const y = new Float64Array(x.length);
  for (let r = 0; r < M; r++)
    for (let f = 0; f < F; f++) y[r * F + f] = ((x[r * F + f] - mean[f]) / Math.sqrt(variance[f] + eps)) * gamma[f] + beta[f];
  return { y, mean, variance };
}

/** Layer normalisation of each of the B rows of x in float64. */
export function naiveLayerNorm(
  x: ArrayLike<number>,
  B: number,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  eps: number,
): Float64Array {
  const D = x.length / B;
  const y = new Float64Array(x.length);
  for (let b = 0; b < B; b++) {
    let m = 0;
    for (let d = 0; d < D; d++) m += x[b * D + d];
    m /= D;
    let v = 0;
    for (let d = 0; d < D; d++) v += (x[b * D + d] - m) ** 2;
    const rs = 1 / Math.sqrt(v / D + eps);
    for (let d = 0; d < D; d++) y[b * D + d] = (x[b * D + d] - m) * rs * gamma[d] + beta[d];
  }
  return y;
}

/** 2 x 2, stride-2 max or average pooling of x [B, H, W, F] in float64. */
export function naivePool2(x: ArrayLike<number>, B: number, H: number, W: number, F: number, kind: "max" | "avg"): Float64Array {
  const y = new Float64Array((B * H * W * F) / 4);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < H / 2; i++)
      for (let j = 0; j < W / 2; j++)
        for (let f = 0; f < F; f++) {
          const v = [0, 1, 2, 3].map((t) => x[((b * H + 2 * i + (t >> 1)) * W + 2 * j + (t & 1)) * F + f]);
          y[((b * (H / 2) + i) * (W / 2) + j) * F + f] = kind === "max" ? Math.max(...v) : (v[0] + v[1] + v[2] + v[3]) / 4;
        }
  return y;
}
