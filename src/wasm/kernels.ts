// The typed surface of the kernel module's exports: the only description of the
// WASM ABI on the TypeScript side. Pointers are byte addresses (number), sizes i32.
// Must not contain logic.

type P = number;
type I = number;
type F = number;

export interface KernelExports {
  ABI_VERSION: WebAssembly.Global;
  heapBase(): P;
  gemmNN(M: I, N: I, K: I, a: P, lda: I, b: P, ldb: I, c: P, ldc: I, accumulate: I, scratch: P): void;
  gemmNT(M: I, N: I, K: I, a: P, lda: I, b: P, ldb: I, c: P, ldc: I, accumulate: I, scratch: P): void;
  gemmTN(M: I, N: I, K: I, a: P, lda: I, b: P, ldb: I, c: P, ldc: I, accumulate: I, scratch: P): void;
  fill(x: P, n: I, v: F): void;
  add(out: P, a: P, b: P, n: I): void;
  sub(out: P, a: P, b: P, n: I): void;
  mul(out: P, a: P, b: P, n: I): void;
  mulAcc(out: P, a: P, b: P, n: I): void;
  scale(out: P, x: P, s: F, n: I): void;
  scaleAcc(out: P, x: P, s: F, n: I): void;
  addBias(out: P, x: P, bias: P, R: I, C: I): void;
  relu(out: P, x: P, n: I): void;
  reluBackward(dx: P, x: P, dy: P, n: I): void;
  qrelu(out: P, x: P, n: I, steps: F, maxVal: F): void;
  sigmoid(out: P, x: P, n: I): void;
  sigmoidBackward(dx: P, y: P, dy: P, n: I): void;
  sum(out: P, x: P, n: I): void;
  sumRows(out: P, x: P, R: I, C: I, accumulate: I): void;
  softmaxCrossEntropy(out: P, probs: P, logits: P, labels: P, B: I, C: I): void;
  softmaxCrossEntropyBackward(dlogits: P, probs: P, labels: P, B: I, C: I, g: F): void;
  mse(out: P, a: P, b: P, n: I): void;
  mseBackward(da: P, db: P, a: P, b: P, n: I, g: F): void;
  capsuleLengths(lengths: P, norms: P, y: P, B: I, C: I, D: I): void;
  marginLoss(out: P, lengths: P, labels: P, B: I, C: I, mPlus: F, mMinus: F, lambda: F): void;
  marginLossBackward(dy: P, y: P, norms: P, lengths: P, labels: P, B: I, C: I, D: I, mPlus: F, mMinus: F, lambda: F, g: F): void;
  adamStep(p: P, g: P, m: P, v: P, n: I, lr: F, beta1: F, beta2: F, eps: F, wd: F, decoupled: I, bc1: F, bc2: F): void;
  sgdStep(p: P, g: P, buf: P, n: I, lr: F, momentum: F, dampening: F, wd: F, nesterov: I, first: I): void;
  routeGather(routed: P, rStride: I, x: P, xStride: I, B: I, S: I, DS: I, dstPtr: P, srcSlot: P, coef: P): void;
  quantizeSymmetric(out: P, x: P, n: I, steps: F, maxVal: F): void;
  quantizeMidrise(out: P, x: P, n: I, levels: F, maxVal: F): void;
  crossbarReadout(y: P, ldy: I, I: P, ldi: I, v: P, ldv: I, z: P, B: I, N: I, sigma: F, scale: F): void;
  routeScatter(dx: P, xStride: I, drouted: P, rStride: I, B: I, S: I, DS: I, dstPtr: P, srcSlot: P, coef: P): void;
}
