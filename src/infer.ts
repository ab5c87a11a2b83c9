// The forward-only entry: load a checkpoint's bytes, classify images. Imports
// no backward rules, optimiser, dataset or loader, training or simulation code
// and no node:* (test/layering.test.ts checks the closure): the smallest
// library an application or the edge bundle builds on.

import { endStep } from "./engine.js";
import { Tensor } from "./tensor.js";
import { noGrad } from "./autograd/tape.js";
import { loadCheckpoint } from "./io/checkpoint.js";
import { argmaxRows, type Model } from "./nn/model.js";
import { resizeNearest } from "./pixels.js";

export { engine, initEngine, endStep, type Engine, type EngineOptions } from "./engine.js";
export { Tensor } from "./tensor.js";
export { noGrad } from "./autograd/tape.js";
export { loadCheckpoint, type LoadedCheckpoint } from "./io/checkpoint.js";
export { argmaxRows, type Model } from "./nn/model.js";
export { resizeNearest } from "./pixels.js";

/** Geometry of the images given to predict (HWC, row-major). */
export interface ImageGeometry {
  height: number;
  width: number;
  channels: number;
}

export interface Predictions {
  /** Predicted class per image. */
  labels: Int32Array;
  /** Class scores [n, classes], row-major. */
  scores: Float32Array;
}

/**
 * Model inputs [n, inputSize] from n images: bytes are scaled by 1/255, and
 * images of another size are resized (nearest) to the model's square input.
 */
export function modelInputs(model: Model, pixels: Uint8Array | Float32Array, n: number, geometry?: ImageGeometry): Float32Array {
  if (!(pixels instanceof Uint8Array || pixels instanceof Float32Array)) {
    throw new Error(
      `predict: pixels must be a Uint8Array (0..255) or a Float32Array (0..1), ` +
        `got ${(pixels as object)?.constructor?.name ?? typeof pixels}`,
    );
  }
  if (!Number.isInteger(n) || n < 1) throw new Error(`predict: image count must be a positive integer, got ${n}`);
  const per = pixels.length / n;
  const g = geometry ?? { height: Math.sqrt(per), width: Math.sqrt(per), channels: 1 };
  const F = g.height * g.width * g.channels;
  if (!Number.isInteger(g.height) || F !== per) {
    const want = geometry ? `${g.height}x${g.width}x${g.channels} = ${F}` : "a square single-channel image";
    throw new Error(
      `predict: ${pixels.length} values for ${n} image(s) do not make ${want} each (the model takes ${model.inputSize} inputs)`,
    );
  }
  const out = new Float32Array(n * model.inputSize);
  const scale = pixels instanceof Uint8Array ? 1 / 255 : 1;
  if (F === model.inputSize) {
    for (let i = 0; i < out.length; i++) out[i] = pixels[i] * scale;
    return out;
  }
  const side = Math.sqrt(model.inputSize / g.channels);
  if (!Number.isInteger(side))
    throw new Error(`predict: the model takes ${model.inputSize} inputs, not a square image of ${g.channels} channel(s)`);
  const src = pixels instanceof Uint8Array ? Float32Array.from(pixels, (v) => v * scale) : pixels;
  for (let i = 0; i < n; i++) {
    resizeNearest(
      src.subarray(i * F, (i + 1) * F),
      g.height,
      g.width,
      g.channels,
      side,
      side,
      out.subarray(i * model.inputSize, (i + 1) * model.inputSize),
    );
  }
  return out;
}

/**
 * Classify n images (concatenated, HWC): labels and class scores.
 * @example
 * const { model } = loadCheckpoint(bytes, "model.safetensors");
 * const { labels } = predictBatch(model, images, 16); // 16 images of 28 x 28 bytes
 */
export function predictBatch(model: Model, pixels: Uint8Array | Float32Array, n: number, geometry?: ImageGeometry): Predictions {
  const x = modelInputs(model, pixels, n, geometry);
  return noGrad(() => {
    const scores = model.scores(Tensor.from(x, [n, model.inputSize])).toArray();
    endStep();
    return { labels: argmaxRows(scores, n, model.classes), scores };
  });
}

/**
 * Classify one image: the label and the per-class scores.
 * @example const { label, scores } = predict(model, digit28x28);
 */
export function predict(
  model: Model,
  pixels: Uint8Array | Float32Array,
  geometry?: ImageGeometry,
): { label: number; scores: Float32Array } {
  const r = predictBatch(model, pixels, 1, geometry);
  return { label: r.labels[0], scores: r.scores };
}

/**
 * Prepare a model for many forward passes over unchanged weights (packs the
 * ScRRAMBLe cores' weights once; a no-op for kinds with nothing to prepare).
 * Call outside a step, and again after training changes the weights.
 * @example prepareInference(model); for (const img of images) predict(model, img);
 */
export function prepareInference(model: Model): void {
  model.prepareInference?.();
}

/**
 * Load a checkpoint from its bytes (a run folder's model.safetensors), prepared
 * for inference (prepareInference: the ScRRAMBLe cores' weights packed once, which
 * takes a batch-1 forward pass from about 2 ms to about 0.8 ms here, for a second
 * copy of those weights in memory). Use loadCheckpoint to train it further.
 * @example const model = loadModel(await (await fetch("model.safetensors")).bytes());
 */
export function loadModel(bytes: Uint8Array, name = "checkpoint"): Model {
  const { model } = loadCheckpoint(bytes, name);
  prepareInference(model);
  return model;
}
