// ScRRAMBLe slot routing kernels: gather source slots with integer coefficients
// into the routed buffer (forward) and the transposed scatter-add (backward).
// Routing is CSR by destination slot: dstPtr i32 [DS+1], srcSlot i32 [P], coef f32 [P].
// Letters (docs/architecture.md): B batch, S slot size, DS destination slots (Cdst K), P routes.
// xStride / rStride: elements per sample row of x and routed. Allocates nothing.

/** routed[b, d, m] = sum_e coef[e] * x[b, srcSlot[e], m] over e in dstPtr[d]..dstPtr[d+1]. */
export function routeGather(
  routed: usize, rStride: i32, x: usize, xStride: i32,
  B: i32, S: i32, DS: i32,
  dstPtr: usize, srcSlot: usize, coef: usize
): void {
  const S4 = S & ~3;
  for (let b = 0; b < B; b++) {
    const xb = x + (<usize>b * xStride << 2);
    const rb = routed + (<usize>b * rStride << 2);
    for (let d = 0; d < DS; d++) {
      const out = rb + (<usize>d * S << 2);
      for (let m = 0; m < S; m++) store<f32>(out + (<usize>m << 2), 0);
      const e0 = load<i32>(dstPtr + (<usize>d << 2)), e1 = load<i32>(dstPtr + (<usize>(d + 1) << 2));
      for (let e = e0; e < e1; e++) {
        const src = xb + (<usize>load<i32>(srcSlot + (<usize>e << 2)) * S << 2);
        const c = load<f32>(coef + (<usize>e << 2));
        const cv = f32x4.splat(c);
        let m = 0;
        for (; m < S4; m += 4) {
          const o = <usize>m << 2;
          v128.store(out + o, f32x4.add(v128.load(out + o), f32x4.mul(cv, v128.load(src + o))));
        }
        for (; m < S; m++) { const o = <usize>m << 2; store<f32>(out + o, load<f32>(out + o) + c * load<f32>(src + o)); }
      }
    }
  }
}

/** dx[b, srcSlot[e], m] += coef[e] * drouted[b, d, m] (transposed routing). */
export function routeScatter(
  dx: usize, xStride: i32, drouted: usize, rStride: i32,
  B: i32, S: i32, DS: i32,
  dstPtr: usize, srcSlot: usize, coef: usize
): void {
  const S4 = S & ~3;
  for (let b = 0; b < B; b++) {
    const xb = dx + (<usize>b * xStride << 2);
    const rb = drouted + (<usize>b * rStride << 2);
    for (let d = 0; d < DS; d++) {
      const g = rb + (<usize>d * S << 2);
      const e0 = load<i32>(dstPtr + (<usize>d << 2)), e1 = load<i32>(dstPtr + (<usize>(d + 1) << 2));
      for (let e = e0; e < e1; e++) {
        const dst = xb + (<usize>load<i32>(srcSlot + (<usize>e << 2)) * S << 2);
        const c = load<f32>(coef + (<usize>e << 2));
        const cv = f32x4.splat(c);
        let m = 0;
        for (; m < S4; m += 4) {
          const o = <usize>m << 2;
          v128.store(dst + o, f32x4.add(v128.load(dst + o), f32x4.mul(cv, v128.load(g + o))));
        }
        for (; m < S; m++) { const o = <usize>m << 2; store<f32>(dst + o, load<f32>(dst + o) + c * load<f32>(g + o)); }
      }
    }
  }
}
