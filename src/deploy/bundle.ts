// The exporter of the one-file edge bundle: turns a model's forward plan (from
// its registry entry: no kind is named here) into one ES module holding the
// forward-only engine (kernels + runtime), the routing and the weights (f32,
// int8 per row, or crossbar conductance levels). Returns text; writes no file.

import type { Model } from "../nn/model.js";
import type { ForwardPlan, PlanStep } from "../nn/plan.js";
import { forwardPlan } from "../nn/registry.js";
import { DEVICE_DEFAULTS, LEVEL_SPACINGS, type DeviceOptions } from "../sim/devices.js";
import { BUNDLE_FORMAT, type BlobTensor, type BlobWeight, type BundleHeader, type BundleStep, type WeightFormat } from "./format.js";
import { forwardWasm, runtimeJs } from "./engine.generated.js";
import { quantizeRowsInt8, quantizeRowsLevels } from "./quantize.js";

export const WEIGHT_FORMATS = ["int8", "f32", "levels"] as const;

export interface BundleOptions {
  /** "int8" (default; per-row scales), "f32", or "levels" (the crossbar's conductance levels, single mapping). */
  weights: WeightFormat;
  /** Levels and their spacing for weights "levels" (gMin, gMax, levels, levelSpacing, deviceTau are read). */
  device: DeviceOptions;
  /** Library version written into the header. */
  writer: string;
}

export const BUNDLE_DEFAULTS: BundleOptions = { weights: "int8", device: { ...DEVICE_DEFAULTS, levels: 16 }, writer: "scrramble" };

export interface Bundle {
  /** The ES module's text. */
  source: string;
  /** Bytes (UTF-8 = ASCII) of the engine part (runtime JS + kernel module) and of the model part (header, routing, weights). */
  engineBytes: number;
  modelBytes: number;
  /** Bytes of the kernel module itself (before base64). */
  wasmBytes: number;
  header: BundleHeader;
}

/** Collects arrays into one 16-aligned little-endian blob. */
class Blob {
  private parts: Uint8Array[] = [];
  private size = 0;
  add(data: Float32Array | Int32Array | Int8Array | Uint8Array, dtype: BlobTensor["dtype"]): BlobTensor {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const t = { offset: this.size, length: data.length, dtype };
    this.parts.push(bytes.slice());
    this.size += bytes.length;
    const pad = (16 - (this.size % 16)) % 16;
    if (pad) {
      this.parts.push(new Uint8Array(pad));
      this.size += pad;
    }
    return t;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function storeWeight(blob: Blob, w: Float32Array, rows: number, cols: number, rowsPerCore: number, o: BundleOptions): BlobWeight {
  if (o.weights === "f32") return { format: "f32", values: blob.add(w, "f32") };
  if (o.weights === "int8") {
    const q = quantizeRowsInt8(w, rows, cols);
    return { format: "i8", codes: blob.add(q.codes, "i8"), scale: blob.add(q.scale, "f32"), offset: null };
  }
  const q = quantizeRowsLevels(w, rows, cols, rowsPerCore, o.device);
  const L = o.device.levels;
  if (q.linear) {
    // Evenly spaced levels: code k - 128 in int8, w = step (k - 128) + (rowMin + 128 step).
    const codes = new Int8Array(rows * cols);
    for (let i = 0; i < codes.length; i++) codes[i] = q.codes[i] - 128;
    const scale = new Float32Array(rows),
      offset = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      const step = q.step[Math.floor(r / rowsPerCore)];
      scale[r] = step;
      offset[r] = q.offset[r] + 128 * step;
    }
    return { format: "i8", codes: blob.add(codes, "i8"), scale: blob.add(scale, "f32"), offset: blob.add(offset, "f32") };
  }
  return {
    format: "lut",
    codes: blob.add(q.codes, "u8"),
    table: blob.add(q.table, "f32"),
    levels: L,
    rowsPerTable: rowsPerCore,
    offset: blob.add(q.offset, "f32"),
  };
}

function storeStep(blob: Blob, s: PlanStep, o: BundleOptions): BundleStep {
  switch (s.op) {
    case "route":
      return {
        op: "route",
        srcCores: s.srcCores,
        dstCores: s.dstCores,
        slotsPerCore: s.slotsPerCore,
        dstPtr: blob.add(s.dstPtr, "i32"),
        srcSlot: blob.add(s.srcSlot, "i32"),
        coef: blob.add(Float32Array.from(s.coef), "f32"),
      };
    case "cores":
      return { op: "cores", cores: s.cores, size: s.size, weight: storeWeight(blob, s.weight, s.cores * s.size, s.size, s.size, o) };
    case "dense": {
      const weight = storeWeight(blob, s.weight, s.outputs, s.inputs, s.outputs, o);
      return { op: "dense", inputs: s.inputs, outputs: s.outputs, weight, bias: s.bias ? blob.add(s.bias, "f32") : null };
    }
    default:
      return { ...s };
  }
}

/** Check bundle options; messages name the setting. */
export function checkBundleOptions(o: BundleOptions): void {
  if (!(WEIGHT_FORMATS as readonly string[]).includes(o.weights))
    throw new Error(`weights must be one of ${WEIGHT_FORMATS.join(", ")}, got ${JSON.stringify(o.weights)}`);
  if (o.weights !== "levels") return;
  const d = o.device;
  if (!Number.isInteger(d.levels) || d.levels < 2 || d.levels > 256)
    throw new Error(`--levels must be an integer in [2, 256], got ${d.levels}`);
  if (!(LEVEL_SPACINGS as readonly string[]).includes(d.levelSpacing)) throw new Error(`unknown level spacing ${d.levelSpacing}`);
  if (!(d.gMax > d.gMin && d.gMin >= 0)) throw new Error(`conductance range must satisfy 0 <= g_min < g_max, got [${d.gMin}, ${d.gMax}]`);
}

/**
 * The one-file ES module of a plan (see bundleOf for a model).
 * @example const { source } = bundleOfPlan(forwardPlan(model), { ...BUNDLE_DEFAULTS, weights: "f32" });
 */
export function bundleOfPlan(plan: ForwardPlan, o: BundleOptions = BUNDLE_DEFAULTS): Bundle {
  checkBundleOptions(o);
  const blob = new Blob();
  const steps = plan.steps.map((s) => storeStep(blob, s, o));
  const bytes = blob.bytes();
  const header: BundleHeader = {
    format: BUNDLE_FORMAT,
    kind: plan.kind,
    classes: plan.classes,
    inputSize: plan.inputSize,
    input: { ...plan.input },
    weights: o.weights,
    levels: o.weights === "levels" ? { count: o.device.levels, spacing: o.device.levelSpacing } : null,
    steps,
    blobBytes: bytes.length,
    writer: o.writer,
  };
  const banner = [
    `// ScRRAMBLe edge bundle: ${plan.kind}, ${plan.inputSize} inputs, ${plan.classes} classes, weights ${o.weights}.`,
    `// Written by ${o.writer}. One self-contained ES module for Node, Deno, Bun and browsers:`,
    `//   import { load } from "./model.mjs"; const m = await load(); m.predict(pixels) // 28 x 28 Uint8Array`,
    `// Forward-only engine (runtime + SIMD128 kernel module), then the model (header, routing, weights).`,
    "",
  ].join("\n");
  const engine = `${banner}${runtimeJs}\nconst ENGINE_WASM = "${forwardWasm}";\n`;
  const model = `const HEADER = ${JSON.stringify(header)};\nconst WEIGHTS = "${toBase64(bytes)}";\n`;
  return {
    source: engine + model,
    engineBytes: engine.length,
    modelBytes: model.length,
    wasmBytes: Math.floor((forwardWasm.length * 3) / 4) - (forwardWasm.endsWith("==") ? 2 : forwardWasm.endsWith("=") ? 1 : 0),
    header,
  };
}

/**
 * The one-file ES module of a trained model: forward-only engine, routing and weights.
 * @example
 * const { source } = bundleOf(model, { ...BUNDLE_DEFAULTS, weights: "int8" });
 * // write source to model.mjs, then: const m = await (await import("./model.mjs")).load(); m.predict(digit)
 */
export function bundleOf(model: Model, o: BundleOptions = BUNDLE_DEFAULTS): Bundle {
  return bundleOfPlan(forwardPlan(model), o);
}
