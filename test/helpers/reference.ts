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
