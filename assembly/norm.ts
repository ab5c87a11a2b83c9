// Normalisation kernels. Batch normalisation over the rows of x [M, F] (M = B H W pixels, F channels,
// NHWC): per-channel sums in f64 over fixed blocks of rows (threads take whole blocks; the blocks are
// then summed in order, so the statistics are the same bits for any split), the per-channel affine map
// (optionally fused with relu) and the backward pieces. Layer normalisation over each row of x [B, D].
// Allocate nothing; gradients accumulate (+=). Letters: B batch, M rows, F channels, D features per row.

/**
 * For each block j in [j0, j1) of `rows` rows of x [M, F]: part[j] (2F f64) = per-channel sum, then sum of squares.
 */
export function channelSums(part: usize, x: usize, j0: i32, j1: i32, rows: i32, M: i32, F: i32): void {
  for (let j = j0; j < j1; j++) {
    const p = part + (<usize>j * F << 4);
    const sq = p + (<usize>F << 3);
    for (let f = 0; f < 2 * F; f++) store<f64>(p + (<usize>f << 3), 0);
    const r1 = min(M, (j + 1) * rows);
    for (let r = j * rows; r < r1; r++) {
      const row = x + (<usize>r * F << 2);
      let f = 0;
      for (; f + 4 <= F; f += 4) {
        const v = v128.load(row + (<usize>f << 2));
        const lo = f64x2.promote_low_f32x4(v), hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
        const o = <usize>f << 3;
        v128.store(p + o, f64x2.add(v128.load(p + o), lo));
        v128.store(p + o, f64x2.add(v128.load(p + o, 16), hi), 16);
        v128.store(sq + o, f64x2.add(v128.load(sq + o), f64x2.mul(lo, lo)));
        v128.store(sq + o, f64x2.add(v128.load(sq + o, 16), f64x2.mul(hi, hi)), 16);
      }
      for (; f < F; f++) {
        const v = <f64>load<f32>(row + (<usize>f << 2));
        const o = <usize>f << 3;
        store<f64>(p + o, load<f64>(p + o) + v);
        store<f64>(sq + o, load<f64>(sq + o) + v * v);
      }
    }
  }
}

/** total (2F f64) = the sum of the blocks' parts [blocks, 2F] taken in block order. */
export function sumParts(total: usize, part: usize, blocks: i32, F: i32): void {
  for (let f = 0; f < 2 * F; f++) {
    let s: f64 = 0;
    for (let j = 0; j < blocks; j++) s += load<f64>(part + ((<usize>j * 2 * F + f) << 3));
    store<f64>(total + (<usize>f << 3), s);
  }
}

/**
 * Batch statistics from totals (sums, sums of squares over n values): mean, biased variance and
 * invstd = 1 / sqrt(var + eps), each [F] f32. When runMean is non-zero, the running statistics move
 * towards the batch ones: run = (1 - momentum) run + momentum batch, with the unbiased variance.
 */
export function bnStats(
  mean: usize, variance: usize, invstd: usize, total: usize, F: i32, n: i32, eps: f32,
  runMean: usize, runVar: usize, momentum: f32
): void {
  for (let f = 0; f < F; f++) {
    const m = load<f64>(total + (<usize>f << 3)) / n;
    const v = max<f64>(0, load<f64>(total + ((<usize>(F + f)) << 3)) / n - m * m);
    const o = <usize>f << 2;
    store<f32>(mean + o, <f32>m);
    store<f32>(variance + o, <f32>v);
    store<f32>(invstd + o, <f32>(1 / Math.sqrt(v + <f64>eps)));
    if (runMean) {
      const unbiased = n > 1 ? v * n / (n - 1) : v;
      store<f32>(runMean + o, <f32>((1 - <f64>momentum) * <f64>load<f32>(runMean + o) + <f64>momentum * m));
      store<f32>(runVar + o, <f32>((1 - <f64>momentum) * <f64>load<f32>(runVar + o) + <f64>momentum * unbiased));
    }
  }
}

/** scale = gamma invstd, shift = beta - mean scale (each [F]): y = x scale + shift normalises. */
export function bnScaleShift(scale: usize, shift: usize, gamma: usize, beta: usize, mean: usize, invstd: usize, F: i32): void {
  for (let f = 0; f < F; f++) {
    const o = <usize>f << 2;
    const s = load<f32>(gamma + o) * load<f32>(invstd + o);
    store<f32>(scale + o, s);
    store<f32>(shift + o, load<f32>(beta + o) - load<f32>(mean + o) * s);
  }
}

/** y[r, f] = x[r, f] scale[f] + shift[f] for rows r in [r0, r1) of [M, F]; then max(., 0) when relu. */
export function channelAffine(y: usize, x: usize, scale: usize, shift: usize, r0: i32, r1: i32, F: i32, relu: i32): void {
  const z = f32x4.splat(0);
  for (let r = r0; r < r1; r++) {
    const xr = x + (<usize>r * F << 2), yr = y + (<usize>r * F << 2);
    let f = 0;
    for (; f + 4 <= F; f += 4) {
      const o = <usize>f << 2;
      let v = f32x4.add(f32x4.mul(v128.load(xr + o), v128.load(scale + o)), v128.load(shift + o));
      if (relu) v = f32x4.max(v, z);
      v128.store(yr + o, v);
    }
    for (; f < F; f++) {
      const o = <usize>f << 2;
      let v = load<f32>(xr + o) * load<f32>(scale + o) + load<f32>(shift + o);
      if (relu) v = max<f32>(v, 0);
      store<f32>(yr + o, v);
    }
  }
}

/**
 * Backward partial sums per block (as channelSums): part[j] = per-channel sum of g, then of g xhat,
 * with g = dy, zeroed where y <= 0 when y is non-zero (the fused relu), xhat = (x - mean) invstd.
 */
export function bnBackwardSums(
  part: usize, dy: usize, y: usize, x: usize, mean: usize, invstd: usize,
  j0: i32, j1: i32, rows: i32, M: i32, F: i32
): void {
  const z = f32x4.splat(0);
  for (let j = j0; j < j1; j++) {
    const p = part + (<usize>j * F << 4);
    const px = p + (<usize>F << 3);
    for (let f = 0; f < 2 * F; f++) store<f64>(p + (<usize>f << 3), 0);
    const r1 = min(M, (j + 1) * rows);
    for (let r = j * rows; r < r1; r++) {
      const o = <usize>r * F << 2;
      let f = 0;
      for (; f + 4 <= F; f += 4) {
        const c = <usize>f << 2;
        let g = v128.load(dy + o + c);
        if (y) g = v128.and(g, f32x4.gt(v128.load(y + o + c), z));
        const gx = f32x4.mul(g, f32x4.mul(f32x4.sub(v128.load(x + o + c), v128.load(mean + c)), v128.load(invstd + c)));
        const d = <usize>f << 3;
        v128.store(p + d, f64x2.add(v128.load(p + d), f64x2.promote_low_f32x4(g)));
        v128.store(p + d, f64x2.add(v128.load(p + d, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(g, g, 2, 3, 0, 1))), 16);
        v128.store(px + d, f64x2.add(v128.load(px + d), f64x2.promote_low_f32x4(gx)));
        v128.store(px + d, f64x2.add(v128.load(px + d, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(gx, gx, 2, 3, 0, 1))), 16);
      }
      for (; f < F; f++) {
        const c = <usize>f << 2;
        let g = load<f32>(dy + o + c);
        if (y && load<f32>(y + o + c) <= 0) g = 0;
        const gx = g * ((load<f32>(x + o + c) - load<f32>(mean + c)) * load<f32>(invstd + c));
        const d = <usize>f << 3;
        store<f64>(p + d, load<f64>(p + d) + <f64>g);
        store<f64>(px + d, load<f64>(px + d) + <f64>gx);
      }
    }
  }
}

/** dgamma[f] += total[F + f] (sum g xhat), dbeta[f] += total[f] (sum g); either may be 0 (skip). */
export function bnParamGrads(dgamma: usize, dbeta: usize, total: usize, F: i32): void {
  for (let f = 0; f < F; f++) {
    const o = <usize>f << 2;
    if (dgamma) store<f32>(dgamma + o, load<f32>(dgamma + o) + <f32>load<f64>(total + ((<usize>(F + f)) << 3)));
    if (dbeta) store<f32>(dbeta + o, load<f32>(dbeta + o) + <f32>load<f64>(total + (<usize>f << 3)));
  }
}

/**
 * The per-channel coefficients of bnBackwardInput, coef [3F]: gamma invstd, then sum g / n and sum(g xhat) / n
 * when the statistics came from this batch (batchStats 1), else 0 (fixed statistics are constants).
 */
export function bnBackwardCoefs(coef: usize, gamma: usize, invstd: usize, total: usize, F: i32, n: i32, batchStats: i32): void {
  for (let f = 0; f < F; f++) {
    const o = <usize>f << 2;
    store<f32>(coef + o, load<f32>(gamma + o) * load<f32>(invstd + o));
    const mg = batchStats ? load<f64>(total + (<usize>f << 3)) / n : 0;
    const mgx = batchStats ? load<f64>(total + ((<usize>(F + f)) << 3)) / n : 0;
    store<f32>(coef + (<usize>(F + f) << 2), <f32>mg);
    store<f32>(coef + (<usize>(2 * F + f) << 2), <f32>mgx);
  }
}

/**
 * dx[r, f] += coef[f] (g - coef[F + f] - xhat coef[2F + f]) for rows r in [r0, r1) (g, xhat as in
 * bnBackwardSums): with batch statistics, gamma invstd (g - mean g - xhat mean(g xhat)); with fixed
 * statistics, gamma invstd g.
 */
export function bnBackwardInput(
  dx: usize, dy: usize, y: usize, x: usize, mean: usize, invstd: usize, coef: usize,
  r0: i32, r1: i32, F: i32
): void {
  const z = f32x4.splat(0);
  const cA = coef + (<usize>F << 2), cC = coef + (<usize>F << 3);
  for (let r = r0; r < r1; r++) {
    const o = <usize>r * F << 2;
    let f = 0;
    for (; f + 4 <= F; f += 4) {
      const c = <usize>f << 2;
      let g = v128.load(dy + o + c);
      if (y) g = v128.and(g, f32x4.gt(v128.load(y + o + c), z));
      const xh = f32x4.mul(f32x4.sub(v128.load(x + o + c), v128.load(mean + c)), v128.load(invstd + c));
      const d = f32x4.sub(f32x4.sub(g, v128.load(cA + c)), f32x4.mul(xh, v128.load(cC + c)));
      v128.store(dx + o + c, f32x4.add(v128.load(dx + o + c), f32x4.mul(v128.load(coef + c), d)));
    }
    for (; f < F; f++) {
      const c = <usize>f << 2;
      let g = load<f32>(dy + o + c);
      if (y && load<f32>(y + o + c) <= 0) g = 0;
      const xh = (load<f32>(x + o + c) - load<f32>(mean + c)) * load<f32>(invstd + c);
      const d = (g - load<f32>(cA + c)) - xh * load<f32>(cC + c);
      store<f32>(dx + o + c, load<f32>(dx + o + c) + load<f32>(coef + c) * d);
    }
  }
}

/**
 * Layer normalisation of each row of x [B, D]: y = (x - mean) rstd gamma + beta, rstd = 1 / sqrt(var + eps);
 * mean and rstd [B] are written for backward. Statistics in f64.
 */
export function layerNorm(y: usize, mean: usize, rstd: usize, x: usize, gamma: usize, beta: usize, B: i32, D: i32, eps: f32): void {
  for (let b = 0; b < B; b++) {
    const xr = x + (<usize>b * D << 2), yr = y + (<usize>b * D << 2);
    let s: f64 = 0, s2: f64 = 0;
    for (let d = 0; d < D; d++) {
      const v = <f64>load<f32>(xr + (<usize>d << 2));
      s += v;
      s2 += v * v;
    }
    const m = s / D;
    const rs = 1 / Math.sqrt(max<f64>(0, s2 / D - m * m) + <f64>eps);
    store<f32>(mean + (<usize>b << 2), <f32>m);
    store<f32>(rstd + (<usize>b << 2), <f32>rs);
    for (let d = 0; d < D; d++) {
      const o = <usize>d << 2;
      store<f32>(yr + o, <f32>((<f64>load<f32>(xr + o) - m) * rs) * load<f32>(gamma + o) + load<f32>(beta + o));
    }
  }
}

/**
 * Layer-norm backward: dx += rstd (g - mean(g) - xhat mean(g xhat)) with g = dy gamma, per row;
 * dgamma += sum over rows of dy xhat, dbeta += sum of dy. Any of dx, dgamma, dbeta may be 0 (skip).
 */
export function layerNormBackward(
  dx: usize, dgamma: usize, dbeta: usize, dy: usize, x: usize, mean: usize, rstd: usize, gamma: usize, B: i32, D: i32
): void {
  for (let b = 0; b < B; b++) {
    const o = <usize>b * D << 2;
    const m = <f64>load<f32>(mean + (<usize>b << 2)), rs = <f64>load<f32>(rstd + (<usize>b << 2));
    let sg: f64 = 0, sgx: f64 = 0;
    for (let d = 0; d < D; d++) {
      const c = <usize>d << 2;
      const gy = <f64>load<f32>(dy + o + c);
      const xh = (<f64>load<f32>(x + o + c) - m) * rs;
      const g = gy * <f64>load<f32>(gamma + c);
      sg += g;
      sgx += g * xh;
      if (dgamma) store<f32>(dgamma + c, load<f32>(dgamma + c) + <f32>(gy * xh));
      if (dbeta) store<f32>(dbeta + c, load<f32>(dbeta + c) + <f32>gy);
    }
    if (!dx) continue;
    sg /= D;
    sgx /= D;
    for (let d = 0; d < D; d++) {
      const c = <usize>d << 2;
      const xh = (<f64>load<f32>(x + o + c) - m) * rs;
      const g = <f64>load<f32>(dy + o + c) * <f64>load<f32>(gamma + c);
      store<f32>(dx + o + c, load<f32>(dx + o + c) + <f32>(rs * (g - sg - xh * sgx)));
    }
  }
}
