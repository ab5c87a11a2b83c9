// The edge bundle's model description: the header JSON written into the bundle
// beside one binary blob of tensors, and read by the bundle runtime. Shared by
// the exporter (export.ts) and the runtime (bundle-runtime.ts). Types and
// constants only: the runtime is inlined without imports.

import type { PlanStep } from "../nn/plan.js";

/** Format tag of the header; a runtime refuses another. */
export const BUNDLE_FORMAT = "scrramble-bundle/1";

/** An array in the blob: byte offset (16-aligned), element count and type. */
export interface BlobTensor {
  offset: number;
  length: number;
  dtype: "f32" | "i32" | "i8" | "u8";
}

/**
 * A weight matrix [rows, cols] (row = output). "f32": plain values. "i8": codes with a
 * per-row scale (and optional per-row offset times the input sum): w = scale[r] code + offset[r].
 * "lut": u8 level codes, one table of levels per group of rows, per-row offset:
 * w = offset[r] + table[group(r), code]; decoded to f32 when the bundle loads.
 */
export type BlobWeight =
  | { format: "f32"; values: BlobTensor }
  | { format: "i8"; codes: BlobTensor; scale: BlobTensor; offset: BlobTensor | null }
  | { format: "lut"; codes: BlobTensor; table: BlobTensor; levels: number; rowsPerTable: number; offset: BlobTensor };

/**
 * A forward-plan step (nn/plan.ts) as the bundle stores it: every array becomes
 * a blob reference and every weight a BlobWeight; the other fields as they are.
 */
export type BundleStep = PlanStep extends infer S ? (S extends PlanStep ? { [K in keyof S]: BlobField<K, S[K]> } : never) : never;
type BlobField<K, V> = K extends "weight"
  ? BlobWeight
  : V extends Float32Array | Int32Array
    ? BlobTensor
    : null extends V
      ? BlobTensor | null
      : V;

/** How the weights were stored: "f32", "int8" (per-row scales) or "levels" (conductance levels). */
export type WeightFormat = "f32" | "int8" | "levels";

export interface BundleHeader {
  format: typeof BUNDLE_FORMAT;
  kind: string;
  classes: number;
  inputSize: number;
  /** The image the model takes (HWC). */
  input: { height: number; width: number; channels: number };
  weights: WeightFormat;
  /** Conductance levels and their spacing (weights "levels" only). */
  levels: { count: number; spacing: string } | null;
  steps: BundleStep[];
  /** Bytes of the blob (after base64 decoding). */
  blobBytes: number;
  /** Library version that wrote the bundle. */
  writer: string;
}
