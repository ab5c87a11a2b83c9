// 2-D convolution kernels, stride 1, SAME zero padding, any odd kernel side R (1 and 3 in the models).
// Activations NHWC (x [B, H, W, F], y [B, H, W, G]), weights HWIO (w [R, R, F, G], as JAX). A chunk of
// output pixels is unfolded (im2col) into caller-given scratch, then multiplied with the weight panels
// packed once per call (gemm.ts). Allocates nothing; each call covers a range the caller chose, so
// threads split the work by output pixels (forward, input gradient) or by weight rows (weight gradient).
// Letters (docs/architecture.md): B batch, H W image, F input and G output channels, R kernel side.

import { gemmPacked, gemmPackedTN, packB } from "./gemm";

// Copy n floats (v128 where it can) / zero n floats.
@inline function copyF32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

@inline function zeroF32(dst: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/**
 * col[n, k1 - k0] = patch columns k0..k1 of output pixels q0..q0+n (q counts over B H W) of x [B, H, W, F].
 * Patch column k = (ky R + kx) F + f, the order of the HWIO weight rows; taps outside the image read 0.
 * The R taps of one kernel row are R neighbouring pixels, contiguous in NHWC: one copy per kernel row.
 */
function im2col(col: usize, x: usize, H: i32, W: i32, F: i32, R: i32, q0: i32, n: i32, k0: i32, k1: i32): void {
  const pad = (R - 1) >> 1;
  const ld = k1 - k0;
  const RF = R * F;
  const HW = H * W;
  let b = q0 / HW;
  let yy = (q0 - b * HW) / W;
  let xx = q0 - b * HW - yy * W;
  for (let i = 0; i < n; i++) {
    const row = col + (<usize>i * ld << 2);
    const kxLo = max(0, pad - xx), kxHi = min(R, W + pad - xx); // valid taps kx in [kxLo, kxHi)
    for (let ky = 0; ky < R; ky++) {
      const r0 = ky * RF;
      const s0 = max(k0, r0), s1 = min(k1, r0 + RF);
      if (s0 >= s1) continue;
      const sy = yy + ky - pad;
      if (sy < 0 || sy >= H) {
        zeroF32(row + (<usize>(s0 - k0) << 2), s1 - s0);
        continue;
      }
      const v0 = min(s1, max(s0, r0 + kxLo * F)), v1 = max(v0, min(s1, r0 + kxHi * F));
      if (v0 > s0) zeroF32(row + (<usize>(s0 - k0) << 2), v0 - s0);
      // column c reads x[b, sy, xx - pad + (c - r0) / F, (c - r0) % F]: linear in c
      const src = <isize>(((b * H + sy) * W + xx - pad) * F - r0 + v0);
      copyF32(row + (<usize>(v0 - k0) << 2), x + <usize>(src << 2), v1 - v0);
      if (s1 > v1) zeroF32(row + (<usize>(v1 - k0) << 2), s1 - v1);
    }
    if (++xx == W) {
      xx = 0;
      if (++yy == H) {
        yy = 0;
        b++;
      }
    }
  }
}

/** Bytes of scratch conv2dForward needs: the unfolded chunk (none for R = 1) and a partial-tile buffer. */
export function convForwardScratchBytes(F: i32, R: i32, chunk: i32): i32 {
  return (R == 1 ? 0 : chunk * R * R * F * 4) + 128;
}

/**
 * y[q, g] (+)= sum over taps and f of x[tap(q), f] w[tap, f, g] (+ bias[g]) for output pixels q in [q0, q1).
 * panels: w [R R F, G] packed by packB (transB 0); bias 0 = none. Pixels go in chunks of `chunk`;
 * every output element is the same sum whatever the chunks or the split. accumulate: add into y.
 */
export function conv2dForward(
  y: usize, x: usize, panels: usize, bias: usize,
  H: i32, W: i32, F: i32, G: i32, R: i32,
  q0: i32, q1: i32, chunk: i32, accumulate: i32, scratch: usize
): void {
  const RRF = R * R * F;
  const tmp = scratch + (R == 1 ? 0 : <usize>chunk * RRF * 4);
  for (let c = q0; c < q1; c += chunk) {
    const n = min(chunk, q1 - c);
    let a = x + (<usize>c * F << 2);
    if (R != 1) {
      im2col(scratch, x, H, W, F, R, c, n, 0, RRF);
      a = scratch;
    }
    const yc = y + (<usize>c * G << 2);
    gemmPacked(n, G, RRF, a, RRF, panels, yc, G, accumulate, tmp);
    if (bias) {
      for (let i = 0; i < n; i++) {
        const row = yc + (<usize>i * G << 2);
        let g = 0;
        for (; g + 4 <= G; g += 4) {
          const o = <usize>g << 2;
          v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(bias + o)));
        }
        for (; g < G; g++) { const o = <usize>g << 2; store<f32>(row + o, load<f32>(row + o) + load<f32>(bias + o)); }
      }
    }
  }
}

/** Bytes of scratch conv2dBackwardWeight needs for weight rows k0..k1 (K = k1 - k0). */
export function convWeightScratchBytes(K: i32, G: i32, R: i32, chunk: i32): i32 {
  return (R == 1 ? 0 : chunk * K * 4) + ((G + 7) >> 3) * chunk * 32 + 128;
}

/**
 * dw[k, g] += sum over the Q = B H W pixels of col[q, k] dy[q, g], for weight rows k in [k0, k1)
 * (dw [R R F, G], HWIO). Pixels go in chunks of `chunk`, in order, so each element is the same
 * sum of chunk sums for any split of the rows over threads.
 */
export function conv2dBackwardWeight(
  dw: usize, x: usize, dy: usize,
  Q: i32, H: i32, W: i32, F: i32, G: i32, R: i32,
  k0: i32, k1: i32, chunk: i32, scratch: usize
): void {
  const K = k1 - k0;
  const col = scratch;
  const panels = scratch + (R == 1 ? 0 : <usize>chunk * K * 4);
  const tmp = panels + <usize>(((G + 7) >> 3) * chunk * 32);
  for (let c = 0; c < Q; c += chunk) {
    const n = min(chunk, Q - c);
    packB(dy + (<usize>c * G << 2), G, 0, n, G, panels);
    if (R == 1) {
      gemmPackedTN(K, G, n, x + ((<usize>c * F + k0) << 2), F, panels, dw + (<usize>k0 * G << 2), G, 1, tmp);
    } else {
      im2col(col, x, H, W, F, R, c, n, k0, k1);
      gemmPackedTN(K, G, n, col, K, panels, dw + (<usize>k0 * G << 2), G, 1, tmp);
    }
  }
}

/**
 * The weight of the input-gradient convolution: wf[ky, kx, g, f] = w[R-1-ky, R-1-kx, f, g]
 * (w [R, R, F, G] -> wf [R, R, G, F]); conv2dForward of dy with wf gives dx.
 */
export function conv2dFlipWeights(wf: usize, w: usize, R: i32, F: i32, G: i32): void {
  for (let ky = 0; ky < R; ky++)
    for (let kx = 0; kx < R; kx++) {
      const src = w + (<usize>(((R - 1 - ky) * R + (R - 1 - kx)) * F * G) << 2);
      const dst = wf + (<usize>((ky * R + kx) * G * F) << 2);
      for (let f = 0; f < F; f++)
        for (let g = 0; g < G; g++) store<f32>(dst + (<usize>(g * F + f) << 2), load<f32>(src + (<usize>(f * G + g) << 2)));
    }
}
