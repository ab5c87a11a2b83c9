// One large GEMM as kernel calls split over the engine's threads by column
// blocks of y (multiples of 8, the register-tile width). Forms: NN, NT, TN as
// the kernels. Letters (docs/architecture.md): M rows, J columns, I inner dimension.
// Engine level: used by the ops and the backward rules alike; records nothing.

import { engine, parallel } from "./engine.js";
import { GEMM_SCRATCH_ARG, gemmScratchBytes } from "./wasm/abi.js";
import type { KernelCall } from "./wasm/pool.js";

export type GemmForm = "gemmNN" | "gemmNT" | "gemmTN";

/** y[M,J] (+)= op(a)[M,I] . op(b)[I,J], run on all threads. Pointers are byte addresses. */
export function gemm(
  form: GemmForm,
  M: number,
  J: number,
  I: number,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  y: number,
  ldy: number,
  accumulate: boolean,
): void {
  const T = engine().threads;
  const blocks = Math.ceil(J / 8);
  const parts = T > 1 && M >= 4 ? Math.min(T, blocks) : 1;
  const calls: KernelCall[] = [];
  for (let p = 0; p < parts; p++) {
    const j0 = Math.floor((p * blocks) / parts) * 8;
    const j1 = Math.min(J, Math.floor(((p + 1) * blocks) / parts) * 8);
    if (j1 <= j0) continue;
    const bOff = form === "gemmNT" ? j0 * ldb * 4 : j0 * 4;
    calls.push([form, M, j1 - j0, I, a, lda, b + bOff, ldb, y + j0 * 4, ldy, accumulate ? 1 : 0, 0]);
  }
  parallel(calls, GEMM_SCRATCH_ARG, gemmScratchBytes(I));
}
