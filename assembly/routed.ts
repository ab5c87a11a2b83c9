// The ScRRAMBLe layer's kernels with the slot routing fused into the GEMMs:
// the routed inputs of a chunk of cores are gathered from the source slots into
// the caller's per-thread scratch and multiplied there, so no routed buffer for
// the whole layer is written to memory and read back (the backward pass gathers
// again). A chunk is gathered one sample row at a time over all its cores, so
// each row of x is read once per chunk while it is in cache. Where many routes
// feed each destination slot, the caller gathers the whole layer once instead
// (routeGather) and passes dstPtr 0: x is then the routed input itself
// ([B, DS S], destination slot u at column u S), kept for the weight gradient.
// Routing: CSR by destination slot, as routing.ts; the input gradient takes it
// by source slot (transposeRouting) and writes each dx value once.
// Allocates nothing.
// Letters (docs/architecture.md): B batch, N core size, S slot size, K slots per
// core (N = K S), C cores; strides are in elements, pointers byte addresses.

import { gemmScratchBytes, ROUTED_CHUNK_BYTES } from "./abi";
import {
  compactPackedA, gemmNN, gemmNT, gemmPackedA, gemmPackedAB, gemmPackedABColumns, gemmPackedAColumnsT, gemvPackedNonzero,
  nonzeroColumns, packA, packedABytes, packedBytes
} from "./gemm";
import { gatherRows, routeGather } from "./routing";
import { adamSpan } from "./optim";

// Blocks per chunk: as many routed blocks [B, width] (a core's, width N, or a slot's,
// width S) as fit ROUTED_CHUNK_BYTES (twin in src/wasm/abi.ts), at least one.
@inline function chunkBlocks(B: i32, width: i32): i32 {
  return max(1, ROUTED_CHUNK_BYTES / max(1, B * width * 4));
}

// Dynamic split: with a shared counter (next != 0, an i32 set to 0 before the call),
// every thread runs the same call and takes the next `n` units from the counter until
// none are left, so a faster thread takes more. A unit is computed the same way
// whichever thread takes it: the results do not change.
@inline function take(next: usize, n: i32): i32 {
  if (ASC_FEATURE_THREADS) return atomic.add<i32>(next, n);
  const v = load<i32>(next);
  store<i32>(next, v + n);
  return v;
}

// Units per take: a quarter of a chunk, and at most a sixteenth of the units (with few
// rows a chunk holds every core), so that the threads end close together: at batch 64
// one core of the forward, or one core's destination slots of the weight gradient.
@inline function takeSize(chunk: i32, units: i32): i32 {
  return max(1, min(chunk >> 2, units >> 4));
}

/**
 * Scratch bytes of one thread (twin: routedScratchBytes in src/wasm/abi.ts): the GEMM's
 * panel scratch, one core's A operand packed into micro-panels (packA), a chunk's
 * routed blocks [rows, G N] for any rows <= B, and the forward's list of a core's
 * nonzero input columns. Each kernel lays these out from its own sizes (packedAAt,
 * chunkAt, columnsAt), each within its bound here.
 */
export function routedScratchBytes(B: i32, N: i32): i32 {
  return gemmScratchBytes(max(B, N)) + max(packedABytes(B, N), packedABytes(N, B)) + max(ROUTED_CHUNK_BYTES, B * N * 4) + N * 4;
}

// The forward's list of a core's nonzero input columns (i32 [N]): the last N 4 bytes.
@inline function columnsAt(scratch: usize, B: i32, N: i32): usize {
  return scratch + <usize>(routedScratchBytes(B, N) - N * 4);
}

// Where a kernel's packed A and chunk blocks start in its scratch: after the GEMM's
// scratch for inner dimension I, then the packed A [M, I].
@inline function packedAAt(scratch: usize, I: i32): usize {
  return scratch + <usize>gemmScratchBytes(I);
}
@inline function chunkAt(scratch: usize, M: i32, I: i32): usize {
  return packedAAt(scratch, I) + <usize>packedABytes(M, I);
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

// Gathers cores [cc, cc + n) into routed [B, n N] (n K destination slots from dstPtr's
// entry cc K) and returns its row stride; with dstPtr 0 (x already routed) gathers
// nothing and returns x's.
@inline function gatherCores(
  routed: usize, x: usize, xStride: i32, B: i32, S: i32, K: i32, cc: i32, n: i32,
  dstPtr: usize, srcSlot: usize, coef: usize
): i32 {
  if (!dstPtr) return xStride;
  routeGather(routed, n * K * S, x, xStride, B, S, n * K, dstPtr + (<usize>(cc * K) << 2), srcSlot, coef);
  return n * K * S;
}

/**
 * y[:, c] [B, N] = gather_c(x) [B, N] . W[c]^T for cores c in [c0, c1), then
 * max(y, 0) in place when relu is 1 (while the core's block is in cache).
 * x [B, xStride] (the source cores), w [C, N, N], y [B, ldy].
 * A core's routed inputs that are zero in every row (an image's blank border) are
 * left out of its GEMM (gemmPackedAColumnsT): the same values for finite weights.
 */
export function routedForward(
  y: usize, ldy: i32, x: usize, xStride: i32, w: usize,
  B: i32, N: i32, S: i32, K: i32, c0: i32, c1: i32,
  dstPtr: usize, srcSlot: usize, coef: usize, relu: i32, scratch: usize, next: usize
): void {
  const G = next ? takeSize(chunkBlocks(B, N), c1 - c0) : chunkBlocks(B, N);
  const ap = packedAAt(scratch, N), routed = chunkAt(scratch, B, N), cols = columnsAt(scratch, B, N);
  for (let cc = next ? c0 + take(next, G) : c0; cc < c1; cc = next ? c0 + take(next, G) : cc + G) {
    const n = min(G, c1 - cc);
    // routed [B, n N]: the chunk's cores side by side (or x itself, already routed)
    const lda = gatherCores(routed, x, xStride, B, S, K, cc, n, dstPtr, srcSlot, coef);
    for (let c = cc; c < cc + n; c++) {
      const yc = y + (<usize>(c * N) << 2);
      const a = dstPtr ? routed + (<usize>((c - cc) * N) << 2) : x + (<usize>(c * N) << 2);
      const wc = w + (<usize>c * N * N << 2);
      if (B < 4) gemmNT(B, N, N, a, lda, wc, N, yc, ldy, 0, scratch);
      else {
        packA(a, lda, 1, B, N, ap);
        const used = nonzeroColumns(a, lda, B, N, cols);
        if (used < N) {
          compactPackedA(ap, B, N, cols, used);
          gemmPackedAColumnsT(B, N, N, ap, wc, N, cols, used, yc, ldy, scratch);
        } else gemmPackedA(B, N, N, ap, wc, N, 1, yc, ldy, 0, scratch);
      }
      if (relu) reluBlock(yc, ldy, B, N);
    }
  }
}

/**
 * routedForward with the weights given packed (packB of each W[c]^T, packedBytes(N, N)
 * per core), for repeated forward passes over weights that do not change. Below 4
 * rows the zero inputs are skipped (gemvPackedNonzero): same values; from 4 rows the
 * inputs zero in every row, as in routedForward (gemmPackedABColumns).
 */
export function routedForwardPacked(
  y: usize, ldy: i32, x: usize, xStride: i32, wPacked: usize,
  B: i32, N: i32, S: i32, K: i32, c0: i32, c1: i32,
  dstPtr: usize, srcSlot: usize, coef: usize, relu: i32, scratch: usize, next: usize
): void {
  const G = next ? takeSize(chunkBlocks(B, N), c1 - c0) : chunkBlocks(B, N);
  const ap = packedAAt(scratch, N), routed = chunkAt(scratch, B, N), cols = columnsAt(scratch, B, N);
  const coreBytes = <usize>packedBytes(N, N);
  for (let cc = next ? c0 + take(next, G) : c0; cc < c1; cc = next ? c0 + take(next, G) : cc + G) {
    const n = min(G, c1 - cc);
    const lda = gatherCores(routed, x, xStride, B, S, K, cc, n, dstPtr, srcSlot, coef);
    for (let c = cc; c < cc + n; c++) {
      const yc = y + (<usize>(c * N) << 2);
      const a = dstPtr ? routed + (<usize>((c - cc) * N) << 2) : x + (<usize>(c * N) << 2);
      const wc = wPacked + <usize>c * coreBytes;
      // few rows: the list of ranges in the GEMM scratch (max(8 N, 32) of its bytes)
      if (B < 4) gemvPackedNonzero(B, N, N, a, lda, wc, yc, ldy, scratch);
      else {
        packA(a, lda, 1, B, N, ap);
        const used = nonzeroColumns(a, lda, B, N, cols);
        if (used < N) {
          compactPackedA(ap, B, N, cols, used);
          gemmPackedABColumns(B, N, N, ap, wc, cols, used, yc, ldy, scratch);
        } else gemmPackedAB(B, N, N, ap, wc, yc, ldy, 0, scratch);
      }
      if (relu) reluBlock(yc, ldy, B, N);
    }
  }
}

/**
 * dW[c][:, k S .. (k+1) S) (+)= gy[:, c]^T [N, B] . gather_{c,k}(x) [B, S] for the
 * destination slots u = c K + k in [u0, u1) (whole cores: u0 = c0 K, u1 = c1 K).
 * gy [B, ldgy], x [B, xStride], dw [C, N, N]; accumulate 0 overwrites those columns.
 * The slots are gathered in chunks of ROUTED_CHUNK_BYTES, a sample row at a time.
 */
export function routedWeightGrad(
  dw: usize, gy: usize, ldgy: i32, x: usize, xStride: i32,
  B: i32, N: i32, S: i32, K: i32, u0: i32, u1: i32,
  dstPtr: usize, srcSlot: usize, coef: usize, accumulate: i32, scratch: usize, next: usize
): void {
  weightGradSlots(false, dw, gy, ldgy, x, xStride, B, N, S, K, u0, u1, dstPtr, srcSlot, coef, accumulate, scratch, next,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}

/**
 * routedWeightGrad fused with adamStep: each core's dW columns for the slots in
 * [u0, u1) are computed into the thread's scratch (never into a gradient buffer)
 * and applied at once to p (= W), m and v, [C, N, N] each, with the same values
 * and arithmetic as routedWeightGrad (accumulate 0) then adamStep over W.
 * nonFinite (i32): 1 when an updated value is NaN or infinite, else 0.
 * p 0: the dW blocks are computed and dropped, and nothing is written (not m, v
 * nor nonFinite): bench/split.ts times the GEMM inside the update this way.
 * Scratch: routedScratchBytes(B, N) + N N 4 bytes (twin: routedAdamScratchBytes).
 */
export function routedWeightGradAdam(
  gy: usize, ldgy: i32, x: usize, xStride: i32,
  B: i32, N: i32, S: i32, K: i32, u0: i32, u1: i32,
  dstPtr: usize, srcSlot: usize, coef: usize,
  p: usize, m: usize, v: usize, lr: f32, beta1: f32, beta2: f32, eps: f32, wd: f32, decoupled: i32,
  bc1: f32, bc2: f32, nonFinite: usize, scratch: usize, next: usize
): void {
  const bad = weightGradSlots(
    true, 0, gy, ldgy, x, xStride, B, N, S, K, u0, u1, dstPtr, srcSlot, coef, 0, scratch, next,
    p, m, v, lr, beta1, beta2, eps, wd, decoupled, lr / bc1, <f32>(1.0 / Math.sqrt(<f64>bc2))
  );
  if (p) store<i32>(nonFinite, bad ? 1 : 0);
}

// The weight gradient by destination slots, written to dw, or (adam) to a block in
// scratch and applied to the weights p with their moments m, v (adamSpan; p 0: not
// applied). Returns true when an update left a value that is not finite (always
// false without adam).
@inline function weightGradSlots(
  adam: bool, dw: usize, gy: usize, ldgy: i32, x: usize, xStride: i32,
  B: i32, N: i32, S: i32, K: i32, u0: i32, u1: i32,
  dstPtr: usize, srcSlot: usize, coef: usize, accumulate: i32, scratch: usize, next: usize,
  p: usize, m: usize, v: usize, lr: f32, beta1: f32, beta2: f32, eps: f32, wd: f32, decoupled: i32,
  stepSize: f32, invSqrtBc2: f32
): bool {
  const U = next ? takeSize(chunkBlocks(B, S), u1 - u0) : chunkBlocks(B, S);
  // gy_c^T [N, B] packed (a vector per sample row), inner dimension B
  const ap = packedAAt(scratch, B), routed = chunkAt(scratch, N, B);
  // adam: one core's dW columns [N, width] after everything routedScratchBytes covers
  const block = scratch + <usize>routedScratchBytes(B, N);
  let packed = -1;
  let bad = false;
  for (let ua = next ? u0 + take(next, U) : u0; ua < u1; ua = next ? u0 + take(next, U) : ua + U) {
    const ub = min(u1, ua + U);
    // routed [B, (ub - ua) S]: the chunk's slots side by side (x itself when already routed)
    const ld = dstPtr ? (ub - ua) * S : xStride;
    if (dstPtr) routeGather(routed, ld, x, xStride, B, S, ub - ua, dstPtr + (<usize>ua << 2), srcSlot, coef);
    const first = dstPtr ? routed : x + (<usize>(ua * S) << 2);
    for (let u = ua; u < ub; ) {
      const c = u / K;
      const end = min(ub, (c + 1) * K);
      if (c != packed) {
        packA(gy + (<usize>(c * N) << 2), 1, ldgy, N, B, ap);
        packed = c;
      }
      const a = first + (<usize>((u - ua) * S) << 2);
      const at = (<usize>c * N * N + <usize>(u - c * K) * S) << 2;
      if (adam) {
        const width = (end - u) * S;
        gemmPackedA(N, width, B, ap, a, ld, 0, block, width, 0, scratch);
        const rowBytes = <usize>N << 2;
        for (let r = 0; p && r < N; r++) {
          const o = at + <usize>r * rowBytes;
          const g = block + (<usize>(r * width) << 2);
          if (adamSpan(p + o, g, m + o, v + o, width, lr, beta1, beta2, eps, wd, decoupled, stepSize, invSqrtBc2)) bad = true;
        }
      } else {
        gemmPackedA(N, (end - u) * S, B, ap, a, ld, 0, dw + at, N, accumulate, scratch);
      }
      u = end;
    }
  }
  return bad;
}

/**
 * dx[b] (+)= the transposed routing of g[b] for rows b in [b0, b1), where
 * g[:, c] [B, N] = gy[:, c] . W[c] over the C destination cores is written to
 * drouted [B, C N] first. dx [B, xStride], xStride = the source cores' values
 * per row (xStride / S source slots, all written when accumulate is 0);
 * gy [B, ldgy]; w [C, N, N]. The routing is by source slot (transposeRouting):
 * srcPtr i32 [xStride / S + 1], dstSlot i32 [P], coef f32 [P], each source
 * slot's routes in increasing destination slot. Each dx value is summed in
 * registers from drouted and written once, taking its terms by destination
 * core, then slot, then route: the order of a scatter-add by destination slot
 * (routeScatter).
 * next 0: this call computes every core's g, then gathers its rows. Else two
 * i32 set to 0 before the call (the next core, the cores done), shared by one
 * call per thread, each with its own rows: every call takes cores from the
 * counter and computes their g over all B rows (each core's W is packed once),
 * waits until all C are done, then gathers its rows. A call that runs alone
 * takes every core, so calls run one after another never wait on each other.
 * mask: 0, or the layer's input x [B, xStride] when it is a relu output and dx is
 * written (accumulate 0): dx is then 0 where x <= 0, relu's backward done in the
 * same pass (the bits of reluBackward over dx).
 */
export function routedInputGrad(
  dx: usize, xStride: i32, drouted: usize, gy: usize, ldgy: i32, w: usize,
  b0: i32, b1: i32, B: i32, N: i32, S: i32, C: i32,
  srcPtr: usize, dstSlot: usize, coef: usize, accumulate: i32, scratch: usize, next: usize, mask: usize
): void {
  const ld = C * N;
  const ap = packedAAt(scratch, N);
  for (let c = next ? take(next, 1) : 0; c < C; c = next ? take(next, 1) : c + 1) {
    const a = gy + (<usize>(c * N) << 2), wc = w + (<usize>c * N * N << 2);
    const out = drouted + (<usize>(c * N) << 2);
    if (B < 4) gemmNN(B, N, N, a, ldgy, wc, N, out, ld, 0, scratch);
    else {
      packA(a, ldgy, 1, B, N, ap);
      gemmPackedA(B, N, N, ap, wc, N, 0, out, ld, 0, scratch);
    }
    if (next) done(next + 4);
  }
  if (next) waitAll(next + 4, C);
  const rows = b1 - b0;
  if (rows <= 0) return;
  gatherRows(
    dx + (<usize>b0 * xStride << 2), xStride, drouted + (<usize>b0 * ld << 2), ld, rows, S, xStride / S,
    srcPtr, dstSlot, coef, accumulate != 0, mask ? mask + (<usize>b0 * xStride << 2) : 0
  );
}

// Counts one finished unit (release: its results are written before the count).
@inline function done(counter: usize): void {
  if (ASC_FEATURE_THREADS) atomic.add<i32>(counter, 1);
  else store<i32>(counter, load<i32>(counter) + 1);
}

// Waits until n units are counted done (acquire: their results are visible after).
@inline function waitAll(counter: usize, n: i32): void {
  if (ASC_FEATURE_THREADS) while (atomic.load<i32>(counter) < n) {}
}
