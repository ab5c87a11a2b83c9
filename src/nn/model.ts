// The interface every model exposes to the trainer, the simulators, the
// checkpoint code and the commands, plus the shared "scores -> argmax" helper.
// Types only otherwise; each kind's class and settings live in the registry.

import type { Tensor } from "../tensor.js";
import type { Routing } from "../routing/routing.js";

export interface BatchInput {
  /** Model input [B, inputSize] (already resized / flattened). */
  x: Tensor;
  /** Integer labels, length B. */
  labels: ArrayLike<number>;
  /** Original images [B, h * w * c] for a reconstruction head (optional). */
  images?: Tensor;
  /** True in a training step: batch-norm layers use this batch's statistics and update their running ones. */
  training?: boolean;
}

/** Raw array data a checkpoint keeps beside the parameters (e.g. routing tables). */
export interface StoredTensor {
  dtype: string;
  shape: readonly number[];
  data: Float32Array | Int32Array | ArrayLike<number>;
}

/** Stored tensors by name, as read from a checkpoint. */
export type StoredTensors = Record<string, StoredTensor>;

/** What a model's defaults may depend on: the data and the run's seed. */
export interface ModelContext {
  classes: number;
  seed: number;
  /** Geometry of the images the model will see. */
  input: { height: number; width: number; channels: number };
}

/** A model's ScRRAMBLe layers: what routing statistics and traffic accounting read. */
export interface RoutedNetwork {
  /** Cores per ScRRAMBLe layer, input cores first. */
  cores: number[];
  coreSize: number;
  slotSize: number;
  p: number;
  routingSeed: number;
  /** The routing in use, one per layer (possibly loaded, not generated). */
  routings: Routing[];
  /** What the model computes outside these cores (digital on the chip), for reports; absent when nothing. */
  digital?: string;
}

export interface Model {
  /** Registry kind, e.g. "scrramble-mlp" or "dense-baseline". */
  readonly kind: string;
  readonly inputSize: number;
  readonly classes: number;
  /** JSON-serialisable configuration (goes into checkpoints). */
  readonly config: object;
  parameters(): Tensor[];
  /** Name -> parameter, stable names for checkpoints. */
  namedParameters(): [string, Tensor][];
  /** Training loss and class scores [B, classes] of one batch (taped when grad is on). */
  loss(batch: BatchInput): { loss: Tensor; scores: Tensor };
  /** Class scores [B, classes] (call inside noGrad for inference). */
  scores(x: Tensor): Tensor;
  /** True when loss() wants the original images (a reconstruction head). */
  readonly wantsImages?: boolean;
  /** The ScRRAMBLe layers, for models that have them. */
  routedNetwork?(): RoutedNetwork;
  /** Models with batch norms: which statistics normalise at evaluation (running averages, or each batch's own). */
  setEvalStatistics?(s: "running" | "batch"): void;
  /** Non-parameter state that training changes (e.g. batch-norm running statistics), as copies by name: part of a training state. */
  trainingBuffers?(): Record<string, Float32Array>;
  /** Restore what trainingBuffers() returned (same names and sizes). */
  loadTrainingBuffers?(buffers: Record<string, Float32Array>): void;
  /** Prepare for repeated forward passes over unchanged weights (e.g. pack them); call outside a step. */
  prepareInference?(): void;
  /** The core weights [dstCores, N, N] of each ScRRAMBLe layer, parallel to routedNetwork().routings. */
  coreWeights?(): Tensor[];
  /** Images [B, pixels] rebuilt from each sample's capsule of the given class, for models with a reconstruction head. */
  reconstruct?(x: Tensor, labels: ArrayLike<number>): Tensor;
}

/** Index of the largest score of each row of scores [B, L] (L classes). */
export function argmaxRows(scores: Float32Array, B: number, L: number): Int32Array {
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    let best = 0;
    for (let c = 1; c < L; c++) if (scores[b * L + c] > scores[b * L + best]) best = c;
    out[b] = best;
  }
  return out;
}
