// The ScRRAMBLe layer as one taped op: gather routed slots (with integer
// coefficients) into a routed buffer, then one N x N GEMM per destination core.
// Letters (docs/architecture.md): B batch, N core size, S slot size, K slots per core, C cores.

import { engine, parallel } from "../engine.js";
import { routeCalls } from "../route.js";
import { GEMM_SCRATCH_ARG, gemmScratchBytes } from "../wasm/abi.js";
import type { KernelCall } from "../wasm/pool.js";
import { Tensor } from "../tensor.js";
import { record } from "../autograd/tape.js";
import type { RoutingBuffers } from "./routing-buffers.js";

/**
 * x [B, Csrc * N] -> y [B, Cdst * N], y[b, c] = W[c] . routed[b, c] with
 * W [Cdst, N, N] (row = output (slot, element), column = input (slot, element)).
 */
export function scrrambleLayer(x: Tensor, w: Tensor, routing: RoutingBuffers): Tensor {
  x.check();
  w.check();
  const { srcCores, dstCores, slotsPerCore: K } = routing;
  if (w.shape.length !== 3 || w.shape[0] !== dstCores || w.shape[1] !== w.shape[2]) {
    throw new Error(`scrrambleLayer: weight [${w.shape.join(", ")}] must be [${dstCores}, N, N]`);
  }
  const N = w.shape[1];
  const S = N / K;
  if (!Number.isInteger(S)) throw new Error(`scrrambleLayer: ${K} slots do not divide core size ${N}`);
  const B = x.shape[0];
  if (x.size !== B * srcCores * N)
    throw new Error(`scrrambleLayer: input [${x.shape.join(", ")}] must be [B, ${srcCores * N}] (${srcCores} cores of ${N})`);
  const e = engine();
  const k = e.k;
  const routed = e.arena.allocStep(B * dstCores * N * 4);
  parallel(routeCalls("routeGather", routed, dstCores * N, x.ptr, srcCores * N, B, S, dstCores * K, routing));
  const y = Tensor.empty([B, dstCores * N]);
  const ld = dstCores * N;
  const calls: KernelCall[] = [];
  for (let c = 0; c < dstCores; c++) {
    // y[:, c] [B, N] = routed[:, c] [B, N] . W[c]^T   (cores split over the threads)
    calls.push(["gemmNT", B, N, N, routed + c * N * 4, ld, w.ptr + c * N * N * 4, N, y.ptr + c * N * 4, ld, 0, 0]);
  }
  parallel(calls, GEMM_SCRATCH_ARG, gemmScratchBytes(N));
  return record("scrramble", y, [x, w], { routed, routing, B });
}
