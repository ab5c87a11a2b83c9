// Command-line options of the simulated hardware (eval --crossbar and sweep),
// translated into CrossbarOptions (one table, so --help and parsing agree), and
// the calibration batches both commands take from the training data.

import { CROSSBAR_DEFAULTS, type CrossbarOptions } from "../sim/crossbar.js";
import { LEVEL_SPACINGS } from "../sim/devices.js";
import { MAPPINGS } from "../sim/mapping.js";
import { choice, num, type OptionTable, type Parsed, UsageError } from "./args.js";
import { DataLoader } from "../data/loader.js";
import type { Dataset } from "../data/dataset.js";
import type { Model } from "../nn/model.js";
import { inputResize } from "../train/trainer.js";

const d = CROSSBAR_DEFAULTS;

export const CROSSBAR_CLI_OPTIONS: OptionTable = {
  mapping: { type: "string", arg: "M", default: d.mapping, help: "single (one positive conductance, offset cancelled by input balance) | differential (G+ - G-)" },
  "g-min": { type: "string", arg: "G", default: String(d.gMin), help: "lowest conductance (arbitrary units)" },
  "g-max": { type: "string", arg: "G", default: String(d.gMax), help: "highest conductance" },
  levels: { type: "string", arg: "L", default: String(d.levels), help: "programmable conductance levels (0 = continuous)" },
  "level-spacing": { type: "string", arg: "S", default: d.levelSpacing, help: `${LEVEL_SPACINGS.join(" | ")} (device: saturating exponential, tau below)` },
  "device-tau": { type: "string", arg: "T", default: String(d.deviceTau), help: "tau of the device curve" },
  "prog-noise": { type: "string", arg: "S", default: String(d.progNoise), help: "programming noise std, fraction of g_max - g_min" },
  "read-noise": { type: "string", arg: "S", default: String(d.readNoise), help: "read noise std per device read, fraction of g_max - g_min" },
  "stuck-min": { type: "string", arg: "F", default: String(d.stuckMin), help: "fraction of devices stuck at g_min" },
  "stuck-max": { type: "string", arg: "F", default: String(d.stuckMax), help: "fraction of devices stuck at g_max" },
  "drift-nu": { type: "string", arg: "NU", default: String(d.driftNu), help: "drift exponent: G(t) = G(t0) (t/t0)^-nu" },
  "drift-time": { type: "string", arg: "R", default: String(d.driftTime), help: "drift time ratio t/t0 (>= 1)" },
  "dac-bits": { type: "string", arg: "B", default: String(d.dacBits), help: "input DAC bits (0 = ideal)" },
  "dac-max": { type: "string", arg: "V", default: String(d.dacMax), help: "DAC full scale (0 = calibrate on training batches)" },
  "adc-bits": { type: "string", arg: "B", default: String(d.adcBits), help: "output ADC bits per core (0 = ideal)" },
  "adc-max": { type: "string", arg: "V", default: String(d.adcMax), help: "ADC full scale (0 = calibrate on training batches)" },
  "sim-seed": { type: "string", arg: "N", default: String(d.seed), help: "seed of the simulation's random draws" },
};

export function crossbarOptions(v: Parsed): CrossbarOptions {
  const o: CrossbarOptions = {
    mapping: choice(v, "mapping", MAPPINGS),
    gMin: num(v, "g-min", { min: 0 }),
    gMax: num(v, "g-max", { min: 0 }),
    levels: num(v, "levels", { int: true, min: 0 }),
    levelSpacing: choice(v, "level-spacing", LEVEL_SPACINGS),
    deviceTau: num(v, "device-tau"),
    progNoise: num(v, "prog-noise", { min: 0 }),
    readNoise: num(v, "read-noise", { min: 0 }),
    stuckMin: num(v, "stuck-min", { min: 0, max: 1 }),
    stuckMax: num(v, "stuck-max", { min: 0, max: 1 }),
    driftNu: num(v, "drift-nu", { min: 0 }),
    driftTime: num(v, "drift-time", { min: 1 }),
    dacBits: num(v, "dac-bits", { int: true, min: 0, max: 24 }),
    dacMax: num(v, "dac-max", { min: 0 }),
    adcBits: num(v, "adc-bits", { int: true, min: 0, max: 24 }),
    adcMax: num(v, "adc-max", { min: 0 }),
    seed: num(v, "sim-seed", { int: true }),
  };
  if (!(o.gMax > o.gMin)) throw new UsageError(`--g-max (${o.gMax}) must be above --g-min (${o.gMin})`);
  if (o.levels === 1) throw new UsageError("--levels must be 0 (continuous) or >= 2");
  return o;
}

/** The first n training batches (copied), for calibrating DAC / ADC full scales. */
export function calibrationBatches(model: Model, train: Dataset, n: number): Float32Array[] {
  const loader = new DataLoader(train, { batchSize: 64, shuffle: false, seed: 0, resize: inputResize(model, train) });
  const out: Float32Array[] = [];
  for (const b of loader.batches(0)) {
    if (out.length >= n) break;
    out.push(b.x.slice());
  }
  return out;
}
