// Crossbar read-out kernels (conductance domain): the symmetric DAC / ADC
// quantiser and the column read-out that adds output-referred read noise and
// converts currents back to the digital scale. The matrix-vector product itself
// is the GEMM (gemmNT with conductances as the weight). Allocates nothing.
// Letters (docs/architecture.md): B batch, N core size (rows of a core's output).

/**
 * Symmetric quantiser (a DAC, or an ADC on signed partial sums):
 * out = clamp(round(x / d), -steps, steps) * d with d = maxVal / steps.
 */
export function quantizeSymmetric(out: usize, x: usize, n: i32, steps: f32, maxVal: f32): void {
  const d = maxVal / steps;
  const inv = steps / maxVal;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const q = min<f32>(max<f32>(nearest<f32>(load<f32>(x + o) * inv), -steps), steps);
    store<f32>(out + o, q * d);
  }
}

/**
 * Mid-rise quantiser with `levels` codes over [-maxVal, maxVal] (an ADC on signed
 * partial sums): d = 2 maxVal / levels, out = (clamp(floor(x / d), -levels/2, levels/2 - 1) + 1/2) d.
 */
export function quantizeMidrise(out: usize, x: usize, n: i32, levels: f32, maxVal: f32): void {
  const d: f32 = <f32>2 * maxVal / levels;
  const inv: f32 = levels / (<f32>2 * maxVal);
  const lo: f32 = -levels / 2, hi: f32 = levels / 2 - 1;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const k = min<f32>(max<f32>(floor<f32>(load<f32>(x + o) * inv), lo), hi);
    store<f32>(out + o, (k + <f32>0.5) * d);
  }
}

/**
 * y[b, j] = (cur[b, j] + sigma * |v[b, :I]| * z[b, j]) * scale for j < N.
 * cur [B, ldcur] (the N output lines' currents), v [B, ldv] (the I inputs of the
 * array), z [B, N] standard normals (z = 0 address: no noise), y [B, ldy]. Read
 * noise of independent Gaussian conductance errors of std sigma, referred to the
 * output: exact in distribution.
 */
export function crossbarReadout(
  y: usize, ldy: i32, cur: usize, ldcur: i32, v: usize, ldv: i32, z: usize,
  B: i32, N: i32, I: i32, sigma: f32, scale: f32
): void {
  for (let b = 0; b < B; b++) {
    let norm: f32 = 0;
    if (z) {
      let s: f64 = 0;
      const vb = v + (<usize>b * ldv << 2);
      for (let c = 0; c < I; c++) { const t = <f64>load<f32>(vb + (<usize>c << 2)); s += t * t; }
      norm = <f32>Math.sqrt(s) * sigma;
    }
    const ib = cur + (<usize>b * ldcur << 2), yb = y + (<usize>b * ldy << 2), zb = z + (<usize>b * N << 2);
    for (let j = 0; j < N; j++) {
      const o = <usize>j << 2;
      let current = load<f32>(ib + o);
      if (z) current += norm * load<f32>(zb + o);
      store<f32>(yb + o, current * scale);
    }
  }
}
