// Model checkpoints as safetensors bytes: every parameter (F32), the kind's
// stored tensors (e.g. routing as I32 CSR arrays, so loading needs no RNG), and
// metadata strings with the model kind, its config, the training step and
// options. A format version names the metadata schema; earlier versions this
// project wrote are migrated explicitly, and weights that are not finite are
// refused. Kind-neutral: the registry (nn/registry.ts) builds and checks each
// kind. Bytes in, bytes out: file writes are scrramble/node's. Must not import node:*.

import { decodeSafetensors, encodeSafetensorsParts, expectTensor, type Dtype, type TensorData } from "./safetensors.js";
import { checkStoredConfig, modelEntry } from "../nn/registry.js";
import type { Model, StoredTensors } from "../nn/model.js";
import { concatBytes } from "../bytes.js";

export const CHECKPOINT_FORMAT = "scrramble-checkpoint";
/**
 * Version 2: metadata format, version, kind, config (every key of the kind's
 * settings, each valid; no other key), step (optimiser steps behind the
 * weights, a decimal integer). Version 1 (release 0.1.0) had no step, and its
 * configs lack the keys added since (the registry's addedKeys per kind).
 */
export const CHECKPOINT_VERSION = "2";

/**
 * Earlier versions this library reads: each turns that version's metadata into
 * the current version's, or refuses it naming the file.
 */
const MIGRATIONS: Record<string, (md: Record<string, string>, name: string) => Record<string, string>> = {
  // Release 0.1.0 always wrote the complete config of its time (its reader
  // merged it over the defaults, which let edited files load as something
  // else): the keys added since take the values that keep its behaviour, and
  // then the config is checked as strictly as version 2's. No step: "" = unknown.
  "1": (md) => ({ ...md, version: "2", step: "", config: withAddedKeys(md.kind, md.config) }),
};

/** A version 1 config (JSON) with the keys its kind gained since filled in; left as it is when it cannot be read. */
function withAddedKeys(kind: string | undefined, config: string | undefined): string {
  try {
    const raw = JSON.parse(config ?? "");
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return config ?? "";
    return JSON.stringify({ ...modelEntry(kind ?? "").addedKeys, ...raw });
  } catch {
    return config ?? "";
  }
}

/** Options of saveCheckpoint and checkpointParts. */
export interface CheckpointOptions {
  /** Optimiser steps behind the weights (default 0: untrained, or not recorded). */
  step?: number;
}

/**
 * Serialise a model (and any extra metadata strings) to safetensors bytes.
 * @example const bytes = saveCheckpoint(model, { note: "after 3 epochs" }, { step: opt.steps });
 */
export function saveCheckpoint(model: Model, extra: Record<string, string> = {}, o: CheckpointOptions = {}): Uint8Array {
  const parts = checkpointParts(model, extra, o);
  return concatBytes(parts);
}

/**
 * The checkpoint as consecutive byte parts; parameter parts are views of WASM
 * memory: write them out before the next step (memory growth detaches them).
 */
export function checkpointParts(model: Model, extra: Record<string, string> = {}, o: CheckpointOptions = {}): Uint8Array[] {
  const step = o.step ?? 0;
  if (!Number.isSafeInteger(step) || step < 0) throw new Error(`checkpoint step must be a non-negative integer, got ${step}`);
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
    step: String(step),
  };
  const seed = (model.config as { routingSeed?: number }).routingSeed;
  if (seed !== undefined) metadata.routingSeed = String(seed);
  return encodeSafetensorsParts(tensors, metadata);
}

export interface LoadedCheckpoint {
  model: Model;
  /** The metadata as stored (version is the file's own). */
  metadata: Record<string, string>;
  /** Optimiser steps behind the weights; null when the file does not say (version 1). */
  step: number | null;
}

/** The metadata of a checkpoint in the current version's form, or an Error naming the file. */
function currentMetadata(md: Record<string, string>, name: string): Record<string, string> {
  if (md.format !== CHECKPOINT_FORMAT)
    throw new Error(`${name}: not a scrramble checkpoint (metadata format is ${JSON.stringify(md.format)})`);
  const readable = [...Object.keys(MIGRATIONS), CHECKPOINT_VERSION].join(", ");
  if (md.version === CHECKPOINT_VERSION) return md;
  const migrate = Object.prototype.hasOwnProperty.call(MIGRATIONS, md.version) ? MIGRATIONS[md.version] : undefined;
  if (!migrate) {
    const newer = /^\d+$/.test(md.version ?? "") && Number(md.version) > Number(CHECKPOINT_VERSION);
    throw new Error(
      `${name}: checkpoint version ${JSON.stringify(md.version)}${newer ? " (written by a newer scrramble)" : ""}; ` +
        `this library reads versions ${readable}`,
    );
  }
  return migrate(md, name);
}

/** First value of a float array that is NaN or infinite, as "NaN at index i", or null. */
function firstNonFinite(a: Float32Array): string | null {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return `${a[i]} at index ${i}`;
  return null;
}

/**
 * Rebuild a model from checkpoint bytes; `name` (the path) prefixes every error.
 * Refuses unknown versions, a config with a missing, invalid or unknown key,
 * missing or misshapen tensors, and weights that are not finite.
 * @example const { model, step } = loadCheckpoint(bytes, "runs/a/model.safetensors");
 */
export function loadCheckpoint(bytes: Uint8Array, name: string): LoadedCheckpoint {
  const file = decodeSafetensors(bytes, name);
  const md = currentMetadata(file.metadata, name);
  let step: number | null = null;
  const migrated = file.metadata.version !== CHECKPOINT_VERSION;
  if (!(migrated && md.step === "")) {
    step = /^\d{1,15}$/.test(md.step ?? "") ? Number(md.step) : NaN;
    if (!Number.isSafeInteger(step))
      throw new Error(`${name}: metadata "step" must be a non-negative integer, got ${JSON.stringify(md.step)}`);
  }
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
    const data = expectTensor(file, pname, "F32", t.shape);
    const bad = firstNonFinite(data);
    if (bad) throw new Error(`${name}: tensor "${pname}" holds a value that is not finite (${bad}); the weights are unusable`);
    t.set(data);
  }
  return { model, metadata: file.metadata, step };
}
