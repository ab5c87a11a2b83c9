// The typed surface of the kernel module's exports: the only description of the
// WASM ABI on the TypeScript side. Pointers are byte addresses (number), sizes i32.
// Must not contain logic.

/** A byte address in linear memory. */
type Ptr = number;
/** An i32 (a dimension, a flag). */
type Int = number;
/** An f32 scalar. */
type F32 = number;

/** y[:, c] = gather_c(x) . W[c]^T for cores c0..c1, relu fused when asked (assembly/routed.ts). */
type RoutedForward = (
  y: Ptr,
  ldy: Int,
  x: Ptr,
  xStride: Int,
  w: Ptr,
  B: Int,
  N: Int,
  S: Int,
  K: Int,
  c0: Int,
  c1: Int,
  dstPtr: Ptr,
  srcSlot: Ptr,
  coef: Ptr,
  relu: Int,
  scratch: Ptr,
  /** 0, or an i32 counter set to 0: every thread runs the call and takes cores from it (a dynamic split). */
  next: Ptr,
) => void;

/** AdamW's step arguments after the tensors (adamStep, routedWeightGradAdam). */
type AdamHyper = [lr: F32, beta1: F32, beta2: F32, eps: F32, wd: F32, decoupled: Int, bc1: F32, bc2: F32, nonFinite: Ptr];

/** The weight-gradient kernels' arguments for destination slots [u0, u1) (assembly/routed.ts). */
type WeightGradSlots = [
  gy: Ptr,
  ldgy: Int,
  x: Ptr,
  xStride: Int,
  B: Int,
  N: Int,
  S: Int,
  K: Int,
  u0: Int,
  u1: Int,
  dstPtr: Ptr,
  srcSlot: Ptr,
  coef: Ptr,
];

export interface KernelExports {
  ABI_VERSION: WebAssembly.Global;
  heapBase(): Ptr;
  gemmNN(M: Int, J: Int, I: Int, a: Ptr, lda: Int, b: Ptr, ldb: Int, y: Ptr, ldy: Int, accumulate: Int, scratch: Ptr): void;
  gemmNT(M: Int, J: Int, I: Int, a: Ptr, lda: Int, b: Ptr, ldb: Int, y: Ptr, ldy: Int, accumulate: Int, scratch: Ptr): void;
  gemmTN(M: Int, J: Int, I: Int, a: Ptr, lda: Int, b: Ptr, ldb: Int, y: Ptr, ldy: Int, accumulate: Int, scratch: Ptr): void;
  packedBytes(I: Int, J: Int): Int;
  packB(b: Ptr, ldb: Int, transB: Int, I: Int, J: Int, panels: Ptr): void;
  gemmPacked(M: Int, J: Int, I: Int, a: Ptr, lda: Int, panels: Ptr, y: Ptr, ldy: Int, accumulate: Int, tmp: Ptr): void;
  gemvPackedNonzero(M: Int, J: Int, I: Int, a: Ptr, lda: Int, panels: Ptr, y: Ptr, ldy: Int, list: Ptr): void;
  gemmPackedTN(M: Int, J: Int, I: Int, a: Ptr, lda: Int, panels: Ptr, y: Ptr, ldy: Int, accumulate: Int, tmp: Ptr): void;
  packedABytes(M: Int, I: Int): Int;
  packA(a: Ptr, aRow: Int, aCol: Int, M: Int, I: Int, dst: Ptr): void;
  gemmPackedA(M: Int, J: Int, I: Int, ap: Ptr, b: Ptr, ldb: Int, transB: Int, y: Ptr, ldy: Int, accumulate: Int, scratch: Ptr): void;
  gemmPackedAB(M: Int, J: Int, I: Int, ap: Ptr, panels: Ptr, y: Ptr, ldy: Int, accumulate: Int, tmp: Ptr): void;
  nonzeroColumns(a: Ptr, lda: Int, M: Int, I: Int, cols: Ptr): Int;
  compactPackedA(ap: Ptr, M: Int, I: Int, cols: Ptr, I2: Int): void;
  gemmPackedAColumnsT(M: Int, J: Int, I: Int, ap: Ptr, bt: Ptr, ldb: Int, cols: Ptr, I2: Int, y: Ptr, ldy: Int, scratch: Ptr): void;
  gemmPackedABColumns(M: Int, J: Int, I: Int, ap: Ptr, panels: Ptr, cols: Ptr, I2: Int, y: Ptr, ldy: Int, scratch: Ptr): void;
  fill(x: Ptr, n: Int, v: F32): void;
  add(out: Ptr, a: Ptr, b: Ptr, n: Int): void;
  sub(out: Ptr, a: Ptr, b: Ptr, n: Int): void;
  mul(out: Ptr, a: Ptr, b: Ptr, n: Int): void;
  mulAcc(out: Ptr, a: Ptr, b: Ptr, n: Int): void;
  scale(out: Ptr, x: Ptr, s: F32, n: Int): void;
  scaleAcc(out: Ptr, x: Ptr, s: F32, n: Int): void;
  addBias(out: Ptr, x: Ptr, bias: Ptr, M: Int, J: Int): void;
  relu(out: Ptr, x: Ptr, n: Int): void;
  reluBackward(dx: Ptr, x: Ptr, dy: Ptr, n: Int, accumulate: Int): void;
  qrelu(out: Ptr, x: Ptr, n: Int, steps: F32, maxVal: F32): void;
  binaryStep(out: Ptr, x: Ptr, n: Int): void;
  binaryStepBackward(dx: Ptr, x: Ptr, dy: Ptr, n: Int, width: F32): void;
  sigmoid(out: Ptr, x: Ptr, n: Int): void;
  sigmoidBackward(dx: Ptr, y: Ptr, dy: Ptr, n: Int): void;
  sum(out: Ptr, x: Ptr, n: Int): void;
  sumRows(out: Ptr, x: Ptr, M: Int, J: Int, accumulate: Int): void;
  softmaxCrossEntropy(out: Ptr, probs: Ptr, logits: Ptr, labels: Ptr, B: Int, L: Int): void;
  softmaxCrossEntropyBackward(dlogits: Ptr, probs: Ptr, labels: Ptr, B: Int, L: Int, g: F32): void;
  mse(out: Ptr, a: Ptr, b: Ptr, n: Int): void;
  mseBackward(da: Ptr, db: Ptr, a: Ptr, b: Ptr, n: Int, g: F32): void;
  capsuleLengths(lengths: Ptr, norms: Ptr, y: Ptr, B: Int, L: Int, D: Int): void;
  marginLoss(out: Ptr, lengths: Ptr, labels: Ptr, B: Int, L: Int, mPlus: F32, mMinus: F32, lambda: F32): void;
  marginLossBackward(
    dy: Ptr,
    y: Ptr,
    norms: Ptr,
    lengths: Ptr,
    labels: Ptr,
    B: Int,
    L: Int,
    D: Int,
    mPlus: F32,
    mMinus: F32,
    lambda: F32,
    g: F32,
    b0: Int,
    b1: Int,
    accumulate: Int,
  ): void;
  adamStep(p: Ptr, g: Ptr, m: Ptr, v: Ptr, n: Int, ...h: AdamHyper): void;
  sgdStep(
    p: Ptr,
    g: Ptr,
    buf: Ptr,
    n: Int,
    lr: F32,
    momentum: F32,
    dampening: F32,
    wd: F32,
    nesterov: Int,
    first: Int,
    nonFinite: Ptr,
  ): void;
  routeGather(routed: Ptr, rStride: Int, x: Ptr, xStride: Int, B: Int, S: Int, DS: Int, dstPtr: Ptr, srcSlot: Ptr, coef: Ptr): void;
  quantizeSymmetric(out: Ptr, x: Ptr, n: Int, steps: F32, maxVal: F32): void;
  quantizeMidrise(out: Ptr, x: Ptr, n: Int, levels: F32, maxVal: F32): void;
  crossbarReadout(y: Ptr, ldy: Int, cur: Ptr, ldcur: Int, v: Ptr, ldv: Int, z: Ptr, B: Int, N: Int, I: Int, sigma: F32, scale: F32): void;
  routeScatter(dx: Ptr, xStride: Int, drouted: Ptr, rStride: Int, B: Int, S: Int, DS: Int, dstPtr: Ptr, srcSlot: Ptr, coef: Ptr): void;
  addRelu(out: Ptr, a: Ptr, b: Ptr, n: Int): void;
  convForwardScratchBytes(F: Int, R: Int, chunk: Int): Int;
  convWeightScratchBytes(K: Int, G: Int, R: Int, chunk: Int): Int;
  conv2dForward(
    y: Ptr,
    x: Ptr,
    panels: Ptr,
    bias: Ptr,
    H: Int,
    W: Int,
    F: Int,
    G: Int,
    R: Int,
    q0: Int,
    q1: Int,
    chunk: Int,
    accumulate: Int,
    scratch: Ptr,
  ): void;
  conv2dBackwardWeight(
    dw: Ptr,
    x: Ptr,
    dy: Ptr,
    Q: Int,
    H: Int,
    W: Int,
    F: Int,
    G: Int,
    R: Int,
    k0: Int,
    k1: Int,
    chunk: Int,
    scratch: Ptr,
  ): void;
  conv2dFlipWeights(wf: Ptr, w: Ptr, R: Int, F: Int, G: Int): void;
  winogradWeights(u: Ptr, w: Ptr, F: Int, G: Int): void;
  winogradScratchBytes(F: Int, G: Int, chunk: Int): Int;
  winogradForward(
    y: Ptr,
    x: Ptr,
    panels: Ptr,
    bias: Ptr,
    H: Int,
    W: Int,
    F: Int,
    G: Int,
    t0: Int,
    t1: Int,
    chunk: Int,
    accumulate: Int,
    scratch: Ptr,
  ): void;
  channelSums(part: Ptr, x: Ptr, j0: Int, j1: Int, rows: Int, M: Int, F: Int): void;
  sumParts(total: Ptr, part: Ptr, blocks: Int, F: Int): void;
  bnStats(mean: Ptr, variance: Ptr, invstd: Ptr, total: Ptr, F: Int, n: Int, eps: F32, runMean: Ptr, runVar: Ptr, momentum: F32): void;
  bnScaleShift(scale: Ptr, shift: Ptr, gamma: Ptr, beta: Ptr, mean: Ptr, invstd: Ptr, F: Int): void;
  channelAffine(y: Ptr, x: Ptr, scale: Ptr, shift: Ptr, r0: Int, r1: Int, F: Int, relu: Int): void;
  bnBackwardSums(part: Ptr, dy: Ptr, y: Ptr, x: Ptr, mean: Ptr, invstd: Ptr, j0: Int, j1: Int, rows: Int, M: Int, F: Int): void;
  bnParamGrads(dgamma: Ptr, dbeta: Ptr, total: Ptr, F: Int): void;
  bnBackwardCoefs(coef: Ptr, gamma: Ptr, invstd: Ptr, total: Ptr, F: Int, n: Int, batchStats: Int): void;
  bnBackwardInput(dx: Ptr, dy: Ptr, y: Ptr, x: Ptr, mean: Ptr, invstd: Ptr, coef: Ptr, r0: Int, r1: Int, F: Int): void;
  layerNorm(y: Ptr, mean: Ptr, rstd: Ptr, x: Ptr, gamma: Ptr, beta: Ptr, B: Int, D: Int, eps: F32): void;
  layerNormBackward(dx: Ptr, dgamma: Ptr, dbeta: Ptr, dy: Ptr, x: Ptr, mean: Ptr, rstd: Ptr, gamma: Ptr, B: Int, D: Int): void;
  maxPool2(y: Ptr, x: Ptr, B: Int, H: Int, W: Int, F: Int): void;
  maxPool2Backward(dx: Ptr, dy: Ptr, x: Ptr, y: Ptr, B: Int, H: Int, W: Int, F: Int): void;
  avgPool2(y: Ptr, x: Ptr, B: Int, H: Int, W: Int, F: Int): void;
  avgPool2Backward(dx: Ptr, dy: Ptr, B: Int, H: Int, W: Int, F: Int): void;
  routedScratchBytes(B: Int, N: Int): Int;
  routedForward: RoutedForward;
  /** routedForward over weights packed by packB (w: the packed cores). */
  routedForwardPacked: RoutedForward;
  routedWeightGrad(dw: Ptr, ...a: [...WeightGradSlots, accumulate: Int, scratch: Ptr, next: Ptr]): void;
  /** routedWeightGrad fused with adamStep on the weights p and moments m, v (no gradient buffer). */
  routedWeightGradAdam(...a: [...WeightGradSlots, p: Ptr, m: Ptr, v: Ptr, ...AdamHyper, scratch: Ptr, next: Ptr]): void;
  /** dx rows [b0, b1) (+)= the transposed routing of gy . W (written to drouted [B, C N] first); routing by source slot. */
  routedInputGrad(
    dx: Ptr,
    xStride: Int,
    drouted: Ptr,
    gy: Ptr,
    ldgy: Int,
    w: Ptr,
    b0: Int,
    b1: Int,
    B: Int,
    N: Int,
    S: Int,
    C: Int,
    srcPtr: Ptr,
    dstSlot: Ptr,
    coef: Ptr,
    accumulate: Int,
    scratch: Ptr,
    /** 0, or two i32 set to 0 (next core, cores done) shared by one call per thread. */
    next: Ptr,
    /** 0, or x [B, xStride] when it is a relu output and accumulate is 0: dx is 0 where x <= 0 (relu's backward fused). */
    mask: Ptr,
  ): void;
}
