// `scrramble export --format crossbar`: program the simulated chip with the
// given mapping, levels and converters, calibrate the DAC / ADC ranges on
// training batches, and write the programming files (safetensors + manifest).

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { crossbarFor } from "../sim/simulators.js";
import { calibrationBatches } from "../sim/calibration.js";
import { MAPPINGS } from "../sim/mapping.js";
import { evaluate, evalLoader } from "../train/evaluate.js";
import { crossbarFiles, CROSSBAR_FILES } from "../deploy/crossbar-files.js";
import { loadData } from "../node/data.js";
import { readCheckpoint } from "../node/checkpoint-file.js";
import { writeFileAtomic } from "../node/atomic.js";
import { packageVersion } from "../node/process.js";
import { choice, num, UsageError, type OptionTable, type Parsed } from "./args.js";
import { asUsage, CROSSBAR_OPTIONS, crossbarOptionsFrom, dataOptionsFrom } from "./options.js";
import { formatBytes } from "./format.js";

/** Options only the crossbar format takes (the level options are shared with --weights levels). */
export const CROSSBAR_EXPORT_OPTIONS: OptionTable = {
  mapping: { ...CROSSBAR_OPTIONS.mapping, default: "single" },
  "dac-bits": CROSSBAR_OPTIONS["dac-bits"],
  "dac-max": CROSSBAR_OPTIONS["dac-max"],
  "adc-bits": CROSSBAR_OPTIONS["adc-bits"],
  "adc-max": CROSSBAR_OPTIONS["adc-max"],
  "siemens-per-unit": {
    type: "string",
    arg: "S",
    default: "1e-4",
    help: "siemens per simulator conductance unit (1e-4: g-max 1 -> 100 uS, g-min 0.1 -> 10 uS)",
  },
  "calibration-batches": { type: "string", arg: "N", default: "4", help: "training batches used to calibrate DAC / ADC full scales" },
};

export async function exportCrossbar(v: Parsed): Promise<number> {
  if (v.levels === undefined) throw new UsageError("export: --format crossbar needs --levels N (the conductance levels to program)");
  if (v.weights !== "int8") throw new UsageError("export: --weights applies to bundles, not --format crossbar");
  const mapping = choice(v, "mapping", MAPPINGS);
  const opts = { ...crossbarOptionsFrom(v), mapping };
  const siemensPerUnit = num(v, "siemens-per-unit", { min: 0 });
  const nCal = num(v, "calibration-batches", { int: true, min: 1 });
  const { model, path } = readCheckpoint(v.checkpoint as string);
  const dataOpts = dataOptionsFrom(v);
  const data = await loadData({ ...dataOpts, classes: dataOpts.classes ?? model.classes });
  const sim = asUsage(() => crossbarFor(model));
  sim.program(opts);
  sim.calibrate(calibrationBatches(model, data.train, nCal));
  const files = asUsage(() =>
    crossbarFiles(model, sim, {
      siemensPerUnit,
      calibrationBatches: nCal,
      data: data.description,
      writer: `scrramble ${packageVersion()}`,
    }),
  );
  const out = v.out as string;
  mkdirSync(out, { recursive: true });
  writeFileAtomic(join(out, CROSSBAR_FILES.tensors), files.tensors);
  writeFileAtomic(join(out, CROSSBAR_FILES.manifest), JSON.stringify(files.manifest, null, 2) + "\n");
  const acc = evaluate(sim, evalLoader(model, data.test)).accuracy;
  const summary = {
    checkpoint: path,
    out,
    files: [CROSSBAR_FILES.tensors, CROSSBAR_FILES.manifest],
    bytes: files.tensors.length,
    mapping,
    levels: opts.levels,
    cores: files.manifest.layers.map((l) => l.dstCores),
    ranges: files.manifest.layers.map((l) => ({ dacMax: l.dacMax, adcMax: l.adcMax })),
    accuracy: acc,
  };
  if (v.json) {
    process.stdout.write(JSON.stringify(summary) + "\n");
    return 0;
  }
  process.stdout.write(
    [
      `wrote ${join(out, CROSSBAR_FILES.tensors)} (${formatBytes(files.tensors.length)}) and ${join(out, CROSSBAR_FILES.manifest)}`,
      `  ${model.kind}: ${summary.cores.join(" + ")} cores of ${sim.coreSize} x ${sim.coreSize}, ${mapping} mapping, ` +
        `${opts.levels} ${opts.levelSpacing} levels, ${microSiemens(siemensPerUnit * opts.gMin)} to ` +
        microSiemens(siemensPerUnit * opts.gMax),
      ...summary.ranges.map((r, i) => `  layer ${i}: DAC full scale ${r.dacMax.toPrecision(4)}, ADC full scale ${r.adcMax.toPrecision(4)}`),
      `simulated accuracy of these targets on ${data.description}: ${(acc * 100).toFixed(2)} % (as eval --crossbar ${mapping})`,
      "",
    ].join("\n"),
  );
  return 0;
}

function microSiemens(s: number): string {
  return `${+(s * 1e6).toPrecision(4)} uS`;
}
