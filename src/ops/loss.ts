// Losses as taped ops, each a scalar [1] averaged over the batch: softmax
// cross-entropy, mean squared error, and the capsule margin loss of the
// ScRRAMBLe MLP (squash lengths are also returned for prediction).
// Letters (docs/architecture.md): B batch, L classes, D values per capsule.

import { engine, parallelRanges, stepLabels } from "../engine.js";
import { Tensor } from "../tensor.js";
import { record } from "../autograd/tape.js";

function checkLabels(op: string, labels: ArrayLike<number>, B: number, L: number): void {
  if (labels.length !== B) throw new Error(`${op}: ${labels.length} labels for a batch of ${B}`);
  for (let i = 0; i < B; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= L) throw new Error(`${op}: label ${y} at ${i} outside [0, ${L})`);
  }
}

/** Mean softmax cross-entropy of logits [B, L] against integer labels. */
export function softmaxCrossEntropy(logits: Tensor, labels: ArrayLike<number>): Tensor {
  logits.check();
  if (logits.shape.length !== 2) throw new Error(`softmaxCrossEntropy: logits must be [B, L], got [${logits.shape.join(", ")}]`);
  const [B, L] = logits.shape;
  checkLabels("softmaxCrossEntropy", labels, B, L);
  const lab = stepLabels(labels);
  const probs = Tensor.empty([B, L]);
  const out = Tensor.empty([1]);
  engine().k.softmaxCrossEntropy(out.ptr, probs.ptr, logits.ptr, lab, B, L);
  return record("softmaxCrossEntropy", out, [logits], { probs: probs.ptr, labels: lab, B, L });
}

/** Mean over all elements of (a - b)^2. */
export function mseLoss(a: Tensor, b: Tensor): Tensor {
  a.check();
  b.check();
  if (a.size !== b.size) throw new Error(`mseLoss: sizes ${a.size} and ${b.size} differ`);
  const out = Tensor.empty([1]);
  engine().k.mse(out.ptr, a.ptr, b.ptr, a.size);
  return record("mse", out, [a, b], null);
}

export interface MarginOptions {
  mPlus?: number;
  mMinus?: number;
  lambda?: number;
}

/**
 * Capsule margin loss over y [B, L * D] viewed as L capsules of D values.
 * Returns the loss and the capsule lengths |squash(v)| [B, L] (the class scores).
 */
export function capsuleMarginLoss(
  y: Tensor,
  labels: ArrayLike<number>,
  classes: number,
  opts: MarginOptions = {},
): { loss: Tensor; lengths: Tensor } {
  y.check();
  const B = y.shape[0];
  const D = y.size / B / classes;
  if (!Number.isInteger(D) || D < 1) throw new Error(`capsuleMarginLoss: [${y.shape.join(", ")}] does not split into ${classes} capsules`);
  checkLabels("capsuleMarginLoss", labels, B, classes);
  const { mPlus = 0.9, mMinus = 0.1, lambda = 0.5 } = opts;
  const k = engine().k;
  const lengths = Tensor.empty([B, classes]);
  const norms = Tensor.empty([B, classes]);
  squashLengths(lengths, norms, y, B, classes, D);
  const lab = stepLabels(labels);
  const loss = Tensor.empty([1]);
  k.marginLoss(loss.ptr, lengths.ptr, lab, B, classes, mPlus, mMinus, lambda);
  record("capsuleMargin", loss, [y], { norms: norms.ptr, lengths: lengths.ptr, labels: lab, B, L: classes, D, mPlus, mMinus, lambda });
  return { loss, lengths };
}

/** Capsule lengths [B, L] without a loss (inference). */
export function capsuleLengths(y: Tensor, classes: number): Tensor {
  y.check();
  const B = y.shape[0];
  const D = y.size / B / classes;
  if (!Number.isInteger(D) || D < 1) throw new Error(`capsuleLengths: [${y.shape.join(", ")}] does not split into ${classes} capsules`);
  const lengths = Tensor.empty([B, classes]);
  const norms = Tensor.empty([B, classes]);
  squashLengths(lengths, norms, y, B, classes, D);
  return lengths;
}

/** Capsule lengths and norms of y [B, L, D], split over the threads by batch rows. */
function squashLengths(lengths: Tensor, norms: Tensor, y: Tensor, B: number, L: number, D: number): void {
  parallelRanges(
    B,
    (b0, b1) => ["capsuleLengths", lengths.ptr + b0 * L * 4, norms.ptr + b0 * L * 4, y.ptr + b0 * L * D * 4, b1 - b0, L, D],
    { align: 1, minItems: Math.ceil(65536 / (L * D)) },
  );
}
