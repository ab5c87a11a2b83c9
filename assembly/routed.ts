// The ScRRAMBLe layer's kernels with the slot routing fused into the GEMMs:
// a core's routed input is gathered from the source slots into the caller's
// per-thread scratch and multiplied there, so no routed buffer for the whole
// layer is written to memory and read back (the backward pass gathers again);
// the input gradient of a core is scattered into dx straight from scratch.
// Routing: CSR by destination slot, as routing.ts. Allocates nothing.
// Letters (docs/architecture.md): B batch, N core size, S slot size, K slots per
// core (N = K S), C cores; strides are in elements, pointers byte addresses.

import { gemmScratchBytes } from "./abi";
import { gemmNN, gemmNT, gemmPacked, gemmTN, packedBytes } from "./gemm";
import { routeGather, routeScatter } from "./routing";

/** Scratch bytes of one thread: a routed block [B, N] and the GEMM's panel scratch (twin: routedScratchBytes in src/wasm/abi.ts). */
export function routedScratchBytes(B: i32, N: i32): i32 {
  return B * N * 4 + gemmScratchBytes(max(B, N));
}

// y[0..B, 0..N) = max(y, 0) in place; y [B, ldy].
@inline function reluBlock(y: usize, ldy: i32, B: i32, N: i32): void {
  const z = f32x4.splat(0);
  for (let b = 0; b < B; b++) {
    const row = y + (<usize>b * ldy << 2);
    let m = 0;
    for (; m + 4 <= N; m += 4) v128.store(row + (<usize>m << 2), f32x4.max(v128.load(row + (<usize>m << 2)), z));
    for (; m < N; m++) store<f32>(row + (<usize>m << 2), max<f32>(load<f32>(row + (<usize>m << 2)), 0));
  }
}

/**
 * y[:, c] [B, N] = gather_c(x) [B, N] . W[c]^T for cores c in [c0, c1), then
 * max(y, 0) in place when relu is 1 (while the core's block is in cache).
 * x [B, xStride] (the source cores), w [C, N, N], y [B, ldy].
 */
export function routedForward(
  y: usize, ldy: i32, x: usize, xStride: i32, w: usize,
  B: i32, N: i32, S: i32, K: i32, c0: i32, c1: i32,
  dstPtr: usize, srcSlot: usize, coef: usize, relu: i32, scratch: usize
): void {
  const routed = scratch;
  const g = scratch + (<usize>(B * N) << 2);
  for (let c = c0; c < c1; c++) {
    const yc = y + (<usize>(c * N) << 2);
    routeGather(routed, N, x, xStride, B, S, K, dstPtr + (<usize>(c * K) << 2), srcSlot, coef);
    gemmNT(B, N, N, routed, N, w + (<usize>c * N * N << 2), N, yc, ldy, 0, g);
    if (relu) reluBlock(yc, ldy, B, N);
  }
}

/**
 * routedForward with the weights given packed (packB of each W[c]^T, packedBytes(N, N)
 * per core), for repeated forward passes over weights that do not change.
 */
export function routedForwardPacked(
  y: usize, ldy: i32, x: usize, xStride: i32, wPacked: usize,
  B: i32, N: i32, S: i32, K: i32, c0: i32, c1: i32,
  dstPtr: usize, srcSlot: usize, coef: usize, relu: i32, scratch: usize
): void {
  const routed = scratch;
  const tmp = scratch + (<usize>(B * N) << 2);
  const coreBytes = <usize>packedBytes(N, N);
  for (let c = c0; c < c1; c++) {
    const yc = y + (<usize>(c * N) << 2);
    routeGather(routed, N, x, xStride, B, S, K, dstPtr + (<usize>(c * K) << 2), srcSlot, coef);
    gemmPacked(B, N, N, routed, N, wPacked + <usize>c * coreBytes, yc, ldy, 0, tmp);
    if (relu) reluBlock(yc, ldy, B, N);
  }
}

/**
 * dW[c] [N, N] (+)= gy[:, c]^T [N, B] . gather_c(x) [B, N] for cores c in [c0, c1).
 * gy [B, ldgy], x [B, xStride], dw [C, N, N]; accumulate 0 overwrites dW[c].
 */
export function routedWeightGrad(
  dw: usize, gy: usize, ldgy: i32, x: usize, xStride: i32,
  B: i32, N: i32, S: i32, K: i32, c0: i32, c1: i32,
  dstPtr: usize, srcSlot: usize, coef: usize, accumulate: i32, scratch: usize
): void {
  const routed = scratch;
  const g = scratch + (<usize>(B * N) << 2);
  for (let c = c0; c < c1; c++) {
    routeGather(routed, N, x, xStride, B, S, K, dstPtr + (<usize>(c * K) << 2), srcSlot, coef);
    gemmTN(N, N, B, gy + (<usize>(c * N) << 2), ldgy, routed, N, dw + (<usize>c * N * N << 2), N, accumulate, g);
  }
}

/**
 * dx[b] (+)= scatter over the C destination cores of (gy[b, c] [N] . W[c]) for rows b in [b0, b1).
 * dx [B, xStride] (all of a row's xStride values are written when accumulate is 0),
 * gy [B, ldgy], w [C, N, N]. Each dx value sums its contributions by destination
 * core, then slot, then route: the order of the unfused routeScatter.
 */
export function routedInputGrad(
  dx: usize, xStride: i32, gy: usize, ldgy: i32, w: usize,
  b0: i32, b1: i32, N: i32, S: i32, K: i32, C: i32,
  dstPtr: usize, srcSlot: usize, coef: usize, accumulate: i32, scratch: usize
): void {
  const rows = b1 - b0;
  if (rows <= 0) return;
  const dxRows = dx + (<usize>b0 * xStride << 2);
  if (!accumulate) memory.fill(dxRows, 0, <usize>rows * xStride << 2);
  const drouted = scratch;
  const g = scratch + (<usize>(rows * N) << 2);
  for (let c = 0; c < C; c++) {
    gemmNN(rows, N, N, gy + (<usize>(b0 * ldgy + c * N) << 2), ldgy, w + (<usize>c * N * N << 2), N, drouted, N, 0, g);
    routeScatter(dxRows, xStride, drouted, N, rows, S, K, dstPtr + (<usize>(c * K) << 2), srcSlot, coef);
  }
}
