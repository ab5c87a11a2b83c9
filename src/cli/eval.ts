// `scrramble eval`: load a checkpoint and report accuracy and the confusion
// matrix on the test split; with --crossbar, on simulated analog hardware, with
// the conductance count (area) of each mapping.

import { evaluate, evalLoader } from "../train/trainer.js";
import { ScrrambleMlp } from "../nn/scrramble-mlp.js";
import { DenseBaseline } from "../nn/dense-baseline.js";
import type { Model } from "../nn/model.js";
import { ScrrambleCrossbar } from "../sim/crossbar.js";
import { DenseCrossbar } from "../sim/crossbar-dense.js";
import { MAPPINGS } from "../sim/mapping.js";
import { choice, helpText, num, parseCommand, type CommandSpec, UsageError } from "./args.js";
import { DATA_OPTIONS, loadData } from "./datasets.js";
import { readCheckpoint } from "./checkpoint-file.js";
import { formatConfusion } from "./report-util.js";
import { CROSSBAR_CLI_OPTIONS, calibrationBatches, crossbarOptions } from "./crossbar-options.js";

const { mapping: _mapping, ...HARDWARE_OPTIONS } = CROSSBAR_CLI_OPTIONS;

export const EVAL_COMMAND: CommandSpec = {
  name: "eval",
  summary: "Evaluate a trained checkpoint: accuracy and confusion matrix on the test split, digitally or on simulated crossbars.",
  usage: "scrramble eval --checkpoint DIR|FILE [--crossbar single|differential [hardware options]] [options]",
  options: {
    checkpoint: { type: "string", arg: "PATH", help: "run folder (holding model.safetensors) or a .safetensors file" },
    crossbar: { type: "string", arg: "M", help: "simulate the cores as crossbars with this mapping: single | differential" },
    ...HARDWARE_OPTIONS,
    "calibration-batches": { type: "string", arg: "N", default: "4", help: "training batches used to calibrate DAC / ADC full scales" },
    ...DATA_OPTIONS,
    json: { type: "boolean", help: "print one JSON object instead of tables" },
  },
  groups: { crossbar: "Simulated hardware", "calibration-batches": "Calibration and data" },
  examples: [
    "scrramble eval --checkpoint runs/scrramble-2026-01-01T10-00-00",
    "scrramble eval --checkpoint runs/scr --crossbar single --levels 16 --prog-noise 0.02 --adc-bits 4",
  ],
};

export async function evalCommand(argv: string[]): Promise<number> {
  const { values: v, help } = parseCommand(EVAL_COMMAND, argv);
  if (help) {
    process.stdout.write(helpText(EVAL_COMMAND));
    return 0;
  }
  if (typeof v.checkpoint !== "string") throw new UsageError("eval: --checkpoint is required");
  const { model, path } = readCheckpoint(v.checkpoint);
  const data = await loadData({ ...v, classes: v.classes ?? String(model.classes) });
  let target: Model = model;
  let hardware: Record<string, unknown> | null = null;
  if (typeof v.crossbar === "string") {
    const mapping = choice(v, "crossbar", MAPPINGS);
    const opts = { ...crossbarOptions({ ...v, mapping }), mapping };
    const sim = model instanceof ScrrambleMlp ? new ScrrambleCrossbar(model) : new DenseCrossbar(model as DenseBaseline);
    sim.program(opts);
    sim.calibrate(calibrationBatches(model, data.train, num(v, "calibration-batches", { int: true, min: 1 })));
    target = sim;
    const area = sim instanceof ScrrambleCrossbar
      ? { single: sim.conductances("single"), differential: sim.conductances("differential") }
      : { differential: 2 * sim.tiles() * sim.coreSize ** 2, singleWithReferenceColumn: sim.tiles() * sim.coreSize * (sim.coreSize + 1) };
    hardware = { ...opts, conductances: area, ranges: sim.ranges() };
  }
  const r = evaluate(target, evalLoader(model, data.test));
  if (v.json) {
    process.stdout.write(JSON.stringify({ checkpoint: path, kind: model.kind, data: data.description, hardware, accuracy: r.accuracy, loss: r.loss, n: r.n, confusion: r.confusion }) + "\n");
    return 0;
  }
  process.stdout.write(`${path} (${model.kind}) on ${data.description}\n`);
  if (hardware) {
    const h = hardware as { mapping: string; conductances: Record<string, number> };
    process.stdout.write(`simulated crossbars, ${h.mapping} mapping; conductances: ${Object.entries(h.conductances).map(([k, n]) => `${k} ${n.toLocaleString("en-US")}`).join(", ")}\n`);
  }
  process.stdout.write(`${hardware ? "simulated" : "test"} accuracy ${(r.accuracy * 100).toFixed(2)} % on ${r.n} samples (loss ${r.loss.toFixed(4)})\n`);
  process.stdout.write(formatConfusion(r.confusion));
  return 0;
}
