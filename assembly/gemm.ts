// f32 GEMM kernels: y[M,J] (+)= op(a)[M,I] . op(b)[I,J], SIMD 4x8 register tile.
// b is packed into I x 8 column panels in caller-given scratch; a is read in place
// with strides. Allocates nothing. Built twice: SIMD128 (mul + add) and relaxed
// SIMD (relaxed_madd -> one FMA), selected by ASC_FEATURE_RELAXED_SIMD.
//
// Dimension letters (docs/architecture.md): M rows of y, J columns of y, I inner dimension.
// Leading dimensions (lda, ldb, ldy) are in elements; pointers are byte addresses.

@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// The 4 x 4 block at src (rows rowBytes apart) transposed: its column c is
// stored as one vector at dst + c * dstStride.
@inline function transpose4x4(src: usize, rowBytes: usize, dst: usize, dstStride: usize): void {
  const r0 = v128.load(src);
  const r1 = v128.load(src + rowBytes);
  const r2 = v128.load(src + rowBytes * 2);
  const r3 = v128.load(src + rowBytes * 3);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(dst + dstStride, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(dst + dstStride * 2, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(dst + dstStride * 3, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

// Pack columns j0..j0+8 of b (I x J, row-major, ldb) into panel[I][8]; zero pad.
function packPanelN(b: usize, ldb: i32, I: i32, J: i32, j0: i32, panel: usize): void {
  const w = min(8, J - j0);
  if (w == 8) {
    for (let k = 0; k < I; k++) {
      const src = b + ((<usize>k * ldb + j0) << 2);
      const dst = panel + (<usize>k << 5);
      v128.store(dst, v128.load(src));
      v128.store(dst, v128.load(src, 16), 16);
    }
    return;
  }
  for (let k = 0; k < I; k++) {
    const src = b + ((<usize>k * ldb + j0) << 2);
    const dst = panel + (<usize>k << 5);
    for (let c = 0; c < 8; c++) store<f32>(dst + (c << 2), c < w ? load<f32>(src + (c << 2)) : 0);
  }
}

// Loads one value per 64-byte line of x[0..n) in order, so that the lines sit in cache
// before a scattered read of them (the hardware prefetcher streams an in-order pass).
// The values are not used; the loads stay (a load may trap, so no compiler drops it).
@inline export function touchLines(x: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x; p + 64 <= end; p += 64) load<i32>(p);
}

// Pack for b = bt^T where bt is J x I row-major (ldb): panel[k][c] = bt[j0 + c, k].
// The panel's eight rows are read in order first: the transposes read them in steps of
// 16 bytes, eight streams at once.
function packPanelT(bt: usize, ldb: i32, I: i32, J: i32, j0: i32, panel: usize): void {
  const w = min(8, J - j0);
  const I4 = w == 8 ? I & ~3 : 0;
  const rowBytes = <usize>ldb << 2;
  if (w == 8) for (let c = 0; c < 8; c++) touchLines(bt + ((<usize>(j0 + c) * ldb) << 2), I);
  let k = 0;
  for (; k < I4; k += 4) {
    // Two 4x4 transposes: rows j0..j0+3 and j0+4..j0+7, columns k..k+3.
    for (let h = 0; h < 2; h++) {
      transpose4x4(bt + ((<usize>(j0 + h * 4) * ldb + k) << 2), rowBytes, panel + (<usize>k << 5) + (<usize>h << 4), 32);
    }
  }
  for (; k < I; k++) {
    const dst = panel + (<usize>k << 5);
    for (let c = 0; c < 8; c++) {
      store<f32>(dst + (c << 2), c < w ? load<f32>(bt + ((<usize>(j0 + c) * ldb + k) << 2)) : 0);
    }
  }
}

// One 4x8 tile over the whole I: rows given by 4 row pointers of a advancing
// by aStep bytes per k; panel is I x 8. Writes (or adds) rows < rows, cols < w.
@inline function tile(
  a0: usize, a1: usize, a2: usize, a3: usize, aStep: usize,
  panel: usize, I: i32, y: usize, ldyBytes: usize, rows: i32, w: i32,
  accumulate: i32, tmp: usize
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let p = panel;
  for (let k = 0; k < I; k++) {
    const b0 = v128.load(p);
    const b1 = v128.load(p, 16);
    const x0 = v128.load32_splat(a0);
    const x1 = v128.load32_splat(a1);
    c00 = madd(x0, b0, c00); c01 = madd(x0, b1, c01);
    c10 = madd(x1, b0, c10); c11 = madd(x1, b1, c11);
    const x2 = v128.load32_splat(a2);
    const x3 = v128.load32_splat(a3);
    c20 = madd(x2, b0, c20); c21 = madd(x2, b1, c21);
    c30 = madd(x3, b0, c30); c31 = madd(x3, b1, c31);
    a0 += aStep; a1 += aStep; a2 += aStep; a3 += aStep;
    p += 32;
  }
  if (w == 8) {
    if (accumulate) {
      v128.store(y, f32x4.add(v128.load(y), c00)); v128.store(y, f32x4.add(v128.load(y, 16), c01), 16);
      if (rows > 1) {
        const r = y + ldyBytes;
        v128.store(r, f32x4.add(v128.load(r), c10)); v128.store(r, f32x4.add(v128.load(r, 16), c11), 16);
      }
      if (rows > 2) {
        const r = y + ldyBytes * 2;
        v128.store(r, f32x4.add(v128.load(r), c20)); v128.store(r, f32x4.add(v128.load(r, 16), c21), 16);
      }
      if (rows > 3) {
        const r = y + ldyBytes * 3;
        v128.store(r, f32x4.add(v128.load(r), c30)); v128.store(r, f32x4.add(v128.load(r, 16), c31), 16);
      }
    } else {
      v128.store(y, c00); v128.store(y, c01, 16);
      if (rows > 1) { const r = y + ldyBytes; v128.store(r, c10); v128.store(r, c11, 16); }
      if (rows > 2) { const r = y + ldyBytes * 2; v128.store(r, c20); v128.store(r, c21, 16); }
      if (rows > 3) { const r = y + ldyBytes * 3; v128.store(r, c30); v128.store(r, c31, 16); }
    }
    return;
  }
  // Partial tile: spill to tmp[4][8], then copy the valid part.
  v128.store(tmp, c00); v128.store(tmp, c01, 16);
  v128.store(tmp, c10, 32); v128.store(tmp, c11, 48);
  v128.store(tmp, c20, 64); v128.store(tmp, c21, 80);
  v128.store(tmp, c30, 96); v128.store(tmp, c31, 112);
  for (let r = 0; r < rows; r++) {
    const dst = y + ldyBytes * r;
    for (let j = 0; j < w; j++) {
      const v = load<f32>(tmp + ((<usize>(r * 8 + j)) << 2));
      const d = dst + (<usize>j << 2);
      store<f32>(d, accumulate ? load<f32>(d) + v : v);
    }
  }
}

// Every row tile of one packed panel: y[0..M, j0..j0+w) (+)= a . panel.
// a element (i, k) lives at a + (i * aRow + k * aCol) * 4; y points at column j0.
@inline function panelRows(
  M: i32, I: i32, a: usize, aRowBytes: usize, aStep: usize,
  panel: usize, y: usize, ldyBytes: usize, w: i32, accumulate: i32, tmp: usize
): void {
  for (let i0 = 0; i0 < M; i0 += 4) {
    const rows = min(4, M - i0);
    const r0 = a + <usize>i0 * aRowBytes;
    const r1 = rows > 1 ? r0 + aRowBytes : r0;
    const r2 = rows > 2 ? r0 + aRowBytes * 2 : r0;
    const r3 = rows > 3 ? r0 + aRowBytes * 3 : r0;
    tile(r0, r1, r2, r3, aStep, panel, I, y + <usize>i0 * ldyBytes, ldyBytes, rows, w, accumulate, tmp);
  }
}

// Core driver: a element (i, k) lives at a + (i * aRow + k * aCol) * 4, or a is
// packed by packA (packedA 1; aRow and aCol unused). b is packed per panel.
function gemmCore(
  M: i32, J: i32, I: i32,
  a: usize, aRow: i32, aCol: i32,
  b: usize, ldb: i32, transB: i32,
  y: usize, ldy: i32, accumulate: i32, scratch: usize, packedA: i32 = 0
): void {
  const panel = scratch;
  const tmp = scratch + (<usize>I << 5);
  const ldyBytes = <usize>ldy << 2;
  for (let j0 = 0; j0 < J; j0 += 8) {
    if (transB) packPanelT(b, ldb, I, J, j0, panel);
    else packPanelN(b, ldb, I, J, j0, panel);
    const yj = y + (<usize>j0 << 2), w = min(8, J - j0);
    if (packedA) packedRows(M, I, a, panel, yj, ldyBytes, w, accumulate, tmp);
    else panelRows(M, I, a, <usize>aRow << 2, <usize>aCol << 2, panel, yj, ldyBytes, w, accumulate, tmp);
  }
}

/** y[M,J] (+)= a[M,I] . b[I,J]. Shapes: a [M, lda>=I], b [I, ldb>=J], y [M, ldy>=J]. */
export function gemmNN(
  M: i32, J: i32, I: i32,
  a: usize, lda: i32,
  b: usize, ldb: i32,
  y: usize, ldy: i32, accumulate: i32, scratch: usize
): void {
  gemmCore(M, J, I, a, lda, 1, b, ldb, 0, y, ldy, accumulate, scratch);
}

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

// Few rows (batch-1 inference): dot products straight along the rows of b^T,
// reading each weight once instead of packing panels. Six rows of b^T per pass, then
// four, then one.
function gemvNT(M: i32, J: i32, I: i32, a: usize, lda: i32, bt: usize, ldb: i32, y: usize, ldy: i32, accumulate: i32): void {
  const I4 = I & ~3;
  const rowBytes = <usize>ldb << 2;
  for (let i = 0; i < M; i++) {
    const ar = a + (<usize>i * lda << 2);
    const cr = y + (<usize>i * ldy << 2);
    let j = 0;
    // six rows of b^T at a time: six independent accumulators stay in registers with their
    // six loads (with eight, the compiled loop kept one accumulator on the stack: a store
    // and a load on every step, in its dependency chain)
    for (; j + 6 <= J; j += 6) {
      const b0 = bt + <usize>j * rowBytes, b1 = b0 + rowBytes, b2 = b1 + rowBytes, b3 = b2 + rowBytes;
      const b4 = b3 + rowBytes, b5 = b4 + rowBytes;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let s4 = f32x4.splat(0), s5 = f32x4.splat(0);
      for (let k = 0; k < I4; k += 4) {
        const o = <usize>k << 2;
        const av = v128.load(ar + o);
        s0 = madd(av, v128.load(b0 + o), s0);
        s1 = madd(av, v128.load(b1 + o), s1);
        s2 = madd(av, v128.load(b2 + o), s2);
        s3 = madd(av, v128.load(b3 + o), s3);
        s4 = madd(av, v128.load(b4 + o), s4);
        s5 = madd(av, v128.load(b5 + o), s5);
      }
      let r0 = hsum(s0), r1 = hsum(s1), r2 = hsum(s2), r3 = hsum(s3), r4 = hsum(s4), r5 = hsum(s5);
      for (let k = I4; k < I; k++) {
        const o = <usize>k << 2;
        const x = load<f32>(ar + o);
        r0 += x * load<f32>(b0 + o); r1 += x * load<f32>(b1 + o); r2 += x * load<f32>(b2 + o);
        r3 += x * load<f32>(b3 + o); r4 += x * load<f32>(b4 + o); r5 += x * load<f32>(b5 + o);
      }
      const d = cr + (<usize>j << 2);
      if (accumulate) {
        r0 += load<f32>(d); r1 += load<f32>(d, 4); r2 += load<f32>(d, 8);
        r3 += load<f32>(d, 12); r4 += load<f32>(d, 16); r5 += load<f32>(d, 20);
      }
      store<f32>(d, r0); store<f32>(d, r1, 4); store<f32>(d, r2, 8);
      store<f32>(d, r3, 12); store<f32>(d, r4, 16); store<f32>(d, r5, 20);
    }
    for (; j + 4 <= J; j += 4) {
      const b0 = bt + <usize>j * rowBytes, b1 = b0 + rowBytes, b2 = b1 + rowBytes, b3 = b2 + rowBytes;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      for (let k = 0; k < I4; k += 4) {
        const o = <usize>k << 2;
        const av = v128.load(ar + o);
        s0 = madd(av, v128.load(b0 + o), s0);
        s1 = madd(av, v128.load(b1 + o), s1);
        s2 = madd(av, v128.load(b2 + o), s2);
        s3 = madd(av, v128.load(b3 + o), s3);
      }
      let r0 = hsum(s0), r1 = hsum(s1), r2 = hsum(s2), r3 = hsum(s3);
      for (let k = I4; k < I; k++) {
        const o = <usize>k << 2;
        const x = load<f32>(ar + o);
        r0 += x * load<f32>(b0 + o); r1 += x * load<f32>(b1 + o); r2 += x * load<f32>(b2 + o); r3 += x * load<f32>(b3 + o);
      }
      const d = cr + (<usize>j << 2);
      if (accumulate) { r0 += load<f32>(d); r1 += load<f32>(d, 4); r2 += load<f32>(d, 8); r3 += load<f32>(d, 12); }
      store<f32>(d, r0); store<f32>(d, r1, 4); store<f32>(d, r2, 8); store<f32>(d, r3, 12);
    }
    for (; j < J; j++) {
      const br = bt + <usize>j * rowBytes;
      let r: f32 = 0;
      for (let k = 0; k < I; k++) r += load<f32>(ar + (<usize>k << 2)) * load<f32>(br + (<usize>k << 2));
      const d = cr + (<usize>j << 2);
      store<f32>(d, accumulate ? load<f32>(d) + r : r);
    }
  }
}

/** y[M,J] (+)= a[M,I] . b^T where b is [J, ldb>=I]. */
export function gemmNT(
  M: i32, J: i32, I: i32,
  a: usize, lda: i32,
  b: usize, ldb: i32,
  y: usize, ldy: i32, accumulate: i32, scratch: usize
): void {
  if (M < 4) gemvNT(M, J, I, a, lda, b, ldb, y, ldy, accumulate);
  else gemmCore(M, J, I, a, lda, 1, b, ldb, 1, y, ldy, accumulate, scratch);
}

/** y[M,J] (+)= a^T . b[I,J] where a is [I, lda>=M]. */
export function gemmTN(
  M: i32, J: i32, I: i32,
  a: usize, lda: i32,
  b: usize, ldb: i32,
  y: usize, ldy: i32, accumulate: i32, scratch: usize
): void {
  gemmCore(M, J, I, a, 1, lda, b, ldb, 0, y, ldy, accumulate, scratch);
}

/** Bytes of the packed form of a b [I, J]: ceil(J / 8) panels of I x 8 floats (twin: packedBytes in src/wasm/abi.ts). */
export function packedBytes(I: i32, J: i32): i32 {
  return ((J + 7) >> 3) * I * 32;
}

/**
 * Pack b [I, J] (transB 0; b [I, ldb >= J]) or b = bt^T (transB 1; bt [J, ldb >= I])
 * into panels [ceil(J / 8), I, 8], zero-padded: the layout every gemm packs per
 * call, kept so that weights that do not change are packed once.
 */
export function packB(b: usize, ldb: i32, transB: i32, I: i32, J: i32, panels: usize): void {
  for (let j0 = 0; j0 < J; j0 += 8) {
    const panel = panels + <usize>(j0 >> 3) * I * 32;
    if (transB) packPanelT(b, ldb, I, J, j0, panel);
    else packPanelN(b, ldb, I, J, j0, panel);
  }
}

// Few rows on packed panels: each output lane sums a[i, k] * panel[k][lane] over k,
// in order (rowOverRanges with one range). tmp: 40 bytes.
function gemvPacked(
  M: i32, J: i32, I: i32, a: usize, lda: i32, panels: usize,
  y: usize, ldy: i32, accumulate: i32, tmp: usize
): void {
  const every = tmp + 32; // the one range [0, I), after the 32 bytes of a last partial panel
  store<i32>(every, 0);
  store<i32>(every, I, 4);
  for (let i = 0; i < M; i++) {
    rowOverRanges(J, I, a + (<usize>i * lda << 2), panels, y + (<usize>i * ldy << 2), every, 8, accumulate, tmp);
  }
}

// Zero inputs in a run at least this long are skipped; shorter gaps are summed (their
// terms add nothing), so that scattered zeros do not break the loop into short ranges.
const ZERO_RUN: i32 = 8;

/**
 * y[M,J] = a[M,I] . b for few rows (M < 4 in use) on b given packed (packB), skipping
 * runs of zero inputs: a zero a[i, k] adds nothing (the crossbar row it would drive
 * stays idle), so each row first lists its ranges of k between runs of at least
 * ZERO_RUN zeros, then every panel sums over those ranges in order (a row with no run
 * is one range, gemmPacked's loop). Each output is gemmPacked's sum less zero terms:
 * the same value for finite b (a sum of only zero terms may differ in its sign).
 * list: max(8 I, 32) bytes.
 */
export function gemvPackedNonzero(
  M: i32, J: i32, I: i32, a: usize, lda: i32, panels: usize,
  y: usize, ldy: i32, list: usize
): void {
  for (let i = 0; i < M; i++) {
    const ar = a + (<usize>i * lda << 2);
    const ranges = nonzeroRanges(ar, I, list);
    // the list doubles as the last partial panel's 32 bytes: every range is read by then
    rowOverRanges(J, I, ar, panels, y + (<usize>i * ldy << 2), list, <usize>ranges << 3, 0, list);
  }
}

// The ranges of a row ar[0..I) between runs of at least ZERO_RUN zeros, as (first k,
// one past the last nonzero k) pairs of i32 at list; returns how many.
function nonzeroRanges(ar: usize, I: i32, list: usize): i32 {
  let ranges = 0;
  let k = 0;
  while (k < I) {
    while (k < I && load<f32>(ar + (<usize>k << 2)) == 0) k++;
    if (k >= I) break;
    const start = k;
    let end = k, zeros = 0;
    for (; k < I; k++) {
      if (load<f32>(ar + (<usize>k << 2)) != 0) {
        end = k + 1;
        zeros = 0;
      } else if (++zeros >= ZERO_RUN) break;
    }
    store<i32>(list + (<usize>ranges << 3), start);
    store<i32>(list + (<usize>ranges << 3), end, 4);
    ranges++;
  }
  return ranges;
}

// One row yr[0..J) (+)= sum over the listed ranges of k (rangeBytes of (k0, k1) i32 pairs
// at list) of ar[k] * panel[k], each lane in k order. Three panels (24 columns) at a time:
// six independent accumulators (two would wait on the FMA latency at every k), which stay
// in registers with their six loads (four panels' eight left one on the stack, stored and
// reloaded at every k). tmp: 32 bytes, written only after every range is read.
@inline function rowOverRanges(
  J: i32, I: i32, ar: usize, panels: usize, yr: usize, list: usize, rangeBytes: usize, accumulate: i32, tmp: usize
): void {
  const panelBytes = <usize>I << 5;
  let j0 = 0;
  for (; j0 + 24 <= J; j0 += 24) {
    const q = panels + <usize>(j0 >> 3) * panelBytes;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let s4 = f32x4.splat(0), s5 = f32x4.splat(0);
    for (let r: usize = 0; r < rangeBytes; r += 8) {
      const k0 = load<i32>(list + r), k1 = load<i32>(list + r, 4);
      let p0 = q + (<usize>k0 << 5);
      let p1 = p0 + panelBytes, p2 = p1 + panelBytes;
      for (let k = k0; k < k1; k++) {
        const x = v128.load32_splat(ar + (<usize>k << 2));
        s0 = madd(x, v128.load(p0), s0);
        s1 = madd(x, v128.load(p0, 16), s1);
        s2 = madd(x, v128.load(p1), s2);
        s3 = madd(x, v128.load(p1, 16), s3);
        s4 = madd(x, v128.load(p2), s4);
        s5 = madd(x, v128.load(p2, 16), s5);
        p0 += 32; p1 += 32; p2 += 32;
      }
    }
    const d = yr + (<usize>j0 << 2);
    if (accumulate) {
      s0 = f32x4.add(v128.load(d), s0); s1 = f32x4.add(v128.load(d, 16), s1);
      s2 = f32x4.add(v128.load(d, 32), s2); s3 = f32x4.add(v128.load(d, 48), s3);
      s4 = f32x4.add(v128.load(d, 64), s4); s5 = f32x4.add(v128.load(d, 80), s5);
    }
    v128.store(d, s0); v128.store(d, s1, 16); v128.store(d, s2, 32);
    v128.store(d, s3, 48); v128.store(d, s4, 64); v128.store(d, s5, 80);
  }
  for (; j0 < J; j0 += 8) {
    const q = panels + <usize>(j0 >> 3) * panelBytes;
    let s0 = f32x4.splat(0),
      s1 = f32x4.splat(0);
    for (let r: usize = 0; r < rangeBytes; r += 8) {
      const k0 = load<i32>(list + r), k1 = load<i32>(list + r, 4);
      let p = q + (<usize>k0 << 5);
      for (let k = k0; k < k1; k++) {
        const x = v128.load32_splat(ar + (<usize>k << 2));
        s0 = madd(x, v128.load(p), s0);
        s1 = madd(x, v128.load(p, 16), s1);
        p += 32;
      }
    }
    const w = min(8, J - j0);
    const d = yr + (<usize>j0 << 2);
    if (w == 8 && !accumulate) {
      v128.store(d, s0);
      v128.store(d, s1, 16);
      continue;
    }
    v128.store(tmp, s0);
    v128.store(tmp, s1, 16);
    for (let j = 0; j < w; j++) {
      const o = d + (<usize>j << 2);
      const v = load<f32>(tmp + (<usize>j << 2));
      store<f32>(o, accumulate ? load<f32>(o) + v : v);
    }
  }
}

/**
 * y[M,J] (+)= a[M,I] . b where b is given packed (packB). For M >= 4 every
 * output equals gemmNN / gemmNT's with the same b to the bit; fewer rows take a
 * dot-product path over the panels. tmp: 128 bytes.
 */
export function gemmPacked(
  M: i32, J: i32, I: i32,
  a: usize, lda: i32, panels: usize,
  y: usize, ldy: i32, accumulate: i32, tmp: usize
): void {
  if (M < 4) {
    gemvPacked(M, J, I, a, lda, panels, y, ldy, accumulate, tmp);
    return;
  }
  packedPanels(M, J, I, a, <usize>lda << 2, 4, panels, y, ldy, accumulate, tmp);
}

/**
 * y[M,J] (+)= a^T . b with a [I, lda >= M] read in place and b given packed (packB); tmp: 128 bytes.
 * Each output is the same sum, in the same order, as gemmTN's with the same b.
 */
export function gemmPackedTN(
  M: i32, J: i32, I: i32,
  a: usize, lda: i32, panels: usize,
  y: usize, ldy: i32, accumulate: i32, tmp: usize
): void {
  packedPanels(M, J, I, a, 4, <usize>lda << 2, panels, y, ldy, accumulate, tmp);
}

// Every panel of a packed b: y[M, J] (+)= a . b, a element (i, k) at a + i * aRowBytes + k * aStep.
// (With packedA 1, a is packed by packA and aRowBytes, aStep are unused.)
function packedPanels(
  M: i32, J: i32, I: i32, a: usize, aRowBytes: usize, aStep: usize,
  panels: usize, y: usize, ldy: i32, accumulate: i32, tmp: usize, packedA: i32 = 0
): void {
  const ldyBytes = <usize>ldy << 2;
  const stride = <usize>I << 5;
  for (let j0 = 0, p: usize = 0; j0 < J; j0 += 8, p++) {
    const yj = y + (<usize>j0 << 2), w = min(8, J - j0);
    if (packedA) packedRows(M, I, a, panels + p * stride, yj, ldyBytes, w, accumulate, tmp);
    else panelRows(M, I, a, aRowBytes, aStep, panels + p * stride, yj, ldyBytes, w, accumulate, tmp);
  }
}

// Rows of a micro-panel of a packed by packA: 6 with FMA (relaxed SIMD; a 6 x 8 tile keeps
// twelve accumulators in flight), 4 without (a multiply then an add needs one register more).
// A last panel of at most 4 rows is 4 rows wide in either build.
const PANEL_ROWS: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 4;

// Height of the micro-panel that starts at row i0 (a multiple of PANEL_ROWS) of M rows.
@inline function panelHeight(M: i32, i0: i32): i32 {
  const r = M - i0;
  return r >= PANEL_ROWS || r > 4 ? PANEL_ROWS : 4;
}

/**
 * Bytes of a [M, I] packed by packA: full panels of PANEL_ROWS rows, then one of
 * 4 rows (at most 4 left) or PANEL_ROWS (more). The TypeScript twin
 * (src/wasm/abi.ts) gives the larger of the 4- and 6-row layouts.
 */
export function packedABytes(M: i32, I: i32): i32 {
  const full = M / PANEL_ROWS;
  const r = M - full * PANEL_ROWS;
  return (full * PANEL_ROWS + (r == 0 ? 0 : r <= 4 ? 4 : PANEL_ROWS)) * I * 4;
}

/**
 * Pack a [M, I] (element (i, k) at a + (i aRow + k aCol) * 4) into micro-panels
 * panel[t][k][r] = a[i0 + r, k] of height h (PANEL_ROWS, or 4 for a last panel of
 * at most 4 rows; zero-padded), panel t at a + i0 I 4 bytes: a tile then reads
 * its rows as one stream. aRow 1 (a^T stored, e.g. a weight gradient's gy) copies
 * h values per k; aCol 1 (rows along k) transposes 4 x 4 blocks (and, for 6 rows,
 * pairs the last two rows).
 */
export function packA(a: usize, aRow: i32, aCol: i32, M: i32, I: i32, dst: usize): void {
  const rowBytes = <usize>aRow << 2, colBytes = <usize>aCol << 2;
  for (let i0 = 0; i0 < M; i0 += PANEL_ROWS) {
    const h = panelHeight(M, i0);
    const kBytes = <usize>h << 2;
    const p = dst + (<usize>i0 * I << 2);
    const rows = min(h, M - i0);
    const base = a + <usize>i0 * rowBytes;
    if (rows == h && aRow == 1) {
      for (let k = 0; k < I; k++) {
        const src = base + <usize>k * colBytes, d = p + <usize>k * kBytes;
        v128.store(d, v128.load(src));
        if (h == 6) store<u64>(d + 16, load<u64>(src + 16));
      }
      continue;
    }
    let k = 0;
    if (rows == h && aCol == 1) {
      for (; k + 4 <= I; k += 4) {
        const src = base + (<usize>k << 2), d = p + <usize>k * kBytes;
        transpose4x4(src, rowBytes, d, kBytes);
        if (h == 6) {
          // rows 4 and 5: the pair of each k after its first four values
          const r4 = v128.load(src + rowBytes * 4), r5 = v128.load(src + rowBytes * 5);
          const lo = v128.shuffle<f32>(r4, r5, 0, 4, 1, 5), hi = v128.shuffle<f32>(r4, r5, 2, 6, 3, 7);
          v128.store64_lane(d + 16, lo, 0);
          v128.store64_lane(d + 40, lo, 1);
          v128.store64_lane(d + 64, hi, 0);
          v128.store64_lane(d + 88, hi, 1);
        }
      }
    }
    for (; k < I; k++) {
      const d = p + <usize>k * kBytes;
      for (let r = 0; r < h; r++) {
        store<f32>(d + (<usize>r << 2), r < rows ? load<f32>(base + <usize>r * rowBytes + <usize>k * colBytes) : 0);
      }
    }
  }
}

// One 6 x 8 tile over the whole I with a packed by packA (a 6-row micro-panel) and
// panel I x 8. Writes (or adds) rows < rows, cols < w; tmp: 192 bytes.
// Not inlined: a function of its own keeps the twelve accumulators in registers.
function tile6(
  a: usize, panel: usize, I: i32, y: usize, ldyBytes: usize, rows: i32, w: i32, accumulate: i32, tmp: usize
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0), c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  let p = panel;
  for (let k = 0; k < I; k++) {
    const b0 = v128.load(p), b1 = v128.load(p, 16);
    let x = v128.load32_splat(a);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(a, 4);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(a, 8);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(a, 12);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    x = v128.load32_splat(a, 16);
    c40 = madd(x, b0, c40); c41 = madd(x, b1, c41);
    x = v128.load32_splat(a, 20);
    c50 = madd(x, b0, c50); c51 = madd(x, b1, c51);
    a += 24; p += 32;
  }
  // rows of 8 to tmp[6][8], then each valid row (and column) to y
  v128.store(tmp, c00); v128.store(tmp, c01, 16); v128.store(tmp, c10, 32); v128.store(tmp, c11, 48);
  v128.store(tmp, c20, 64); v128.store(tmp, c21, 80); v128.store(tmp, c30, 96); v128.store(tmp, c31, 112);
  v128.store(tmp, c40, 128); v128.store(tmp, c41, 144); v128.store(tmp, c50, 160); v128.store(tmp, c51, 176);
  for (let r = 0; r < rows; r++) {
    const src = tmp + (<usize>r << 5), dst = y + ldyBytes * r;
    if (w == 8) {
      let v0 = v128.load(src), v1 = v128.load(src, 16);
      if (accumulate) {
        v0 = f32x4.add(v128.load(dst), v0);
        v1 = f32x4.add(v128.load(dst, 16), v1);
      }
      v128.store(dst, v0);
      v128.store(dst, v1, 16);
      continue;
    }
    for (let j = 0; j < w; j++) {
      const v = load<f32>(src + (<usize>j << 2));
      const d = dst + (<usize>j << 2);
      store<f32>(d, accumulate ? load<f32>(d) + v : v);
    }
  }
}

// Every row tile of one panel with a packed by packA: y[0..M, j0..j0+w) (+)= a . panel.
@inline function packedRows(
  M: i32, I: i32, ap: usize, panel: usize, y: usize, ldyBytes: usize, w: i32, accumulate: i32, tmp: usize
): void {
  for (let i0 = 0; i0 < M; i0 += PANEL_ROWS) {
    const a0 = ap + (<usize>i0 * I << 2);
    const yi = y + <usize>i0 * ldyBytes;
    if (panelHeight(M, i0) == 6) tile6(a0, panel, I, yi, ldyBytes, min(6, M - i0), w, accumulate, tmp);
    else tile(a0, a0 + 4, a0 + 8, a0 + 12, 16, panel, I, yi, ldyBytes, min(4, M - i0), w, accumulate, tmp);
  }
}

/**
 * The columns of a [M, I] (row stride lda) that hold a value other than +0 or -0 in
 * some row, in increasing order, into cols (i32 [I]); returns how many. A block of
 * 16 columns stops reading rows once every one of its columns has a value.
 */
export function nonzeroColumns(a: usize, lda: i32, M: i32, I: i32, cols: usize): i32 {
  const abs = i32x4.splat(0x7fffffff);
  const rowBytes = <usize>lda << 2;
  let n = 0;
  let k0 = 0;
  for (; k0 + 16 <= I; k0 += 16) {
    let m0 = i32x4.splat(0), m1 = i32x4.splat(0), m2 = i32x4.splat(0), m3 = i32x4.splat(0);
    let row = a + (<usize>k0 << 2);
    for (let i = 0; i < M; i++, row += rowBytes) {
      m0 = v128.or(m0, v128.and(v128.load(row), abs));
      m1 = v128.or(m1, v128.and(v128.load(row, 16), abs));
      m2 = v128.or(m2, v128.and(v128.load(row, 32), abs));
      m3 = v128.or(m3, v128.and(v128.load(row, 48), abs));
      if ((i & 7) == 7 && i32x4.all_true(m0) && i32x4.all_true(m1) && i32x4.all_true(m2) && i32x4.all_true(m3)) break;
    }
    n = nonzeroLanes(m0, k0, cols, n);
    n = nonzeroLanes(m1, k0 + 4, cols, n);
    n = nonzeroLanes(m2, k0 + 8, cols, n);
    n = nonzeroLanes(m3, k0 + 12, cols, n);
  }
  for (; k0 < I; k0++) {
    let any: u32 = 0;
    for (let i = 0; i < M; i++) any |= load<u32>(a + ((<usize>i * lda + k0) << 2)) & 0x7fffffff;
    store<i32>(cols + (<usize>n << 2), k0);
    n += <i32>(any != 0);
  }
  return n;
}

// Appends k + lane to cols[n..] for each lane of m that is not 0; returns the new count.
// (Each lane's index is stored at n, which moves on only past a lane that is not 0.)
@inline function nonzeroLanes(m: v128, k: i32, cols: usize, n: i32): i32 {
  store<i32>(cols + (<usize>n << 2), k);
  n += <i32>(i32x4.extract_lane(m, 0) != 0);
  store<i32>(cols + (<usize>n << 2), k + 1);
  n += <i32>(i32x4.extract_lane(m, 1) != 0);
  store<i32>(cols + (<usize>n << 2), k + 2);
  n += <i32>(i32x4.extract_lane(m, 2) != 0);
  store<i32>(cols + (<usize>n << 2), k + 3);
  return n + <i32>(i32x4.extract_lane(m, 3) != 0);
}

/**
 * Keep only the inner columns cols[0..I2) (increasing) of a [M, I] packed by packA, in
 * place: ap then holds packA of those columns, a [M, I2]. Each micro-panel moves down
 * in order, and no value is written before it is read.
 */
export function compactPackedA(ap: usize, M: i32, I: i32, cols: usize, I2: i32): void {
  for (let i0 = 0; i0 < M; i0 += PANEL_ROWS) {
    const h = panelHeight(M, i0);
    const kBytes = <usize>h << 2;
    const src = ap + (<usize>i0 * I << 2), dst = ap + (<usize>i0 * I2 << 2);
    for (let k = 0; k < I2; k++) {
      const s = src + <usize>load<i32>(cols + (<usize>k << 2)) * kBytes, d = dst + <usize>k * kBytes;
      const v = v128.load(s);
      if (h == 6) {
        const t = load<u64>(s + 16);
        v128.store(d, v);
        store<u64>(d + 16, t);
      } else v128.store(d, v);
    }
  }
}

/**
 * y[M, J] = a . bt^T over the inner columns cols[0..I2) only: ap is packA of a [M, I]
 * compacted to those columns (compactPackedA), bt [J, ldb >= I]. Where a's other
 * columns are zero, every output is the same sum, in the same order, as gemmPackedA's
 * (transB 1, accumulate 0) for finite bt: the terms left out add +0 or -0 to a sum
 * that starts at +0. Scratch: gemmScratchBytes(I).
 */
export function gemmPackedAColumnsT(
  M: i32, J: i32, I: i32, ap: usize, bt: usize, ldb: i32, cols: usize, I2: i32,
  y: usize, ldy: i32, scratch: usize
): void {
  const panel = scratch;
  const tmp = scratch + (<usize>I << 5);
  const ldyBytes = <usize>ldy << 2;
  for (let j0 = 0; j0 < J; j0 += 8) {
    packPanelT(bt, ldb, I, J, j0, panel);
    panelColumns(panel, cols, I2, panel);
    packedRows(M, I2, ap, panel, y + (<usize>j0 << 2), ldyBytes, min(8, J - j0), 0, tmp);
  }
}

/**
 * gemmPackedAB over the inner columns cols[0..I2) only: ap is packA of a [M, I]
 * compacted to them (compactPackedA), panels packB of b [I, J]; each panel's rows
 * cols[k] are copied to scratch first. The same bits as gemmPackedAB (accumulate 0)
 * where a's other columns are zero, for finite b. Scratch: gemmScratchBytes(I).
 */
export function gemmPackedABColumns(
  M: i32, J: i32, I: i32, ap: usize, panels: usize, cols: usize, I2: i32, y: usize, ldy: i32, scratch: usize
): void {
  const panel = scratch;
  const tmp = scratch + (<usize>I << 5);
  const ldyBytes = <usize>ldy << 2;
  const stride = <usize>I << 5;
  for (let j0 = 0, p: usize = 0; j0 < J; j0 += 8, p++) {
    panelColumns(panels + p * stride, cols, I2, panel);
    packedRows(M, I2, ap, panel, y + (<usize>j0 << 2), ldyBytes, min(8, J - j0), 0, tmp);
  }
}

// dst's rows k = a panel's rows cols[k] (8 values a row), k in [0, I2); dst may be the
// panel itself (each row moves down, in order).
@inline function panelColumns(panel: usize, cols: usize, I2: i32, dst: usize): void {
  for (let k = 0; k < I2; k++) {
    const s = panel + (<usize>load<i32>(cols + (<usize>k << 2)) << 5), d = dst + (<usize>k << 5);
    const lo = v128.load(s), hi = v128.load(s, 16);
    v128.store(d, lo);
    v128.store(d, hi, 16);
  }
}

/**
 * y[M,J] (+)= a . op(b) with a packed by packA; b [I, ldb >= J] (transB 0) or given
 * as bt [J, ldb >= I] (transB 1). Every output is the same sum, in the same order,
 * as gemmNN / gemmNT / gemmTN's (M >= 4 there). Scratch: gemmScratchBytes(I).
 */
export function gemmPackedA(
  M: i32, J: i32, I: i32, ap: usize,
  b: usize, ldb: i32, transB: i32,
  y: usize, ldy: i32, accumulate: i32, scratch: usize
): void {
  gemmCore(M, J, I, ap, 0, 0, b, ldb, transB, y, ldy, accumulate, scratch, 1);
}

/** y[M,J] (+)= a . b with a packed by packA and b by packB; tmp: 192 bytes. Same sums as gemmPacked's. */
export function gemmPackedAB(
  M: i32, J: i32, I: i32, ap: usize, panels: usize,
  y: usize, ldy: i32, accumulate: i32, tmp: usize
): void {
  packedPanels(M, J, I, ap, 0, 0, panels, y, ldy, accumulate, tmp, 1);
}
