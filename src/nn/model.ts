// The interface every trainable model exposes to the trainer, the CLI and the
// checkpoint code. Types only, plus the shared "scores -> argmax" helper.

import type { Tensor } from "../tensor.js";

export interface BatchInput {
  /** Model input [B, inputSize] (already resized / flattened). */
  x: Tensor;
  /** Integer labels, length B. */
  labels: ArrayLike<number>;
  /** Original images [B, h * w * c] for a reconstruction head (optional). */
  images?: Tensor;
}

export interface Model {
  /** "scrramble-mlp" | "dense-baseline" */
  readonly kind: string;
  readonly inputSize: number;
  readonly classes: number;
  /** JSON-serialisable configuration (goes into checkpoints). */
  readonly config: Record<string, unknown>;
  parameters(): Tensor[];
  /** Name -> parameter, stable names for checkpoints. */
  namedParameters(): [string, Tensor][];
  /** Training loss and class scores [B, classes] of one batch (taped when grad is on). */
  loss(batch: BatchInput): { loss: Tensor; scores: Tensor };
  /** Class scores [B, classes] (call inside noGrad for inference). */
  scores(x: Tensor): Tensor;
}

/** Index of the largest score of each row of scores [B, C]. */
export function argmaxRows(scores: Float32Array, B: number, C: number): Int32Array {
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (scores[b * C + c] > scores[b * C + best]) best = c;
    out[b] = best;
  }
  return out;
}
