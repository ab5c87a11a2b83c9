// `scrramble export`: a checkpoint to a one-file ES module edge bundle (sizes
// raw / gzip split into engine and model, test accuracy of the bundle beside
// the float model's), or to crossbar programming files (safetensors + JSON
// manifest) for a hardware team. Commands only: the library builds both.

import { gzipSync } from "node:zlib";
import { pathToFileURL } from "node:url";
import { evaluate, evalLoader } from "../train/evaluate.js";
import { bundleOf, WEIGHT_FORMATS, type BundleOptions } from "../deploy/bundle.js";
import { bundleAccuracy, type Predictor } from "../deploy/accuracy.js";
import type { WeightFormat } from "../deploy/format.js";
import { loadData } from "../node/data.js";
import { readCheckpoint } from "../node/checkpoint-file.js";
import { writeFileAtomic } from "../node/atomic.js";
import { packageVersion } from "../node/process.js";
import { choice, parseOrHelp, UsageError, type CommandSpec } from "./args.js";
import { asUsage, CROSSBAR_OPTIONS, crossbarOptionsFrom, DATA_OPTIONS, dataOptionsFrom } from "./options.js";
import { exportCrossbar, CROSSBAR_EXPORT_OPTIONS } from "./export-crossbar.js";
import { formatBytes } from "./format.js";

const { levels, levelSpacing, gMin, gMax, deviceTau } = {
  levels: CROSSBAR_OPTIONS.levels,
  levelSpacing: CROSSBAR_OPTIONS["level-spacing"],
  gMin: CROSSBAR_OPTIONS["g-min"],
  gMax: CROSSBAR_OPTIONS["g-max"],
  deviceTau: CROSSBAR_OPTIONS["device-tau"],
};

export const EXPORT_COMMAND: CommandSpec = {
  name: "export",
  summary:
    "Export a trained checkpoint: a one-file ES module edge bundle (forward-only engine, routing, quantised weights) " +
    "for Node, Deno, Bun and browsers, or crossbar programming files (safetensors + JSON manifest). " +
    "The capsule MLP and the dense baseline export; a ScRRAMBLe-ResNet is refused (the bundle cannot run its convolutional front end).",
  usage:
    "scrramble export --checkpoint DIR --out model.mjs [--weights int8|f32|levels [--levels N]]\n" +
    "       scrramble export --checkpoint DIR --format crossbar --levels N [--mapping single|differential] --out DIR",
  options: {
    checkpoint: { type: "string", arg: "PATH", help: "run folder (holding model.safetensors) or a .safetensors file" },
    out: { type: "string", arg: "PATH", help: "bundle file (.mjs) or, with --format crossbar, a folder" },
    format: { type: "string", arg: "F", default: "bundle", help: "bundle (one ES module) | crossbar (programming files)" },
    weights: {
      type: "string",
      arg: "W",
      default: "int8",
      help: "bundle weights: int8 (per-row scales) | f32 | levels (the crossbar's conductance levels, single mapping; --levels N)",
    },
    levels: { ...levels, defaultHelp: "16 for --weights levels; required with --format crossbar" },
    "level-spacing": levelSpacing,
    "g-min": gMin,
    "g-max": gMax,
    "device-tau": deviceTau,
    ...CROSSBAR_EXPORT_OPTIONS,
    ...DATA_OPTIONS,
    json: { type: "boolean", help: "print one JSON object instead of text" },
  },
  groups: {
    levels: "Conductance levels (--weights levels, --format crossbar)",
    mapping: "Crossbar programming files",
    dataset: "Test data",
  },
  examples: [
    "scrramble export --checkpoint runs/scr --out model.mjs",
    "scrramble export --checkpoint runs/scr --out model-f32.mjs --weights f32",
    "scrramble export --checkpoint runs/scr --out model-l16.mjs --weights levels --levels 16",
    "scrramble export --checkpoint runs/scr --format crossbar --levels 16 --mapping differential --adc-bits 4 --out chip",
  ],
};

/** The bundle's size parts and the accuracies, as printed. */
export interface ExportSummary {
  out: string;
  kind: string;
  weights: WeightFormat;
  bytes: { engine: number; model: number; total: number; wasm: number };
  gzip: { engine: number; model: number; total: number };
  accuracy: { float: number; bundle: number; n: number; data: string };
}

export async function exportCommand(argv: string[]): Promise<number> {
  const parsed = parseOrHelp(EXPORT_COMMAND, argv);
  if (!parsed) return 0;
  const { values: v } = parsed;
  if (typeof v.checkpoint !== "string") throw new UsageError("export: --checkpoint is required");
  if (typeof v.out !== "string") throw new UsageError("export: --out is required (a .mjs file, or a folder with --format crossbar)");
  const format = choice(v, "format", ["bundle", "crossbar"] as const);
  if (format === "crossbar") return exportCrossbar(v);
  for (const flag of Object.keys(CROSSBAR_EXPORT_OPTIONS))
    if (v[flag] !== undefined && v[flag] !== CROSSBAR_EXPORT_OPTIONS[flag].default)
      throw new UsageError(`export: --${flag} applies to --format crossbar`);
  const weights = choice(v, "weights", WEIGHT_FORMATS);
  if (weights !== "levels" && v.levels !== undefined) throw new UsageError("export: --levels applies to --weights levels");
  const device = crossbarOptionsFrom({ ...v, levels: v.levels ?? "16" });
  const { model, path } = readCheckpoint(v.checkpoint);
  const opts: BundleOptions = { weights, device, writer: `scrramble ${packageVersion()}` };
  const bundle = asUsage(() => bundleOf(model, opts));
  writeFileAtomic(v.out, bundle.source);

  const dataOpts = dataOptionsFrom(v);
  const data = await loadData({ ...dataOpts, classes: dataOpts.classes ?? model.classes });
  const float = evaluate(model, evalLoader(model, data.test));
  const mod = (await import(`${pathToFileURL(v.out).href}?t=${Date.now()}`)) as { load: () => Promise<Predictor> };
  const ours = bundleAccuracy(await mod.load(), data.test);
  const enc = new TextEncoder();
  const engineText = bundle.source.slice(0, bundle.engineBytes);
  const modelText = bundle.source.slice(bundle.engineBytes);
  const s: ExportSummary = {
    out: v.out,
    kind: model.kind,
    weights,
    bytes: { engine: bundle.engineBytes, model: bundle.modelBytes, total: bundle.source.length, wasm: bundle.wasmBytes },
    gzip: {
      engine: gzipSync(enc.encode(engineText)).length,
      model: gzipSync(enc.encode(modelText)).length,
      total: gzipSync(enc.encode(bundle.source)).length,
    },
    accuracy: { float: float.accuracy, bundle: ours.accuracy, n: ours.n, data: data.description },
  };
  if (v.json) {
    process.stdout.write(JSON.stringify({ checkpoint: path, ...s }) + "\n");
    return 0;
  }
  const label = weights === "levels" ? `${device.levels} ${device.levelSpacing} levels` : weights;
  const row = (name: string, raw: number, gz: number) =>
    `  ${name.padEnd(34)} ${formatBytes(raw).padStart(10)} ${formatBytes(gz).padStart(10)}`;
  const drop = (s.accuracy.bundle - s.accuracy.float) * 100;
  process.stdout.write(
    [
      `wrote ${v.out}: ${model.kind}, ${label} weights, one ES module for Node, Deno, Bun and browsers`,
      `  ${"part".padEnd(42)} ${"raw".padStart(10)} ${"gzip".padStart(10)}`,
      row(`engine (JS + ${formatBytes(bundle.wasmBytes)} WASM)`, s.bytes.engine, s.gzip.engine),
      row(`model (${label} weights, routing)`, s.bytes.model, s.gzip.model),
      row("total", s.bytes.total, s.gzip.total),
      `test accuracy on ${s.accuracy.n} samples (${data.description}):`,
      `  float model (checkpoint)   ${(s.accuracy.float * 100).toFixed(2)} %`,
      `  bundle (${label})`.padEnd(29) + `${(s.accuracy.bundle * 100).toFixed(2)} % (${drop >= 0 ? "+" : ""}${drop.toFixed(2)} pt)`,
      "",
    ].join("\n"),
  );
  return 0;
}
