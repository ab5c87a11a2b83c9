// Model checkpoints as safetensors bytes: every parameter (F32), the kind's
// stored tensors (e.g. routing as I32 CSR arrays, so loading needs no RNG), and
// metadata strings with the model kind, its config and the training options.
// Kind-neutral: the registry (nn/registry.ts) builds and checks each kind.
// Bytes in, bytes out: file writes are scrramble/node's. Must not import node:*.

import { decodeSafetensors, encodeSafetensorsParts, expectTensor, type Dtype, type TensorData } from "./safetensors.js";
import { checkStoredConfig, modelEntry } from "../nn/registry.js";
import type { Model, StoredTensors } from "../nn/model.js";

export const CHECKPOINT_FORMAT = "scrramble-checkpoint";
export const CHECKPOINT_VERSION = "1";

/** Serialise a model (and any extra metadata strings) to safetensors bytes. */
export function saveCheckpoint(model: Model, extra: Record<string, string> = {}): Uint8Array {
  const parts = checkpointParts(model, extra);
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The checkpoint as consecutive byte parts; parameter parts are views of WASM
 * memory: write them out before the next step (memory growth detaches them).
 */
export function checkpointParts(model: Model, extra: Record<string, string> = {}): Uint8Array[] {
  const tensors: Record<string, { dtype: Dtype; shape: readonly number[]; data: TensorData }> = {};
  for (const [name, t] of model.namedParameters()) tensors[name] = { dtype: "F32", shape: t.shape, data: t.data() };
  for (const [name, t] of Object.entries(modelEntry(model.kind).storedTensors(model))) {
    tensors[name] = { dtype: t.dtype as Dtype, shape: t.shape, data: t.data as TensorData };
  }
  const metadata: Record<string, string> = {
    ...extra,
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    kind: model.kind,
    config: JSON.stringify(model.config),
  };
  const seed = (model.config as { routingSeed?: number }).routingSeed;
  if (seed !== undefined) metadata.routingSeed = String(seed);
  return encodeSafetensorsParts(tensors, metadata);
}

export interface LoadedCheckpoint {
  model: Model;
  metadata: Record<string, string>;
}

/** Rebuild a model from checkpoint bytes; `name` (the path) prefixes every error. */
export function loadCheckpoint(bytes: Uint8Array, name: string): LoadedCheckpoint {
  const file = decodeSafetensors(bytes, name);
  const md = file.metadata;
  if (md.format !== CHECKPOINT_FORMAT)
    throw new Error(`${name}: not a scrramble checkpoint (metadata format is ${JSON.stringify(md.format)})`);
  if (md.version !== CHECKPOINT_VERSION)
    throw new Error(`${name}: checkpoint version ${md.version}, this library reads version ${CHECKPOINT_VERSION}`);
  let raw: unknown;
  try {
    raw = JSON.parse(md.config);
  } catch {
    throw new Error(`${name}: metadata "config" is not valid JSON`);
  }
  let model: Model;
  try {
    const config = checkStoredConfig(md.kind, raw, "config");
    model = modelEntry(md.kind).create(config, file.tensors as StoredTensors);
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith(name) ? msg : `${name}: ${msg}`);
  }
  for (const [pname, t] of model.namedParameters()) {
    t.set(expectTensor(file, pname, "F32", t.shape));
  }
  return { model, metadata: md };
}
