// Capsule output and margin loss: squash(v) = |v|^2/(1+|v|^2) * v/(|v|+eps), the
// class score is |squash(v)|, loss = sum_k T_k max(0, m+ - L_k)^2
// + lambda (1 - T_k) max(0, L_k - m-)^2, mean over the batch.
// Letters (docs/architecture.md): B batch, L classes (capsules), D values per capsule. Allocates nothing.

const EPS: f64 = 1e-8;

/** lengths [B, L] and norms [B, L] of the capsules y [B, L, D]. */
export function capsuleLengths(lengths: usize, norms: usize, y: usize, B: i32, L: i32, D: i32): void {
  for (let i = 0; i < B * L; i++) {
    const v = y + (<usize>i * D << 2);
    let s: f64 = 0;
    for (let d = 0; d < D; d++) { const x = <f64>load<f32>(v + (<usize>d << 2)); s += x * x; }
    const n = Math.sqrt(s);
    store<f32>(norms + (<usize>i << 2), <f32>n);
    store<f32>(lengths + (<usize>i << 2), <f32>((s / (1 + s)) * (n / (n + EPS))));
  }
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
      for (let d = 0; d < D; d++) {
        const o = <usize>d << 2;
        store<f32>(dv + o, (accumulate ? load<f32>(dv + o) : <f32>0) + k * load<f32>(v + o));
      }
    }
  }
}
