// Int8-weight kernels of the forward-only (edge) build: activations quantised
// per row to int16, weights stored int8 per row with an f32 scale (and an
// optional f32 offset), products summed exactly in i32 by i32x4.dot_i16x8_s.
// Allocates nothing. Letters (docs/architecture.md): M rows, J outputs, I inputs.

/** Activation codes are in [-ACT_MAX, ACT_MAX]; with |w| <= 128 a block of BLOCK inputs cannot overflow an i32 lane. */
const ACT_MAX: f32 = 16383;
const BLOCK: i32 = 2048;

/**
 * q[m, i] = round(x[m, i] / s[m]) as i16, s[m] = max_i |x[m, i]| / 16383 (0 for a zero row).
 * x [M, ldx >= I] f32, q [M, ldq >= I] i16, scales [M] f32 (written).
 */
export function quantizeRowsI16(q: usize, ldq: i32, scales: usize, x: usize, ldx: i32, M: i32, I: i32): void {
  const I8 = I & ~7;
  for (let m = 0; m < M; m++) {
    const xr = x + (<usize>m * ldx << 2);
    const qr = q + (<usize>m * ldq << 1);
    let mv = f32x4.splat(0);
    let i = 0;
    for (; i + 4 <= I; i += 4) mv = f32x4.max(mv, f32x4.abs(v128.load(xr + (<usize>i << 2))));
    let big = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    for (; i < I; i++) big = max(big, abs<f32>(load<f32>(xr + (<usize>i << 2))));
    const s: f32 = big / ACT_MAX;
    store<f32>(scales + (<usize>m << 2), s);
    const inv: f32 = big > 0 ? ACT_MAX / big : 0;
    const iv = f32x4.splat(inv);
    i = 0;
    for (; i < I8; i += 8) {
      const o = <usize>i << 2;
      const lo = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(xr + o), iv)));
      const hi = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(xr + o, 16), iv)));
      v128.store(qr + (<usize>i << 1), i16x8.narrow_i32x4_s(lo, hi));
    }
    for (; i < I; i++) store<i16>(qr + (<usize>i << 1), <i16>(<i32>nearest<f32>(load<f32>(xr + (<usize>i << 2)) * inv)));
  }
}

// Sum of a[0..n) i16 times b[0..n) i8, n <= BLOCK, exact in i32 lanes.
@inline function dotBlock(a: usize, b: usize, n: i32): i32 {
  const n16 = n & ~15;
  let acc = i32x4.splat(0);
  let k = 0;
  for (; k < n16; k += 16) {
    const w = v128.load(b + <usize>k);
    const o = <usize>k << 1;
    acc = i32x4.add(acc, i32x4.dot_i16x8_s(v128.load(a + o), i16x8.extend_low_i8x16_s(w)));
    acc = i32x4.add(acc, i32x4.dot_i16x8_s(v128.load(a + o, 16), i16x8.extend_high_i8x16_s(w)));
  }
  let s = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  for (; k < n; k++) s += <i32>load<i16>(a + (<usize>k << 1)) * <i32>load<i8>(b + <usize>k);
  return s;
}

/**
 * y[m, j] = as[m] ws[j] sum_i a[m, i] w[j, i] + wo[j] as[m] sum_i a[m, i]
 * a [M, lda >= I] i16 with row scales as [M]; w [J, ldw >= I] i8 with row scales ws [J] and
 * offsets wo [J] (wo = 0 address: no offset); y [M, ldy >= J] f32 (overwritten).
 * Four weight rows per pass, every sample against them while they sit in L1.
 */
export function gemmNTi8(
  M: i32, J: i32, I: i32,
  a: usize, lda: i32, as: usize,
  w: usize, ldw: i32, ws: usize, wo: usize,
  y: usize, ldy: i32
): void {
  const I16 = I & ~15;
  const wRow = <usize>ldw;
  let j = 0;
  for (; j + 4 <= J; j += 4) {
    const w0 = w + <usize>j * wRow, w1 = w0 + wRow, w2 = w1 + wRow, w3 = w2 + wRow;
    for (let m = 0; m < M; m++) {
      const ar = a + (<usize>m * lda << 1);
      let f0: f32 = 0, f1: f32 = 0, f2: f32 = 0, f3: f32 = 0;
      for (let k0 = 0; k0 < I; k0 += BLOCK) {
        const n = min(BLOCK, I - k0);
        const n16 = k0 + n <= I16 ? n : (n & ~15);
        let c0 = i32x4.splat(0), c1 = i32x4.splat(0), c2 = i32x4.splat(0), c3 = i32x4.splat(0);
        for (let k = k0; k < k0 + n16; k += 16) {
          const o = <usize>k << 1;
          const alo = v128.load(ar + o), ahi = v128.load(ar + o, 16);
          const u0 = v128.load(w0 + <usize>k), u1 = v128.load(w1 + <usize>k);
          c0 = i32x4.add(c0, i32x4.dot_i16x8_s(alo, i16x8.extend_low_i8x16_s(u0)));
          c0 = i32x4.add(c0, i32x4.dot_i16x8_s(ahi, i16x8.extend_high_i8x16_s(u0)));
          c1 = i32x4.add(c1, i32x4.dot_i16x8_s(alo, i16x8.extend_low_i8x16_s(u1)));
          c1 = i32x4.add(c1, i32x4.dot_i16x8_s(ahi, i16x8.extend_high_i8x16_s(u1)));
          const u2 = v128.load(w2 + <usize>k), u3 = v128.load(w3 + <usize>k);
          c2 = i32x4.add(c2, i32x4.dot_i16x8_s(alo, i16x8.extend_low_i8x16_s(u2)));
          c2 = i32x4.add(c2, i32x4.dot_i16x8_s(ahi, i16x8.extend_high_i8x16_s(u2)));
          c3 = i32x4.add(c3, i32x4.dot_i16x8_s(alo, i16x8.extend_low_i8x16_s(u3)));
          c3 = i32x4.add(c3, i32x4.dot_i16x8_s(ahi, i16x8.extend_high_i8x16_s(u3)));
        }
        // Lanes to f32 before the horizontal sum: four lanes together could pass 2^31.
        f0 += hsumF(c0); f1 += hsumF(c1); f2 += hsumF(c2); f3 += hsumF(c3);
        const t = k0 + n16, e = k0 + n;
        if (t < e) {
          const ak = ar + (<usize>t << 1);
          f0 += <f32>dotBlock(ak, w0 + <usize>t, e - t); f1 += <f32>dotBlock(ak, w1 + <usize>t, e - t);
          f2 += <f32>dotBlock(ak, w2 + <usize>t, e - t); f3 += <f32>dotBlock(ak, w3 + <usize>t, e - t);
        }
      }
      const s = load<f32>(as + (<usize>m << 2));
      const d = y + (<usize>m * ldy << 2) + (<usize>j << 2);
      let r0 = f0 * s * load<f32>(ws + (<usize>j << 2)), r1 = f1 * s * load<f32>(ws + (<usize>j << 2), 4);
      let r2 = f2 * s * load<f32>(ws + (<usize>j << 2), 8), r3 = f3 * s * load<f32>(ws + (<usize>j << 2), 12);
      if (wo) {
        const sum = <f32>rowSum(ar, I) * s;
        r0 += load<f32>(wo + (<usize>j << 2)) * sum; r1 += load<f32>(wo + (<usize>j << 2), 4) * sum;
        r2 += load<f32>(wo + (<usize>j << 2), 8) * sum; r3 += load<f32>(wo + (<usize>j << 2), 12) * sum;
      }
      store<f32>(d, r0); store<f32>(d, r1, 4); store<f32>(d, r2, 8); store<f32>(d, r3, 12);
    }
  }
  for (; j < J; j++) {
    const wr = w + <usize>j * wRow;
    for (let m = 0; m < M; m++) {
      const ar = a + (<usize>m * lda << 1);
      let f: f32 = 0;
      for (let k0 = 0; k0 < I; k0 += BLOCK) f += <f32>dotBlock(ar + (<usize>k0 << 1), wr + <usize>k0, min(BLOCK, I - k0));
      const s = load<f32>(as + (<usize>m << 2));
      let r = f * s * load<f32>(ws + (<usize>j << 2));
      if (wo) r += load<f32>(wo + (<usize>j << 2)) * <f32>rowSum(ar, I) * s;
      store<f32>(y + (<usize>m * ldy << 2) + (<usize>j << 2), r);
    }
  }
}

@inline function hsumF(v: v128): f32 {
  const f = f32x4.convert_i32x4_s(v);
  return f32x4.extract_lane(f, 0) + f32x4.extract_lane(f, 1) + f32x4.extract_lane(f, 2) + f32x4.extract_lane(f, 3);
}

// Sum of n i16 codes (exact: n < 2^16 codes of |q| <= 16383 fit an i64 easily).
function rowSum(a: usize, n: i32): i64 {
  let s: i64 = 0;
  for (let k = 0; k < n; k++) s += <i64>load<i16>(a + (<usize>k << 1));
  return s;
}
