// Model checkpoints as safetensors bytes: every parameter (F32), each layer's
// routing as I32 CSR arrays (so loading needs no RNG), and metadata strings with
// the model kind, its config and the training options. Bytes in, bytes out:
// the CLI does the atomic file writes. Must not import node:*.

import { decodeSafetensors, encodeSafetensorsParts, expectTensor, type Dtype, type TensorData } from "./safetensors.js";
import { routingFromArrays, type Routing } from "../routing/routing.js";
import { ScrrambleMlp, SCRRAMBLE_MLP_DEFAULTS, type ScrrambleMlpConfig } from "../nn/scrramble-mlp.js";
import { DenseBaseline, type DenseBaselineConfig } from "../nn/dense-baseline.js";
import type { Model } from "../nn/model.js";

export const CHECKPOINT_FORMAT = "scrramble-checkpoint";
export const CHECKPOINT_VERSION = "1";

/** Serialise a model (and any extra metadata strings) to safetensors bytes. */
export function saveCheckpoint(model: Model, extra: Record<string, string> = {}): Uint8Array {
  const parts = checkpointParts(model, extra);
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/**
 * The checkpoint as consecutive byte parts; parameter parts are views of WASM
 * memory: write them out before the next step (memory growth detaches them).
 */
export function checkpointParts(model: Model, extra: Record<string, string> = {}): Uint8Array[] {
  const tensors: Record<string, { dtype: Dtype; shape: readonly number[]; data: TensorData }> = {};
  for (const [name, t] of model.namedParameters()) tensors[name] = { dtype: "F32", shape: t.shape, data: t.data() };
  if (model instanceof ScrrambleMlp) {
    model.layers.forEach((l, i) => {
      tensors[`routing.${i}.dstPtr`] = { dtype: "I32", shape: [l.routing.dstPtr.length], data: l.routing.dstPtr };
      tensors[`routing.${i}.srcSlot`] = { dtype: "I32", shape: [l.routing.srcSlot.length], data: l.routing.srcSlot };
      tensors[`routing.${i}.coef`] = { dtype: "I32", shape: [l.routing.coef.length], data: l.routing.coef };
    });
  }
  const metadata: Record<string, string> = {
    ...extra,
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    kind: model.kind,
    config: JSON.stringify(model.config),
  };
  if (model instanceof ScrrambleMlp) metadata.routingSeed = String(model.config.routingSeed);
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
  if (md.format !== CHECKPOINT_FORMAT) throw new Error(`${name}: not a scrramble checkpoint (metadata format is ${JSON.stringify(md.format)})`);
  if (md.version !== CHECKPOINT_VERSION) throw new Error(`${name}: checkpoint version ${md.version}, this library reads version ${CHECKPOINT_VERSION}`);
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(md.config);
  } catch {
    throw new Error(`${name}: metadata "config" is not valid JSON`);
  }
  let model: Model;
  try {
    if (md.kind === "scrramble-mlp") {
      const c = { ...SCRRAMBLE_MLP_DEFAULTS, ...config } as ScrrambleMlpConfig;
      const routings: Routing[] = [];
      for (let i = 0; i + 1 < c.cores.length; i++) {
        const get = (part: string) => {
          const t = file.tensors[`routing.${i}.${part}`];
          if (!t) throw new Error(`missing tensor "routing.${i}.${part}"`);
          if (t.dtype !== "I32") throw new Error(`tensor "routing.${i}.${part}" has dtype ${t.dtype}, expected I32`);
          return t.data as Int32Array;
        };
        routings.push(routingFromArrays({ srcCores: c.cores[i], dstCores: c.cores[i + 1], slotsPerCore: c.coreSize / c.slotSize, dstPtr: get("dstPtr"), srcSlot: get("srcSlot"), coef: get("coef") }, `routing ${i}`));
      }
      model = new ScrrambleMlp(c, routings);
    } else if (md.kind === "dense-baseline") {
      model = new DenseBaseline(config as unknown as DenseBaselineConfig);
    } else {
      throw new Error(`unknown model kind ${JSON.stringify(md.kind)}`);
    }
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith(name) ? msg : `${name}: ${msg}`);
  }
  for (const [pname, t] of model.namedParameters()) {
    t.set(expectTensor(file, pname, "F32", t.shape));
  }
  return { model, metadata: md };
}
