// Options of the simulated hardware shared by both simulators: device effects
// (devices.ts), mapping, read noise and the converters, with their defaults and
// checks. Data only.

import { checkDeviceOptions, DEVICE_DEFAULTS, type DeviceOptions } from "./devices.js";
import { MAPPINGS, type Mapping } from "./mapping.js";

export interface CrossbarOptions extends DeviceOptions {
  mapping: Mapping;
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
  readNoise: 0,
  dacBits: 0,
  dacMax: 0,
  adcBits: 0,
  adcMax: 0,
  seed: 0,
};

export function checkCrossbarOptions(o: CrossbarOptions): void {
  checkDeviceOptions(o);
  if (!MAPPINGS.includes(o.mapping)) throw new Error(`mapping must be single or differential, got ${o.mapping}`);
  if (!(o.readNoise >= 0)) throw new Error(`read noise must be >= 0, got ${o.readNoise}`);
  for (const [k, v] of [["DAC bits", o.dacBits], ["ADC bits", o.adcBits]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 24) throw new Error(`${k} must be an integer in [0, 24] (0 = ideal), got ${v}`);
  }
  if (o.dacBits === 1) throw new Error("a signed DAC needs at least 2 bits");
  if (!(o.dacMax >= 0 && o.adcMax >= 0)) throw new Error("DAC / ADC full scale must be >= 0 (0 = calibrate)");
}
