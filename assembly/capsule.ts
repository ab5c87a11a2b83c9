// Capsule output and margin loss: squash(v) = |v|^2/(1+|v|^2) * v/(|v|+eps), the
// class score is |squash(v)|, loss = sum_k T_k max(0, m+ - L_k)^2
// + lambda (1 - T_k) max(0, L_k - m-)^2, mean over the batch.
// Letters (docs/architecture.md): B batch, L classes (capsules), D values per capsule. Allocates nothing.

const EPS: f64 = 1e-8;

/** lengths [B, L] and norms [B, L] of the capsules y [B, L, D]. */
export function capsuleLengths(lengths: usize, norms: usize, y: usize, B: i32, L: i32, D: i32): void {
  const n = B * L;
  let i = 0;
  // two capsules at a time, one in each f64 lane: each lane sums its capsule's squares
  // in the same order as the loop below, so every length has the same bits
  if ((D & 3) == 0) for (; i + 2 <= n; i += 2) {
    const v0 = y + (<usize>i * D << 2), v1 = v0 + (<usize>D << 2);
    let s = f64x2.splat(0);
    for (let d = 0; d < D; d += 4) {
      const o = <usize>d << 2;
      const a = v128.load(v0 + o), b = v128.load(v1 + o);
      // [a0, b0], [a1, b1], [a2, b2], [a3, b3] as f64 pairs, in order of d
      const lo = f64x2.promote_low_f32x4(v128.shuffle<f32>(a, b, 0, 4, 1, 5));
      const lo2 = f64x2.promote_low_f32x4(v128.shuffle<f32>(a, b, 1, 5, 0, 4));
      const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(a, b, 2, 6, 3, 7));
      const hi2 = f64x2.promote_low_f32x4(v128.shuffle<f32>(a, b, 3, 7, 2, 6));
      s = f64x2.add(s, f64x2.mul(lo, lo));
      s = f64x2.add(s, f64x2.mul(lo2, lo2));
      s = f64x2.add(s, f64x2.mul(hi, hi));
      s = f64x2.add(s, f64x2.mul(hi2, hi2));
    }
    storeLength(lengths, norms, i, f64x2.extract_lane(s, 0));
    storeLength(lengths, norms, i + 1, f64x2.extract_lane(s, 1));
  }
  for (; i < n; i++) {
    const v = y + (<usize>i * D << 2);
    let s: f64 = 0;
    for (let d = 0; d < D; d++) { const x = <f64>load<f32>(v + (<usize>d << 2)); s += x * x; }
    storeLength(lengths, norms, i, s);
  }
}

// Capsule i's norm and length from its sum of squares s.
@inline function storeLength(lengths: usize, norms: usize, i: i32, s: f64): void {
  const n = Math.sqrt(s);
  store<f32>(norms + (<usize>i << 2), <f32>n);
  store<f32>(lengths + (<usize>i << 2), <f32>((s / (1 + s)) * (n / (n + EPS))));
}

/** out[0] = mean over b of the margin loss; lengths [B, L], labels i32 [B]. */
export function marginLoss(out: usize, lengths: usize, labels: usize, B: i32, L: i32, mPlus: f32, mMinus: f32, lambda: f32): void {
  let total: f64 = 0;
  for (let b = 0; b < B; b++) {
    const y = load<i32>(labels + (<usize>b << 2));
    for (let c = 0; c < L; c++) {
      const len = <f64>load<f32>(lengths + (<usize>(b * L + c) << 2));
      if (c == y) { const m = max<f64>(0, mPlus - len); total += m * m; }
      else { const m = max<f64>(0, len - mMinus); total += lambda * m * m; }
    }
  }
  store<f32>(out, <f32>(total / B));
}

/**
 * dy [B, L, D] (+)= g/B * dLoss/dy for rows b in [b0, b1), from saved norms and
 * lengths (B is the whole batch: the loss is its mean). accumulate 0 overwrites.
 */
export function marginLossBackward(
  dy: usize, y: usize, norms: usize, lengths: usize, labels: usize,
  B: i32, L: i32, D: i32,
  mPlus: f32, mMinus: f32, lambda: f32, g: f32,
  b0: i32, b1: i32, accumulate: i32
): void {
  const s = <f64>g / <f64>B;
  for (let b = b0; b < b1; b++) {
    const lab = load<i32>(labels + (<usize>b << 2));
    for (let c = 0; c < L; c++) {
      const i = b * L + c;
      const len = <f64>load<f32>(lengths + (<usize>i << 2));
      const n = <f64>load<f32>(norms + (<usize>i << 2));
      const dL: f64 = c == lab ? -2 * max<f64>(0, mPlus - len) : 2 * lambda * max<f64>(0, len - mMinus);
      const v = y + (<usize>i * D << 2), dv = dy + (<usize>i * D << 2);
      if (dL == 0 || n == 0) {
        if (!accumulate) memory.fill(dv, 0, <usize>D << 2);
        continue;
      }
      const n2 = n * n;
      const f = n2 / (1 + n2), h = n / (n + EPS);
      const df = 2 * n / ((1 + n2) * (1 + n2)), dh = EPS / ((n + EPS) * (n + EPS));
      const k = <f32>(s * dL * (df * h + f * dh) / n);
      // (dv or 0) + k v, four values at a time (each value's two operations as in the tail loop)
      const kv = f32x4.splat(k), z = f32x4.splat(0);
      let d = 0;
      for (; d + 4 <= D; d += 4) {
        const o = <usize>d << 2;
        v128.store(dv + o, f32x4.add(accumulate ? v128.load(dv + o) : z, f32x4.mul(kv, v128.load(v + o))));
      }
      for (; d < D; d++) {
        const o = <usize>d << 2;
        store<f32>(dv + o, (accumulate ? load<f32>(dv + o) : <f32>0) + k * load<f32>(v + o));
      }
    }
  }
}
