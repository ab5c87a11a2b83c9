// 3 x 3 convolution (stride 1, SAME) by Winograd F(2x2, 3x3): each 2 x 2 block of outputs ("tile") comes
// from a 4 x 4 input patch through 16 elementwise products summed over channels, i.e. 16 GEMMs of
// [tiles, F] . [F, G]: 8 F G multiply-adds per output instead of 18. Transforms run 4 channels at a time
// (F and G multiples of 4). NHWC activations, HWIO weights; allocates nothing; the caller picks a range
// of tiles, so threads split tiles and every output is the same sum whatever the split.
// Letters (docs/architecture.md): H W image, F input and G output channels; tiles count over B ceil(H/2) ceil(W/2).

import { gemmPacked } from "./gemm";

@inline function wAt(w: usize, ky: i32, kx: i32, FG: i32, o: i32): f32 {
  return load<f32>(w + (<usize>((ky * 3 + kx) * FG + o) << 2));
}

@inline function uPut(u: usize, xi: i32, FG: i32, o: i32, v: f32): void {
  store<f32>(u + (<usize>(xi * FG + o) << 2), v);
}

/**
 * u[16, F, G] = G w G^T for each (f, g), the transformed weights of w [3, 3, F, G], slice xi = 4 a + b;
 * G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]. Pack each [F, G] slice for gemmPacked.
 */
export function winogradWeights(u: usize, w: usize, F: i32, G: i32): void {
  const FG = F * G;
  for (let o = 0; o < FG; o++) {
    for (let a = 0; a < 4; a++) {
      // t[kx] = sum over ky of G[a][ky] w[ky][kx]
      let t0: f32, t1: f32, t2: f32;
      if (a == 0) {
        t0 = wAt(w, 0, 0, FG, o); t1 = wAt(w, 0, 1, FG, o); t2 = wAt(w, 0, 2, FG, o);
      } else if (a == 3) {
        t0 = wAt(w, 2, 0, FG, o); t1 = wAt(w, 2, 1, FG, o); t2 = wAt(w, 2, 2, FG, o);
      } else {
        const s: f32 = a == 1 ? 1 : -1;
        t0 = 0.5 * (wAt(w, 0, 0, FG, o) + s * wAt(w, 1, 0, FG, o) + wAt(w, 2, 0, FG, o));
        t1 = 0.5 * (wAt(w, 0, 1, FG, o) + s * wAt(w, 1, 1, FG, o) + wAt(w, 2, 1, FG, o));
        t2 = 0.5 * (wAt(w, 0, 2, FG, o) + s * wAt(w, 1, 2, FG, o) + wAt(w, 2, 2, FG, o));
      }
      uPut(u, 4 * a, FG, o, t0);
      uPut(u, 4 * a + 1, FG, o, 0.5 * (t0 + t1 + t2));
      uPut(u, 4 * a + 2, FG, o, 0.5 * (t0 - t1 + t2));
      uPut(u, 4 * a + 3, FG, o, t2);
    }
  }
}

/** Bytes of scratch winogradForward needs for chunks of `chunk` tiles. */
export function winogradScratchBytes(F: i32, G: i32, chunk: i32): i32 {
  return 16 * chunk * (F + G) * 4 + 128;
}

/** 4 channels of x at (b, yy, xx), zero outside the image. */
@inline function px(x: usize, b: i32, H: i32, W: i32, F: i32, yy: i32, xx: i32, f: i32): v128 {
  if (yy < 0 || yy >= H || xx < 0 || xx >= W) return f32x4.splat(0);
  return v128.load(x + ((<usize>((b * H + yy) * W + xx) * F + f) << 2));
}

/** One row of B^T d over a patch row: writes the 4 column transforms (B^T d B) of that row combination. */
@inline function colTransform(base: usize, stride: usize, c0: v128, c1: v128, c2: v128, c3: v128): void {
  v128.store(base, f32x4.sub(c0, c2));
  v128.store(base + stride, f32x4.add(c1, c2));
  v128.store(base + 2 * stride, f32x4.sub(c2, c1));
  v128.store(base + 3 * stride, f32x4.sub(c1, c3));
}

@inline function mAt(m: usize, k: i32, stride: usize): v128 {
  return v128.load(m + <usize>k * stride);
}

@inline function putOut(y: usize, b: i32, H: i32, W: i32, G: i32, g: i32, yy: i32, xx: i32, v: v128, accumulate: i32): void {
  if (yy >= H || xx >= W) return;
  const p = y + ((<usize>((b * H + yy) * W + xx) * G + g) << 2);
  v128.store(p, accumulate ? f32x4.add(v128.load(p), v) : v);
}

/**
 * y (+)= conv3x3(x, w) (+ bias) over the output tiles t in [t0, t1) (a tile = 2 x 2 outputs, counted over
 * B, ceil(H/2), ceil(W/2); outputs past the image edge are not stored). panels: the 16 slices of
 * winogradWeights, each packed by packB (packedBytes(F, G) apart). F and G multiples of 4.
 */
export function winogradForward(
  y: usize, x: usize, panels: usize, bias: usize,
  H: i32, W: i32, F: i32, G: i32,
  t0: i32, t1: i32, chunk: i32, accumulate: i32, scratch: usize
): void {
  const th = (H + 1) >> 1, tw = (W + 1) >> 1;
  const perImage = th * tw;
  const panelBytes = <usize>(((G + 7) >> 3) * F * 32);
  for (let c = t0; c < t1; c += chunk) {
    const n = min(chunk, t1 - c);
    const V = scratch, M = scratch + (<usize>(16 * n * F) << 2);
    const tmp = M + (<usize>(16 * n * G) << 2);
    const vs = <usize>(n * F) << 2; // bytes between the 16 slices of V
    // Input transform: V[xi][i][f] = (B^T d B)[xi] for the 4 x 4 patch d of tile c + i,
    // B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]].
    for (let i = 0; i < n; i++) {
      const t = c + i;
      const b = t / perImage, r = t - b * perImage;
      const ty = r / tw, tx = r - ty * tw;
      const y0 = 2 * ty - 1, x0 = 2 * tx - 1;
      for (let f = 0; f < F; f += 4) {
        const a0 = px(x, b, H, W, F, y0, x0, f), a1 = px(x, b, H, W, F, y0, x0 + 1, f);
        const a2 = px(x, b, H, W, F, y0, x0 + 2, f), a3 = px(x, b, H, W, F, y0, x0 + 3, f);
        const b0 = px(x, b, H, W, F, y0 + 1, x0, f), b1 = px(x, b, H, W, F, y0 + 1, x0 + 1, f);
        const b2 = px(x, b, H, W, F, y0 + 1, x0 + 2, f), b3 = px(x, b, H, W, F, y0 + 1, x0 + 3, f);
        const c0 = px(x, b, H, W, F, y0 + 2, x0, f), c1 = px(x, b, H, W, F, y0 + 2, x0 + 1, f);
        const c2 = px(x, b, H, W, F, y0 + 2, x0 + 2, f), c3 = px(x, b, H, W, F, y0 + 2, x0 + 3, f);
        const d0 = px(x, b, H, W, F, y0 + 3, x0, f), d1 = px(x, b, H, W, F, y0 + 3, x0 + 1, f);
        const d2 = px(x, b, H, W, F, y0 + 3, x0 + 2, f), d3 = px(x, b, H, W, F, y0 + 3, x0 + 3, f);
        const at = V + (<usize>(i * F + f) << 2);
        // rows of B^T d: row0 - row2, row1 + row2, row2 - row1, row1 - row3; then the same over columns
        colTransform(at, vs, f32x4.sub(a0, c0), f32x4.sub(a1, c1), f32x4.sub(a2, c2), f32x4.sub(a3, c3));
        colTransform(at + 4 * vs, vs, f32x4.add(b0, c0), f32x4.add(b1, c1), f32x4.add(b2, c2), f32x4.add(b3, c3));
        colTransform(at + 8 * vs, vs, f32x4.sub(c0, b0), f32x4.sub(c1, b1), f32x4.sub(c2, b2), f32x4.sub(c3, b3));
        colTransform(at + 12 * vs, vs, f32x4.sub(b0, d0), f32x4.sub(b1, d1), f32x4.sub(b2, d2), f32x4.sub(b3, d3));
      }
    }
    // 16 GEMMs: M[xi] [n, G] = V[xi] [n, F] . U[xi] [F, G].
    for (let xi = 0; xi < 16; xi++) {
      gemmPacked(n, G, F, V + <usize>xi * vs, F, panels + <usize>xi * panelBytes, M + (<usize>(xi * n * G) << 2), G, 0, tmp);
    }
    // Output transform: Y = A^T m A, A^T = [[1, 1, 1, 0], [0, 1, -1, -1]].
    const ms = <usize>(n * G) << 2;
    for (let i = 0; i < n; i++) {
      const t = c + i;
      const b = t / perImage, r = t - b * perImage;
      const ty = r / tw, tx = r - ty * tw;
      const oy = 2 * ty, ox = 2 * tx;
      for (let g = 0; g < G; g += 4) {
        const m = M + (<usize>(i * G + g) << 2);
        const r00 = f32x4.add(f32x4.add(mAt(m, 0, ms), mAt(m, 4, ms)), mAt(m, 8, ms));
        const r01 = f32x4.add(f32x4.add(mAt(m, 1, ms), mAt(m, 5, ms)), mAt(m, 9, ms));
        const r02 = f32x4.add(f32x4.add(mAt(m, 2, ms), mAt(m, 6, ms)), mAt(m, 10, ms));
        const r03 = f32x4.add(f32x4.add(mAt(m, 3, ms), mAt(m, 7, ms)), mAt(m, 11, ms));
        const r10 = f32x4.sub(f32x4.sub(mAt(m, 4, ms), mAt(m, 8, ms)), mAt(m, 12, ms));
        const r11 = f32x4.sub(f32x4.sub(mAt(m, 5, ms), mAt(m, 9, ms)), mAt(m, 13, ms));
        const r12 = f32x4.sub(f32x4.sub(mAt(m, 6, ms), mAt(m, 10, ms)), mAt(m, 14, ms));
        const r13 = f32x4.sub(f32x4.sub(mAt(m, 7, ms), mAt(m, 11, ms)), mAt(m, 15, ms));
        let o00 = f32x4.add(f32x4.add(r00, r01), r02), o01 = f32x4.sub(f32x4.sub(r01, r02), r03);
        let o10 = f32x4.add(f32x4.add(r10, r11), r12), o11 = f32x4.sub(f32x4.sub(r11, r12), r13);
        if (bias) {
          const bv = v128.load(bias + (<usize>g << 2));
          o00 = f32x4.add(o00, bv); o01 = f32x4.add(o01, bv); o10 = f32x4.add(o10, bv); o11 = f32x4.add(o11, bv);
        }
        putOut(y, b, H, W, G, g, oy, ox, o00, accumulate);
        putOut(y, b, H, W, G, g, oy, ox + 1, o01, accumulate);
        putOut(y, b, H, W, G, g, oy + 1, ox, o10, accumulate);
        putOut(y, b, H, W, G, g, oy + 1, ox + 1, o11, accumulate);
      }
    }
  }
}
