// Reductions and fused losses. Sums accumulate in f64 for stability. Allocate
// nothing; scalar results are written to out[0]; backward kernels add (+=).
// Letters (docs/architecture.md): B batch, L classes, M rows, J columns.

/** out[0] = sum of x[0..n) */
export function sum(out: usize, x: usize, n: i32): void {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) s += <f64>load<f32>(x + (<usize>i << 2));
  store<f32>(out, <f32>s);
}

/** out[j] (+)= sum over rows r of x[r, j]. Shapes: x [M, J], out [J]. */
export function sumRows(out: usize, x: usize, M: i32, J: i32, accumulate: i32): void {
  if (!accumulate) for (let c = 0; c < J; c++) store<f32>(out + (<usize>c << 2), 0);
  for (let r = 0; r < M; r++) {
    const row = x + (<usize>r * J << 2);
    let c = 0;
    for (; c + 4 <= J; c += 4) { const o = <usize>c << 2; v128.store(out + o, f32x4.add(v128.load(out + o), v128.load(row + o))); }
    for (; c < J; c++) { const o = <usize>c << 2; store<f32>(out + o, load<f32>(out + o) + load<f32>(row + o)); }
  }
}

/**
 * Softmax cross-entropy, mean over the batch. logits [B, L], labels i32 [B],
 * probs [B, L] (written, saved for backward), out[0] = mean loss.
 */
export function softmaxCrossEntropy(out: usize, probs: usize, logits: usize, labels: usize, B: i32, L: i32): void {
  let total: f64 = 0;
  for (let b = 0; b < B; b++) {
    const row = <usize>b * L << 2;
    let mx: f32 = -Infinity;
    for (let c = 0; c < L; c++) mx = max(mx, load<f32>(logits + row + (<usize>c << 2)));
    let z: f64 = 0;
    for (let c = 0; c < L; c++) {
      const e = Math.exp(<f64>(load<f32>(logits + row + (<usize>c << 2)) - mx));
      store<f32>(probs + row + (<usize>c << 2), <f32>e);
      z += e;
    }
    const inv = 1.0 / z;
    for (let c = 0; c < L; c++) {
      const p = probs + row + (<usize>c << 2);
      store<f32>(p, <f32>(<f64>load<f32>(p) * inv));
    }
    const y = load<i32>(labels + (<usize>b << 2));
    total += -(<f64>(load<f32>(logits + row + (<usize>y << 2)) - mx) - Math.log(z));
  }
  store<f32>(out, <f32>(total / B));
}

/** dlogits += g / B * (probs - onehot(labels)). */
export function softmaxCrossEntropyBackward(dlogits: usize, probs: usize, labels: usize, B: i32, L: i32, g: f32): void {
  const s = g / <f32>B;
  for (let b = 0; b < B; b++) {
    const row = <usize>b * L << 2;
    const y = load<i32>(labels + (<usize>b << 2));
    for (let c = 0; c < L; c++) {
      const o = row + (<usize>c << 2);
      const t: f32 = c == y ? 1 : 0;
      store<f32>(dlogits + o, load<f32>(dlogits + o) + s * (load<f32>(probs + o) - t));
    }
  }
}

/** out[0] = mean over n of (a - b)^2 */
export function mse(out: usize, a: usize, b: usize, n: i32): void {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const d = <f64>load<f32>(a + o) - <f64>load<f32>(b + o);
    s += d * d;
  }
  store<f32>(out, <f32>(s / n));
}

/** da += g * 2 (a - b) / n ; db -= the same (db may be 0 = skip). */
export function mseBackward(da: usize, db: usize, a: usize, b: usize, n: i32, g: f32): void {
  const s: f32 = <f32>2 * g / <f32>n;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const d = s * (load<f32>(a + o) - load<f32>(b + o));
    if (da) store<f32>(da + o, load<f32>(da + o) + d);
    if (db) store<f32>(db + o, load<f32>(db + o) - d);
  }
}
