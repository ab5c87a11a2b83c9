// ScRRAMBLe slot routing kernels: gather source slots with integer coefficients
// into the routed buffer (forward; with the routing by source slot, the input
// gradient in assembly/routed.ts) and the transposed scatter-add.
// Routing is CSR by destination slot: dstPtr i32 [DS+1], srcSlot i32 [P], coef f32 [P].
// Letters (docs/architecture.md): B batch, S slot size, DS destination slots (Cdst K), P routes.
// xStride / rStride: elements per sample row of x and routed. Allocates nothing.

import { touchLines } from "./gemm";

/**
 * routed[b, d, m] = sum_e coef[e] * x[b, srcSlot[e], m] over e in dstPtr[d]..dstPtr[d+1].
 * Each block of up to 16 values of a destination slot is summed in registers over
 * all its routes (in route order, multiply then add), then stored once.
 */
export function routeGather(
  routed: usize, rStride: i32, x: usize, xStride: i32,
  B: i32, S: i32, DS: i32,
  dstPtr: usize, srcSlot: usize, coef: usize
): void {
  gatherRows(routed, rStride, x, xStride, B, S, DS, dstPtr, srcSlot, coef, false, 0);
}

/**
 * routeGather, with each sum starting from routed's value (accumulate true) instead of 0.
 * With the routing by source slot (transposeRouting), this is the transposed routing's
 * scatter-add in gather form: each value takes its terms in the scatter's order.
 * mask: 0, or a relu output laid out as routed [B, rStride]: each slot, once summed, is
 * set to 0 where mask <= 0 (relu's backward, the bits of reluBackward).
 */
@inline export function gatherRows(
  routed: usize, rStride: i32, x: usize, xStride: i32,
  B: i32, S: i32, DS: i32,
  dstPtr: usize, srcSlot: usize, coef: usize, accumulate: bool, mask: usize
): void {
  // the routes read at least a row's worth of x per row: worth streaming each row in first
  const reads = (load<i32>(dstPtr + (<usize>DS << 2)) - load<i32>(dstPtr)) * S;
  const touch = xStride >= TOUCH_ELEMENTS && reads >= xStride;
  for (let b = 0; b < B; b++) {
    const xb = x + (<usize>b * xStride << 2);
    const rb = routed + (<usize>b * rStride << 2);
    const mb = mask + (<usize>b * rStride << 2);
    if (touch) touchLines(xb, xStride);
    for (let d = 0; d < DS; d++) {
      const out = rb + (<usize>d * S << 2);
      const e0 = load<i32>(dstPtr + (<usize>d << 2)), e1 = load<i32>(dstPtr + (<usize>(d + 1) << 2));
      let m = 0;
      for (; m + 16 <= S; m += 16) gatherBlock4(out + (<usize>m << 2), xb + (<usize>m << 2), S, e0, e1, srcSlot, coef, accumulate);
      for (; m + 4 <= S; m += 4) gatherBlock1(out + (<usize>m << 2), xb + (<usize>m << 2), S, e0, e1, srcSlot, coef, accumulate);
      for (; m < S; m++) {
        let acc: f32 = accumulate ? load<f32>(out + (<usize>m << 2)) : 0;
        for (let e = e0; e < e1; e++) {
          const src = xb + ((<usize>load<i32>(srcSlot + (<usize>e << 2)) * S + m) << 2);
          acc += load<f32>(coef + (<usize>e << 2)) * load<f32>(src);
        }
        store<f32>(out + (<usize>m << 2), acc);
      }
      if (mask) maskSlot(out, mb + (<usize>d * S << 2), S);
    }
  }
}

// Rows of x of at least this many elements (32 KB), whose every value the routes read once
// or more on average, are read once in order before their slots are gathered: the routes
// visit a row's slots in a scattered order, each visit a miss to the next cache level,
// while an in-order pass is streamed in by the hardware prefetcher.
const TOUCH_ELEMENTS = 8192;

// out[0..S) = out where relu[0..S) > 0, else +0 (as reluBackward writes it).
@inline function maskSlot(out: usize, relu: usize, S: i32): void {
  const z = f32x4.splat(0);
  let m = 0;
  for (; m + 4 <= S; m += 4) {
    const o = <usize>m << 2;
    v128.store(out + o, v128.and(v128.load(out + o), f32x4.gt(v128.load(relu + o), z)));
  }
  for (; m < S; m++) {
    const o = <usize>m << 2;
    if (!(load<f32>(relu + o) > 0)) store<f32>(out + o, 0);
  }
}

// out[0..16) = (out or 0) + sum over routes e0..e1 of coef[e] * x[srcSlot[e] * S + 0..16), x and out offset by the block.
// Four accumulators: with eight (32 values) the compiled loop loaded all eight vectors
// first and kept an accumulator on the stack, a store and a load in every route's chain.
@inline function gatherBlock4(out: usize, xm: usize, S: i32, e0: i32, e1: i32, srcSlot: usize, coef: usize, accumulate: bool): void {
  const z = f32x4.splat(0);
  let a0 = accumulate ? v128.load(out) : z, a1 = accumulate ? v128.load(out, 16) : z;
  let a2 = accumulate ? v128.load(out, 32) : z, a3 = accumulate ? v128.load(out, 48) : z;
  for (let e = e0; e < e1; e++) {
    const src = xm + (<usize>load<i32>(srcSlot + (<usize>e << 2)) * S << 2);
    const c = v128.load32_splat(coef + (<usize>e << 2));
    a0 = f32x4.add(a0, f32x4.mul(c, v128.load(src)));
    a1 = f32x4.add(a1, f32x4.mul(c, v128.load(src, 16)));
    a2 = f32x4.add(a2, f32x4.mul(c, v128.load(src, 32)));
    a3 = f32x4.add(a3, f32x4.mul(c, v128.load(src, 48)));
  }
  v128.store(out, a0); v128.store(out, a1, 16); v128.store(out, a2, 32); v128.store(out, a3, 48);
}

// out[0..4) = (out or 0) + sum over routes of coef[e] * x[srcSlot[e] * S + 0..4).
@inline function gatherBlock1(out: usize, xm: usize, S: i32, e0: i32, e1: i32, srcSlot: usize, coef: usize, accumulate: bool): void {
  let a = accumulate ? v128.load(out) : f32x4.splat(0);
  for (let e = e0; e < e1; e++) {
    const src = xm + (<usize>load<i32>(srcSlot + (<usize>e << 2)) * S << 2);
    a = f32x4.add(a, f32x4.mul(v128.load32_splat(coef + (<usize>e << 2)), v128.load(src)));
  }
  v128.store(out, a);
}

/**
 * dx[b, srcSlot[e], m] += coef[e] * drouted[b, d, m] (transposed routing). Each block
 * of up to 32 values of drouted[b, d] is held in registers over the slot's routes;
 * every dx value takes its terms in route order, as a plain scatter-add would.
 * The training step gathers instead (routedInputGrad, the same bits); this is its
 * reference.
 */
export function routeScatter(
  dx: usize, xStride: i32, drouted: usize, rStride: i32,
  B: i32, S: i32, DS: i32,
  dstPtr: usize, srcSlot: usize, coef: usize
): void {
  for (let b = 0; b < B; b++) {
    const xb = dx + (<usize>b * xStride << 2);
    const rb = drouted + (<usize>b * rStride << 2);
    for (let d = 0; d < DS; d++) {
      const g = rb + (<usize>d * S << 2);
      const e0 = load<i32>(dstPtr + (<usize>d << 2)), e1 = load<i32>(dstPtr + (<usize>(d + 1) << 2));
      let m = 0;
      for (; m + 32 <= S; m += 32) scatterBlock8(xb + (<usize>m << 2), g + (<usize>m << 2), S, e0, e1, srcSlot, coef);
      for (; m + 4 <= S; m += 4) {
        const gv = v128.load(g + (<usize>m << 2));
        for (let e = e0; e < e1; e++) {
          const dst = xb + ((<usize>load<i32>(srcSlot + (<usize>e << 2)) * S + m) << 2);
          v128.store(dst, f32x4.add(v128.load(dst), f32x4.mul(v128.load32_splat(coef + (<usize>e << 2)), gv)));
        }
      }
      for (; m < S; m++) {
        const gm = load<f32>(g + (<usize>m << 2));
        for (let e = e0; e < e1; e++) {
          const dst = xb + ((<usize>load<i32>(srcSlot + (<usize>e << 2)) * S + m) << 2);
          store<f32>(dst, load<f32>(dst) + load<f32>(coef + (<usize>e << 2)) * gm);
        }
      }
    }
  }
}

// dx[srcSlot[e] * S + 0..32) += coef[e] * g[0..32) over routes e0..e1, dx and g offset by the block.
@inline function scatterBlock8(xm: usize, g: usize, S: i32, e0: i32, e1: i32, srcSlot: usize, coef: usize): void {
  const g0 = v128.load(g), g1 = v128.load(g, 16), g2 = v128.load(g, 32), g3 = v128.load(g, 48);
  const g4 = v128.load(g, 64), g5 = v128.load(g, 80), g6 = v128.load(g, 96), g7 = v128.load(g, 112);
  for (let e = e0; e < e1; e++) {
    const dst = xm + (<usize>load<i32>(srcSlot + (<usize>e << 2)) * S << 2);
    const c = v128.load32_splat(coef + (<usize>e << 2));
    v128.store(dst, f32x4.add(v128.load(dst), f32x4.mul(c, g0)));
    v128.store(dst, f32x4.add(v128.load(dst, 16), f32x4.mul(c, g1)), 16);
    v128.store(dst, f32x4.add(v128.load(dst, 32), f32x4.mul(c, g2)), 32);
    v128.store(dst, f32x4.add(v128.load(dst, 48), f32x4.mul(c, g3)), 48);
    v128.store(dst, f32x4.add(v128.load(dst, 64), f32x4.mul(c, g4)), 64);
    v128.store(dst, f32x4.add(v128.load(dst, 80), f32x4.mul(c, g5)), 80);
    v128.store(dst, f32x4.add(v128.load(dst, 96), f32x4.mul(c, g6)), 96);
    v128.store(dst, f32x4.add(v128.load(dst, 112), f32x4.mul(c, g7)), 112);
  }
}
