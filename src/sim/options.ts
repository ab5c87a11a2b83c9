// Options of the simulated hardware shared by both simulators: device effects
// (devices.ts), mapping, read noise and the converters; their defaults, one
// Field per key (type, range, help, flag) and the one set of checks that
// library calls and command lines both go through. Data and checks only.

import { checkFields, type Schema } from "../options.js";
import { DEVICE_DEFAULTS, LEVEL_SPACINGS, type DeviceOptions } from "./devices.js";
import { MAPPINGS, type Mapping } from "./mapping.js";

/** Where the dense baseline's ADC sits: on each tile's partial sum, or once on the accumulated sum (the reference's protocol). */
export const PARTIAL_SUM_ADCS = ["per-tile", "accumulated"] as const;
export type PartialSumAdc = (typeof PARTIAL_SUM_ADCS)[number];

export interface CrossbarOptions extends DeviceOptions {
  mapping: Mapping;
  /**
   * Dense baseline: "per-tile" digitises every tile's partial sum with a signed
   * ADC and adds bias and ReLU digitally; "accumulated" sums the tiles' partial
   * sums first, adds the bias, and applies the ADC (the quantised ReLU, as the
   * ScRRAMBLe cores) to the sum, as the reference does.
   */
  partialSumAdc: PartialSumAdc;
  /** Read noise std per device read, as a fraction of gMax - gMin (fresh every evaluation). */
  readNoise: number;
  /** Input DAC bits (0 = ideal); signed inputs use 2^(bits-1) - 1 steps each side. */
  dacBits: number;
  /** DAC full scale per layer (0 = calibrate: max |input| over the calibration batches). */
  dacMax: number;
  /** Output ADC bits per core (0 = ideal relu). */
  adcBits: number;
  /** ADC full scale (0 = calibrate: max output over the calibration batches, per layer). */
  adcMax: number;
  /** Seed of every random draw of the simulation (stuck devices, noise). */
  seed: number;
}

export const CROSSBAR_DEFAULTS: CrossbarOptions = {
  ...DEVICE_DEFAULTS,
  mapping: "single",
  partialSumAdc: "per-tile",
  readNoise: 0,
  dacBits: 0,
  dacMax: 0,
  adcBits: 0,
  adcMax: 0,
  seed: 0,
};

/** Every hardware option: type, range, help and command-line flag. */
export const CROSSBAR_FIELDS: Schema = {
  mapping: {
    type: "string",
    choices: MAPPINGS,
    arg: "M",
    help: "single (one positive conductance; offset cancelled by input balance, or a dense tile's reference line) | differential (G+ - G-)",
  },
  partialSumAdc: {
    type: "string",
    choices: PARTIAL_SUM_ADCS,
    arg: "A",
    help:
      "dense baseline ADC: per-tile (signed ADC on each tile's partial sum, then bias, ReLU) | " +
      "accumulated (sum the tiles, bias, then the ADC as a quantised ReLU: the reference's protocol)",
  },
  gMin: { type: "number", min: 0, arg: "G", help: "lowest conductance (arbitrary units)" },
  gMax: { type: "number", min: 0, arg: "G", help: "highest conductance" },
  levels: { type: "int", min: 0, arg: "L", help: "programmable conductance levels (0 = continuous, else >= 2)" },
  levelSpacing: {
    type: "string",
    choices: LEVEL_SPACINGS,
    arg: "S",
    help: `${LEVEL_SPACINGS.join(" | ")} (device: saturating exponential, tau below)`,
  },
  deviceTau: { type: "number", min: 0, arg: "T", help: "tau of the device curve (> 0)" },
  progNoise: { type: "number", min: 0, arg: "S", help: "programming noise std, fraction of g_max - g_min" },
  readNoise: { type: "number", min: 0, arg: "S", help: "read noise std per device read, fraction of g_max - g_min" },
  stuckMin: { type: "number", min: 0, max: 1, arg: "F", help: "fraction of devices stuck at g_min" },
  stuckMax: { type: "number", min: 0, max: 1, arg: "F", help: "fraction of devices stuck at g_max" },
  driftNu: { type: "number", min: 0, arg: "NU", help: "drift exponent: G(t) = G(t0) (t/t0)^-nu" },
  driftTime: { type: "number", min: 1, arg: "R", help: "drift time ratio t/t0 (>= 1)" },
  dacBits: { type: "int", min: 0, max: 24, arg: "B", help: "input DAC bits (0 = ideal, else >= 2: the DAC is signed)" },
  dacMax: { type: "number", min: 0, arg: "V", help: "DAC full scale (0 = calibrate on training batches)" },
  adcBits: { type: "int", min: 0, max: 24, arg: "B", help: "output ADC bits per core (0 = ideal)" },
  adcMax: { type: "number", min: 0, arg: "V", help: "ADC full scale (0 = calibrate on training batches)" },
  seed: { type: "int", flag: "sim-seed", arg: "N", help: "seed of the simulation's random draws" },
};

/**
 * Check hardware options: every field's type and range, then the rules between
 * fields. Messages name the setting through `name` (default: the key; the
 * command line passes its flags).
 * @example checkCrossbarOptions({ ...CROSSBAR_DEFAULTS, levels: 16 });
 */
export function checkCrossbarOptions(o: CrossbarOptions, name: (key: keyof CrossbarOptions) => string = (k) => k): void {
  checkFields(CROSSBAR_FIELDS, o, "hardware options");
  if (!(o.gMax > o.gMin))
    throw new Error(
      `${name("gMax")} must be above ${name("gMin")} (0 <= g_min < g_max), got [${o.gMin}, ${o.gMax}]: the conductance range is empty`,
    );
  if (o.levels === 1) throw new Error(`${name("levels")} must be 0 (continuous) or an integer >= 2, got 1`);
  if (o.levelSpacing === "log" && o.gMin <= 0) throw new Error(`log-spaced levels need ${name("gMin")} > 0`);
  if (!(o.deviceTau > 0)) throw new Error(`${name("deviceTau")} must be > 0, got ${o.deviceTau}`);
  if (o.stuckMin + o.stuckMax > 1)
    throw new Error(`${name("stuckMin")} + ${name("stuckMax")} = ${o.stuckMin} + ${o.stuckMax}: stuck fractions add up to more than 1`);
  if (o.dacBits === 1) throw new Error(`${name("dacBits")} must be 0 (ideal) or >= 2 (the DAC is signed), got 1`);
}
