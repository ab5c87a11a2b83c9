// Batch normalisation on the engine's threads (engine level, like gemm.ts: the op and its backward
// rule both call it; records nothing). Per-channel f64 sums over fixed blocks of rows, the blocks split
// over the threads and summed in block order, so the statistics are the same bits for any thread count.
// Letters (docs/architecture.md): M rows (B H W pixels), F channels.

import { alignedRanges, engine, parallel, withScratch } from "./engine.js";
import type { KernelCall } from "./wasm/pool.js";

/** Rows per block of the batch statistics (fixed: the sums must not depend on the threads). */
export const BN_BLOCK_ROWS = 256;

/** Per-channel sums (first F: sum, next F: sum of squares, or the backward pair) in f64 at `total`. */
export function channelTotals(total: number, kernel: "channelSums" | "bnBackwardSums", args: number[], M: number, F: number): void {
  const e = engine();
  const blocks = Math.ceil(M / BN_BLOCK_ROWS);
  withScratch(() => {
    const part = e.arena.allocStep(blocks * 2 * F * 8);
    const calls: KernelCall[] = alignedRanges(blocks, e.threads).map(([j0, j1]) =>
      kernel === "channelSums"
        ? ["channelSums", part, args[0], j0, j1, BN_BLOCK_ROWS, M, F]
        : ["bnBackwardSums", part, args[0], args[1], args[2], args[3], args[4], j0, j1, BN_BLOCK_ROWS, M, F],
    );
    parallel(calls);
    e.k.sumParts(total, part, blocks, F);
  });
}

/** Row-range calls of a per-row kernel over M rows, split over the threads. */
export function rowCalls(M: number, make: (r0: number, r1: number) => KernelCall): KernelCall[] {
  return alignedRanges(M, engine().threads).map(([r0, r1]) => make(r0, r1));
}

/** The backward of batchNorm (the rule in autograd/rules.ts calls it). */
export function batchNormBackward(
  dx: number,
  dgamma: number,
  dbeta: number,
  gy: number,
  s: { x: number; y: number; gamma: number; mean: number; invstd: number; relu: boolean; batchStats: boolean; M: number; F: number },
): void {
  const e = engine();
  const { M, F } = s;
  const y = s.relu ? s.y : 0;
  withScratch(() => {
    const total = e.arena.allocStep(2 * F * 8);
    if (dgamma || dbeta || s.batchStats) {
      channelTotals(total, "bnBackwardSums", [gy, y, s.x, s.mean, s.invstd], M, F);
      e.k.bnParamGrads(dgamma, dbeta, total, F);
    }
    if (dx) {
      const coef = e.arena.allocStep(3 * F * 4);
      e.k.bnBackwardCoefs(coef, s.gamma, s.invstd, total, F, M, s.batchStats ? 1 : 0);
      parallel(rowCalls(M, (r0, r1) => ["bnBackwardInput", dx, gy, y, s.x, s.mean, s.invstd, coef, r0, r1, F]));
    }
  });
}
