// The ScRRAMBLe layer as one taped op: per destination core, gather the routed
// slots (integer coefficients) and multiply by the core's N x N weights. Where few
// routes feed each destination slot, in one fused kernel with no routed buffer
// (backward gathers again); where many do, the whole layer is gathered once first
// and the routed input is kept for the weight gradient.
// Letters (docs/architecture.md): B batch, N core size, S slot size, K slots per core, C cores.

import { engine, parallelParts, parallelRanges, sharedCounter } from "../engine.js";
import { coreRowParts } from "./core-split.js";
import { ROUTED_SCRATCH_ARG, routedScratchBytes } from "../wasm/abi.js";
import { Tensor } from "../tensor.js";
import { markReluOutput, record } from "../autograd/tape.js";
import type { RoutingBuffers } from "./routing-buffers.js";
import type { KernelCall } from "../wasm/pool.js";

/**
 * Routes per destination slot from which a layer is gathered whole before its GEMMs
 * (one pass over x instead of one per chunk of cores, and no gather in backward):
 * measured in docs/performance.md.
 */
export const GATHER_FIRST_ROUTES = 8;

/**
 * x [B, Csrc * N] -> y [B, Cdst * N], y[b, c] = W[c] . routed[b, c] with
 * W [Cdst, N, N] (row = output (slot, element), column = input (slot, element)).
 * With `relu`, y = max(0, W . routed), fused (the pre-activation is not kept, and
 * in backward the output's gradient buffer is masked in place). `packed` is the
 * address of W's cores packed by packB (see ScrrambleMlp.prepareInference):
 * the forward then skips packing the weights; the caller vouches it is current.
 * `gatherFirst` gathers the whole layer before its GEMMs and keeps the routed input
 * for the weight gradient (default: from GATHER_FIRST_ROUTES routes per destination
 * slot and 4 rows; below, each thread gathers the cores it multiplies); both ways give
 * the same bits.
 */
export function scrrambleLayer(
  x: Tensor,
  w: Tensor,
  routing: RoutingBuffers,
  o: { relu?: boolean; packed?: number; gatherFirst?: boolean } = {},
): Tensor {
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
  const { dstPtr, srcSlot, coef } = routing;
  const ld = dstCores * N;
  const y = Tensor.empty([B, ld]);
  // y[:, c] [B, N] = gather_c(x) [B, N] . W[c]^T, cores (and rows, with few cores) split
  // over the threads; the routed blocks are gathered into the thread's scratch (assembly/routed.ts).
  const relu = o.relu ? 1 : 0;
  const kernel = o.packed ? "routedForwardPacked" : "routedForward";
  const weights = o.packed ? o.packed : w.ptr;
  // many routes per destination slot: routed [B, Cdst N] gathered once, by rows, then the GEMMs read it (dstPtr 0)
  const DS = dstCores * K;
  const xs = srcCores * N;
  const routed = (o.gatherFirst ?? (B >= 4 && routing.routes >= GATHER_FIRST_ROUTES * DS)) ? Tensor.empty([B, ld]) : null;
  if (routed) {
    const gather = (b0: number, b1: number): KernelCall => [
      "routeGather",
      routed.ptr + b0 * ld * 4,
      ld,
      x.ptr + b0 * xs * 4,
      xs,
      b1 - b0,
      S,
      DS,
      dstPtr,
      srcSlot,
      coef,
    ];
    parallelRanges(B, gather, { align: 1, minItems: 2 });
  }
  const src = routed ?? x;
  const stride = routed ? ld : xs;
  const call = (c0: number, c1: number, b0: number, b1: number, next: number): KernelCall => [
    kernel,
    y.ptr + b0 * ld * 4,
    ld,
    src.ptr + b0 * stride * 4,
    stride,
    weights,
    b1 - b0,
    N,
    S,
    K,
    c0,
    c1,
    routed ? 0 : dstPtr,
    srcSlot,
    coef,
    relu,
    0,
    next,
  ];
  const T = engine().threads;
  const split = coreRowParts(dstCores, B, T);
  // Whole cores on every thread at a training batch: the same call on each, taking cores from a
  // shared counter (a faster thread takes more). Rows cut for few cores, or a few rows (batch-1
  // inference, where a call is too short for the takes to even out): the static split.
  const whole = T > 1 && B >= 16 && split.length === T && split.every((list) => list.every(([, , b0, b1]) => b0 === 0 && b1 === B));
  const next = whole ? sharedCounter() : 0;
  const parts = whole
    ? split.map(() => [call(0, dstCores, 0, B, next)])
    : split.map((list) => list.map(([c0, c1, b0, b1]) => call(c0, c1, b0, b1, 0)));
  parallelParts(parts, ROUTED_SCRATCH_ARG[kernel], routedScratchBytes(B, N));
  if (o.relu) markReluOutput(y);
  return record("scrramble", y, [x, w], { routing, B, relu: o.relu === true, routed });
}
