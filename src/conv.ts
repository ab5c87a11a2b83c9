// Convolution and pooling over the engine's threads (engine level, like gemm.ts: the ops and the
// backward rules both call it; records nothing). Convolution: output pixels split over the threads
// (forward, input gradient) or weight rows (weight gradient); each thread unfolds chunks of pixels into
// private scratch released before the call returns, so no im2col buffer outlives a call.
// Letters (docs/architecture.md): B batch, H W image, F input and G output channels, R kernel side.

import { alignedRanges, engine, parallel, withScratch } from "./engine.js";
import type { KernelCall } from "./wasm/pool.js";

/** Index of the scratch pointer among conv2dForward's / conv2dBackwardWeight's arguments. */
export const CONV_FORWARD_SCRATCH_ARG = 13;
export const CONV_WEIGHT_SCRATCH_ARG = 12;
export const WINOGRAD_SCRATCH_ARG = 12;

/** 3 x 3 convolutions with at least this many input and output channels (multiples of 4) use Winograd F(2x2, 3x3). */
export const WINOGRAD_MIN_CHANNELS = 16;
let winogradEnabled = true;

/** Turn Winograd off (every convolution by im2col + GEMM) or back on; for tests and benchmarks. Returns the previous setting. */
export function setWinograd(enabled: boolean): boolean {
  const prev = winogradEnabled;
  winogradEnabled = enabled;
  return prev;
}

/** True when a convolution of this shape runs by Winograd F(2x2, 3x3) (forward and input gradient). */
export function usesWinograd(s: Pick<ConvShape, "F" | "G" | "R">): boolean {
  return winogradEnabled && s.R === 3 && s.F % 4 === 0 && s.G % 4 === 0 && Math.min(s.F, s.G) >= WINOGRAD_MIN_CHANNELS;
}

/**
 * Tiles per Winograd chunk (a function of the shape only): the 16 transformed slices of a chunk near
 * 1 MiB, but at least F G / 512 tiles so that each packed weight slice is reused over enough tiles.
 */
export function winogradChunk(F: number, G: number): number {
  return Math.max(16, Math.min(512, Math.max(Math.floor(16384 / (F + G)), Math.floor((F * G) / 512)) & ~3));
}

/** Output pixels per unfolded chunk for R R F patch values: about 256 KiB of scratch (a function of the shape only). */
export function convChunk(RRF: number, R: number): number {
  if (R === 1) return 256;
  return Math.max(16, Math.min(512, Math.floor(65536 / RRF) & ~3));
}

/** Pixels per chunk of the weight gradient: fixed, so the chunk sums are the same for any thread count. */
export const CONV_WEIGHT_CHUNK = 256;

export interface ConvShape {
  B: number;
  H: number;
  W: number;
  F: number;
  G: number;
  R: number;
}

/**
 * y (+)= conv(x, w) (+ bias) over all output pixels, split over the threads. w points at HWIO weights
 * [R, R, Fin, Gout]; the kernels read it packed. Used by the forward op and the input-gradient rule.
 */
export function convolve(y: number, x: number, w: number, bias: number, s: ConvShape, accumulate: boolean): void {
  if (usesWinograd(s)) return winograd(y, x, w, bias, s, accumulate);
  const e = engine();
  const k = e.k;
  const { B, H, W, F, G, R } = s;
  const RRF = R * R * F;
  const Q = B * H * W;
  const chunk = convChunk(RRF, R);
  withScratch(() => {
    const panels = e.arena.allocStep(k.packedBytes(RRF, G));
    k.packB(w, G, 0, RRF, G, panels);
    const calls: KernelCall[] = alignedRanges(Q, e.threads, 4).map(([q0, q1]) => [
      "conv2dForward",
      y,
      x,
      panels,
      bias,
      H,
      W,
      F,
      G,
      R,
      q0,
      q1,
      chunk,
      accumulate ? 1 : 0,
      0,
    ]);
    parallel(calls, CONV_FORWARD_SCRATCH_ARG, k.convForwardScratchBytes(F, R, chunk));
  });
}

/** The Winograd F(2x2, 3x3) path of convolve: weights transformed and packed once, tiles split over the threads. */
function winograd(y: number, x: number, w: number, bias: number, s: ConvShape, accumulate: boolean): void {
  const e = engine();
  const k = e.k;
  const { B, H, W, F, G } = s;
  const tiles = B * Math.ceil(H / 2) * Math.ceil(W / 2);
  const chunk = winogradChunk(F, G);
  withScratch(() => {
    const u = e.arena.allocStep(16 * F * G * 4);
    k.winogradWeights(u, w, F, G);
    const pb = k.packedBytes(F, G);
    const panels = e.arena.allocStep(16 * pb);
    for (let xi = 0; xi < 16; xi++) k.packB(u + xi * F * G * 4, G, 0, F, G, panels + xi * pb);
    const calls: KernelCall[] = alignedRanges(tiles, e.threads).map(([t0, t1]) => [
      "winogradForward",
      y,
      x,
      panels,
      bias,
      H,
      W,
      F,
      G,
      t0,
      t1,
      chunk,
      accumulate ? 1 : 0,
      0,
    ]);
    parallel(calls, WINOGRAD_SCRATCH_ARG, k.winogradScratchBytes(F, G, chunk));
  });
}

/**
 * dw += the weight gradient of y = conv(x, w) for output gradient dy: the R R F weight rows split over
 * the threads, the pixels summed in fixed chunks (bit-identical for any thread count).
 */
export function convolveWeightGrad(dw: number, x: number, dy: number, s: ConvShape): void {
  const e = engine();
  const { B, H, W, F, G, R } = s;
  const RRF = R * R * F;
  const ranges = alignedRanges(RRF, e.threads, 8);
  const widest = Math.max(...ranges.map(([a, b]) => b - a));
  const calls: KernelCall[] = ranges.map(([k0, k1]) => [
    "conv2dBackwardWeight",
    dw,
    x,
    dy,
    B * H * W,
    H,
    W,
    F,
    G,
    R,
    k0,
    k1,
    CONV_WEIGHT_CHUNK,
    0,
  ]);
  withScratch(() => parallel(calls, CONV_WEIGHT_SCRATCH_ARG, e.k.convWeightScratchBytes(widest, G, R, CONV_WEIGHT_CHUNK)));
}

/**
 * dx += the input gradient of y = conv(x, w): the convolution of dy with the flipped, transposed
 * weight wf[ky, kx, g, f] = w[R-1-ky, R-1-kx, f, g].
 */
export function convolveInputGrad(dx: number, dy: number, w: number, s: ConvShape): void {
  const e = engine();
  const { F, G, R } = s;
  withScratch(() => {
    const wf = e.arena.allocStep(R * R * F * G * 4);
    e.k.conv2dFlipWeights(wf, w, R, F, G);
    convolve(dx, dy, wf, 0, { ...s, F: G, G: F }, true);
  });
}

/** Calls of a per-image kernel, the batch split over the threads: each pointer offset by its floats per image. */
export function imageCalls(
  name: "maxPool2" | "avgPool2" | "maxPool2Backward" | "avgPool2Backward",
  ptrs: { ptr: number; perImage: number }[],
  B: number,
  H: number,
  W: number,
  F: number,
): KernelCall[] {
  return alignedRanges(B, engine().threads).map(([b0, b1]) => [name, ...ptrs.map((p) => p.ptr + b0 * p.perImage * 4), b1 - b0, H, W, F]);
}
