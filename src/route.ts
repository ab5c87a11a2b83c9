// Slot routing on the engine's threads (engine level, like gemm.ts: the ScRRAMBLe op, its backward rule
// and the crossbar simulator call it; records nothing). Each sample's row is routed on its own, so the
// batch splits over the threads with the same bits for any split.
// Letters (docs/architecture.md): B batch, S slot size, DS destination slots.

import { alignedRanges, engine } from "./engine.js";
import type { KernelCall } from "./wasm/pool.js";
import type { RoutingBuffers } from "./ops/routing-buffers.js";

/**
 * Calls of routeGather (out = routed, inp = x) or routeScatter (out = dx, inp = drouted) with the batch
 * split over the threads: every sample's row is routed on its own, so any split gives the same bits.
 */
export function routeCalls(
  name: "routeGather" | "routeScatter",
  out: number,
  outStride: number,
  inp: number,
  inpStride: number,
  B: number,
  S: number,
  DS: number,
  r: RoutingBuffers,
): KernelCall[] {
  return alignedRanges(B, engine().threads).map(([b0, b1]) => [
    name,
    out + b0 * outStride * 4,
    outStride,
    inp + b0 * inpStride * 4,
    inpStride,
    b1 - b0,
    S,
    DS,
    r.dstPtr,
    r.srcSlot,
    r.coef,
  ]);
}
