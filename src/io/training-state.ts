// Training state files as safetensors bytes: what a stopped run needs to go on
// to the bit (parameters, optimiser buffers and step, the model's non-parameter
// buffers such as batch-norm running statistics, the data loader's position and
// augmentation generators), plus strings naming the model, its
// config and the training options so a resume can check it continues the same
// run. Bytes in, bytes out (file writes are scrramble/node's); must not import node:*.

import { decodeSafetensors, encodeSafetensorsParts, type Dtype, type TensorData } from "./safetensors.js";
import type { TrainingState } from "../train/trainer.js";
import type { LoaderPosition } from "../data/loader.js";

export const TRAINING_STATE_FORMAT = "scrramble-training-state";
export const TRAINING_STATE_VERSION = "1";

/** Strings stored beside the state: who it belongs to, and any caller bookkeeping. */
export interface TrainingStateInfo {
  /** Model kind and its config as JSON. */
  kind: string;
  config: string;
  /** Training options as JSON. */
  train: string;
  /** Caller strings (e.g. a run folder's running averages), returned as stored. */
  extra?: Record<string, string>;
}

/**
 * The state as consecutive byte parts (write them in order, e.g. with writeFileAtomic).
 * @example writeFileAtomic(path, trainingStateParts(trainer.state(), { kind, config, train }));
 */
export function trainingStateParts(s: TrainingState, info: TrainingStateInfo): Uint8Array[] {
  const tensors: Record<string, { dtype: Dtype; shape: readonly number[]; data: TensorData }> = {};
  for (const [name, v] of Object.entries(s.params)) tensors[`param.${name}`] = { dtype: "F32", shape: [v.length], data: v };
  for (const [name, v] of Object.entries(s.optimizer.buffers)) tensors[`optimizer.${name}`] = { dtype: "F32", shape: [v.length], data: v };
  for (const [name, v] of Object.entries(s.buffers)) tensors[`model.${name}`] = { dtype: "F32", shape: [v.length], data: v };
  const metadata: Record<string, string> = {
    ...(info.extra ?? {}),
    format: TRAINING_STATE_FORMAT,
    version: TRAINING_STATE_VERSION,
    step: String(s.step),
    optimizerSteps: String(s.optimizer.steps),
    position: JSON.stringify(s.position),
    kind: info.kind,
    config: info.config,
    train: info.train,
  };
  return encodeSafetensorsParts(tensors, metadata);
}

/**
 * Read a state written by trainingStateParts; `name` (the path) prefixes every error.
 * @example const { state, info } = loadTrainingState(bytes, "runs/a/state.safetensors");
 */
export function loadTrainingState(bytes: Uint8Array, name: string): { state: TrainingState; info: TrainingStateInfo } {
  const file = decodeSafetensors(bytes, name);
  const md = file.metadata;
  const fail = (msg: string): never => {
    throw new Error(`${name}: ${msg}`);
  };
  if (md.format !== TRAINING_STATE_FORMAT) fail(`not a scrramble training state (metadata format is ${JSON.stringify(md.format)})`);
  if (md.version !== TRAINING_STATE_VERSION)
    fail(`training state version ${JSON.stringify(md.version)}; this library reads version ${TRAINING_STATE_VERSION}`);
  const int = (key: string): number => {
    const v = md[key];
    if (!/^\d{1,15}$/.test(v ?? "")) fail(`metadata "${key}" must be a non-negative integer, got ${JSON.stringify(v)}`);
    return Number(v);
  };
  const step = int("step");
  const optimizerSteps = int("optimizerSteps");
  let position: LoaderPosition;
  try {
    position = JSON.parse(md.position) as LoaderPosition;
  } catch {
    return fail(`metadata "position" is not valid JSON`);
  }
  const p = position as unknown as Record<string, unknown>;
  if (typeof p !== "object" || p === null || !Number.isInteger(p.epoch) || !Number.isInteger(p.batch) || !("shift" in p))
    fail(`metadata "position" must hold an epoch, a batch and a shift state, got ${md.position}`);
  for (const key of ["kind", "config", "train"]) if (typeof md[key] !== "string") fail(`metadata "${key}" is missing`);
  const params: Record<string, Float32Array> = {};
  const buffers: Record<string, Float32Array> = {};
  const modelBuffers: Record<string, Float32Array> = {};
  for (const [key, t] of Object.entries(file.tensors)) {
    if (t.dtype !== "F32") fail(`tensor "${key}" has dtype ${t.dtype}, expected F32`);
    const data = t.data as Float32Array;
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) fail(`tensor "${key}" holds ${data[i]} at index ${i}`);
    if (key.startsWith("param.")) params[key.slice(6)] = data;
    else if (key.startsWith("optimizer.")) buffers[key.slice(10)] = data;
    else if (key.startsWith("model.")) modelBuffers[key.slice(6)] = data;
    else fail(`unexpected tensor "${key}"`);
  }
  const { format: _f, version: _v, step: _s, optimizerSteps: _o, position: _p, kind, config, train, ...extra } = md;
  return {
    state: { step, position, params, optimizer: { steps: optimizerSteps, buffers }, buffers: modelBuffers },
    info: { kind, config, train, extra },
  };
}
