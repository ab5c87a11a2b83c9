// Crossbar programming files: what a hardware team needs to program a chip
// from a simulated model: per core the conductance targets (level indices and
// siemens values, the simulator's mapping and level set), per layer the routing
// tables and the calibrated DAC / ADC ranges, in one safetensors file described
// by a JSON manifest; and the way back into the simulator. Bytes in, bytes out.

import type { Model, StoredTensors } from "../nn/model.js";
import { modelEntry, checkStoredConfig } from "../nn/registry.js";
import { decodeSafetensors, encodeSafetensors, expectTensor, type Dtype, type TensorData } from "../io/safetensors.js";
import { conductanceLevels, nearestLevel } from "../sim/devices.js";
import { crossbarFor } from "../sim/simulators.js";
import type { SimulatedHardware, TargetLayer } from "../sim/sim-base.js";
import { checkCrossbarOptions, type CrossbarOptions } from "../sim/options.js";

export const CROSSBAR_FORMAT = "scrramble-crossbar/1";
/** Names of the two files in an export folder. */
export const CROSSBAR_FILES = { tensors: "crossbar.safetensors", manifest: "manifest.json" } as const;

export interface CrossbarManifest {
  format: typeof CROSSBAR_FORMAT;
  description: string;
  model: { kind: string; config: object };
  coreSize: number;
  mapping: string;
  /** Physical arrays per core: 1 (G) or 2 (G+ then G-). */
  arraysPerCore: number;
  /** Conductances are stored in siemens: simulator unit x siemensPerUnit. */
  units: { conductance: "S"; siemensPerUnit: number };
  levels: { count: number; spacing: string; gMin: number; gMax: number; siemens: number[] };
  converters: { dacBits: number; adcBits: number };
  /** The hardware options the targets and ranges were made with. */
  options: CrossbarOptions;
  readout: string;
  layers: {
    index: number;
    srcCores: number;
    dstCores: number;
    slotsPerCore: number;
    routes: number;
    dacMax: number;
    adcMax: number;
    tensors: Record<string, { dtype: Dtype; shape: number[]; meaning: string }>;
  }[];
  calibration: { batches: number; data: string };
  writer: string;
}

export interface CrossbarExport {
  tensors: Uint8Array;
  manifest: CrossbarManifest;
}

const READOUT =
  "For destination core c of a layer: x = the routed input (per destination slot d, the sum over its routes of coef x " +
  "source slot srcSlot), through the DAC (dacBits, full scale dacMax); column currents i[r] = sum_k G[c, 0, r, k] x[k] " +
  "(differential: minus G[c, 1, r, k] x[k]) with G in siemens; digital output y[r] = i[r] / alpha[c] (alpha in siemens per " +
  "weight unit); then the ADC (adcBits over [0, adcMax], floor) or relu when adcBits = 0. With the single mapping the " +
  "offsets gMin and rowOffset cancel because every +1 route has a -1 partner into the same core (input balance).";

/**
 * Programming files of a programmed and calibrated simulator (levels > 0).
 * @example
 * const sim = crossbarFor(model); sim.program({ ...CROSSBAR_DEFAULTS, levels: 16 }); sim.calibrate(batches);
 * const { tensors, manifest } = crossbarFiles(model, sim, { siemensPerUnit: 1e-4, calibrationBatches: 4, data: "mnist", writer: "me" });
 */
export function crossbarFiles(
  model: Model,
  sim: SimulatedHardware,
  o: { siemensPerUnit: number; calibrationBatches: number; data: string; writer: string },
): CrossbarExport {
  if (!sim.programTargets) throw new Error(`crossbar programming files are not written for model kind ${model.kind} yet`);
  const opts = sim.options();
  if (!(opts.levels >= 2 && opts.levels <= 32767)) throw new Error(`--levels must be an integer in [2, 32767], got ${opts.levels}`);
  if (!(o.siemensPerUnit > 0)) throw new Error(`--siemens-per-unit must be > 0, got ${o.siemensPerUnit}`);
  const levels = conductanceLevels(opts);
  const code: Dtype = levels.length <= 256 ? "U8" : "I16";
  const A = opts.mapping === "single" ? 1 : 2;
  const N = sim.coreSize;
  const tensors: Record<string, { dtype: Dtype; shape: number[]; data: TensorData }> = {};
  const layers = sim.programTargets().map((t, li) => {
    const C = t.cores.length;
    const conductance = new Float32Array(C * A * N * N);
    const level = code === "U8" ? new Uint8Array(C * A * N * N) : new Int16Array(C * A * N * N);
    const alpha = new Float64Array(C),
      rowOffset = new Float32Array(C * N);
    t.cores.forEach((core, c) => {
      core.arrays.forEach((g, a) => {
        const at = (c * A + a) * N * N;
        for (let i = 0; i < N * N; i++) {
          level[at + i] = nearestLevel(g[i], levels);
          conductance[at + i] = g[i] * o.siemensPerUnit;
        }
      });
      alpha[c] = core.alpha * o.siemensPerUnit;
      rowOffset.set(core.rowOffset, c * N);
    });
    const p = `layers.${li}`;
    const meaning: Record<string, string> = {};
    const add = (name: string, dtype: Dtype, shape: number[], data: TensorData, what: string) => {
      tensors[`${p}.${name}`] = { dtype, shape, data };
      meaning[name] = what;
    };
    add(
      "level",
      code,
      [C, A, N, N],
      level,
      "target level index per device: [core, array (G, or G+ then G-), row (output), column (input)]",
    );
    add("conductance", "F32", [C, A, N, N], conductance, "target conductance in siemens (= levels.siemens[level])");
    add("alpha", "F64", [C], alpha, "siemens per weight unit of each core: digital output = current / alpha");
    add("rowOffset", "F32", [C, N], rowOffset, "weight subtracted per row before mapping (single mapping; cancelled by input balance)");
    const r = t.routing;
    if (r) {
      add("routing.dstPtr", "I32", [r.dstPtr.length], r.dstPtr, "CSR by destination slot: routes of slot d are [dstPtr[d], dstPtr[d+1])");
      add("routing.srcSlot", "I32", [r.srcSlot.length], r.srcSlot, "global source slot (source core x slots per core + slot)");
      add("routing.coef", "I32", [r.coef.length], r.coef, "integer coefficient of each route");
    }
    const shaped = Object.fromEntries(Object.entries(meaning).map(([k, m]) => [k, { ...tensorInfo(tensors[`${p}.${k}`]), meaning: m }]));
    return {
      index: li,
      srcCores: r?.srcCores ?? 0,
      dstCores: C,
      slotsPerCore: r?.slotsPerCore ?? 0,
      routes: r?.coef.length ?? 0,
      dacMax: t.dacMax,
      adcMax: t.adcMax,
      tensors: shaped,
    };
  });
  tensors["levels.siemens"] = { dtype: "F64", shape: [levels.length], data: levels.map((g) => g * o.siemensPerUnit) };
  const manifest: CrossbarManifest = {
    format: CROSSBAR_FORMAT,
    description: `crossbar programming targets of a ${model.kind} on ${N} x ${N} cores, ${opts.mapping} mapping, ${opts.levels} levels`,
    model: { kind: model.kind, config: model.config },
    coreSize: N,
    mapping: opts.mapping,
    arraysPerCore: A,
    units: { conductance: "S", siemensPerUnit: o.siemensPerUnit },
    levels: {
      count: levels.length,
      spacing: opts.levelSpacing,
      gMin: opts.gMin * o.siemensPerUnit,
      gMax: opts.gMax * o.siemensPerUnit,
      siemens: Array.from(levels, (g) => g * o.siemensPerUnit),
    },
    converters: { dacBits: opts.dacBits, adcBits: opts.adcBits },
    options: opts,
    readout: READOUT,
    layers,
    calibration: { batches: o.calibrationBatches, data: o.data },
    writer: o.writer,
  };
  return { tensors: encodeSafetensors(tensors, { format: CROSSBAR_FORMAT, manifest: CROSSBAR_FILES.manifest }), manifest };
}

function tensorInfo(t: { dtype: Dtype; shape: number[] }): { dtype: Dtype; shape: number[] } {
  return { dtype: t.dtype, shape: t.shape };
}

/**
 * Rebuild the simulated chip from programming files: the model structure and
 * routing from the files, every core programmed from its level indices (device
 * effects of the stored options drawn as program() draws them), ranges as stored.
 * @example const { sim } = loadCrossbarFiles(bytes, JSON.parse(manifestText)); evaluate(sim, test);
 */
export function loadCrossbarFiles(bytes: Uint8Array, manifest: CrossbarManifest, name = CROSSBAR_FILES.tensors) {
  if (manifest?.format !== CROSSBAR_FORMAT) throw new Error(`${name}: manifest format ${manifest?.format}, expected ${CROSSBAR_FORMAT}`);
  const file = decodeSafetensors(bytes, name);
  const opts = manifest.options;
  checkCrossbarOptions(opts);
  const entry = modelEntry(manifest.model.kind);
  const config = checkStoredConfig(entry.kind, manifest.model.config, `${name}: model config`);
  const stored: StoredTensors = {};
  manifest.layers.forEach((l, i) => {
    if (!l.tensors["routing.dstPtr"]) return;
    for (const part of ["dstPtr", "srcSlot", "coef"]) {
      const t = file.tensors[`layers.${i}.routing.${part}`];
      if (!t) throw new Error(`${name}: missing tensor layers.${i}.routing.${part}`);
      stored[`routing.${i}.${part}`] = { dtype: t.dtype, shape: t.shape, data: t.data as Int32Array };
    }
  });
  const model = entry.create(config, stored);
  const sim = crossbarFor(model);
  if (!sim.loadTargets) throw new Error(`${name}: the ${model.kind} simulator cannot load programming targets`);
  const levels = conductanceLevels(opts);
  const N = manifest.coreSize,
    A = manifest.arraysPerCore;
  const layers: TargetLayer[] = manifest.layers.map((l, i) => {
    const C = l.dstCores;
    const dtype = levels.length <= 256 ? "U8" : "I16";
    const level = expectTensor(file, `layers.${i}.level`, dtype, [C, A, N, N]);
    const alpha = expectTensor(file, `layers.${i}.alpha`, "F64", [C]);
    const rowOffset = expectTensor(file, `layers.${i}.rowOffset`, "F32", [C, N]);
    const cores = Array.from({ length: C }, (_, c) => {
      const arrays = Array.from({ length: A }, (_, a) => {
        const g = new Float32Array(N * N);
        const at = (c * A + a) * N * N;
        for (let k = 0; k < N * N; k++) {
          const idx = level[at + k];
          if (idx < 0 || idx >= levels.length) throw new Error(`${name}: level index ${idx} out of range [0, ${levels.length})`);
          g[k] = levels[idx];
        }
        return g;
      });
      return { arrays, alpha: alpha[c] / manifest.units.siemensPerUnit, rowOffset: rowOffset.slice(c * N, (c + 1) * N) };
    });
    return { cores, routing: null, dacMax: l.dacMax, adcMax: l.adcMax };
  });
  sim.loadTargets(opts, layers);
  return { model, sim };
}
