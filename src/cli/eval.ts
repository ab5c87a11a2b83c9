// `scrramble eval`: load a checkpoint and report accuracy and the confusion
// matrix on the test split; with --crossbar, on simulated analog hardware, with
// the conductance count (area) of each mapping.

import { evaluate, evalLoader } from "../train/evaluate.js";
import type { Model } from "../nn/model.js";
import { crossbarFor } from "../sim/simulators.js";
import { calibrationBatches } from "../sim/calibration.js";
import { MAPPINGS } from "../sim/mapping.js";
import { readCheckpoint } from "../node/checkpoint-file.js";
import { choice, num, parseOrHelp, UsageError, type CommandSpec } from "./args.js";
import { asUsage, CROSSBAR_OPTIONS, crossbarOptionsFrom, DATA_OPTIONS, dataForModel } from "./options.js";
import { formatConfusion } from "./format.js";

const { mapping: _mapping, ...HARDWARE_OPTIONS } = CROSSBAR_OPTIONS;

export const EVAL_COMMAND: CommandSpec = {
  name: "eval",
  summary: "Evaluate a trained checkpoint: accuracy and confusion matrix on the test split, digitally or on simulated crossbars.",
  usage: "scrramble eval --checkpoint DIR|FILE [--crossbar single|differential [hardware options]] [options]",
  options: {
    checkpoint: { type: "string", arg: "PATH", help: "run folder (holding model.safetensors) or a .safetensors file" },
    crossbar: { type: "string", arg: "M", help: "simulate the cores as crossbars with this mapping: single | differential" },
    "bn-eval": {
      type: "string",
      arg: "S",
      help: "models with batch norms: normalise with the running statistics or each evaluation batch's own (running | batch)",
      defaultHelp: "the checkpoint's",
    },
    ...HARDWARE_OPTIONS,
    "calibration-batches": { type: "string", arg: "N", default: "4", help: "training batches used to calibrate DAC / ADC full scales" },
    ...DATA_OPTIONS,
    json: { type: "boolean", help: "print one JSON object instead of tables" },
  },
  groups: { crossbar: "Simulated hardware", "calibration-batches": "Calibration and data" },
  examples: [
    "scrramble eval --checkpoint runs/scrramble-mlp-2026-01-01T10-00-00",
    "scrramble eval --checkpoint runs/scr --crossbar single --levels 16 --prog-noise 0.02 --adc-bits 4",
    "scrramble eval --checkpoint runs/resnet-shared --bn-eval batch   # the reference's evaluation statistics",
  ],
};

export async function evalCommand(argv: string[]): Promise<number> {
  const parsed = parseOrHelp(EVAL_COMMAND, argv);
  if (!parsed) return 0;
  const { values: v } = parsed;
  if (typeof v.checkpoint !== "string") throw new UsageError("eval: --checkpoint is required");
  const stats = typeof v["bn-eval"] === "string" ? choice(v, "bn-eval", ["running", "batch"] as const) : null;
  const { model, path, step } = readCheckpoint(v.checkpoint);
  if (stats) {
    if (!model.setEvalStatistics) throw new UsageError(`--bn-eval: a ${model.kind} checkpoint has no batch norms`);
    model.setEvalStatistics(stats);
  }
  const data = await dataForModel(v, model, path);
  let target: Model = model;
  let hardware: Record<string, unknown> | null = null;
  if (typeof v.crossbar === "string") {
    const mapping = choice(v, "crossbar", MAPPINGS);
    const opts = { ...crossbarOptionsFrom(v), mapping };
    const nCal = num(v, "calibration-batches", { int: true, min: 1 });
    const sim = asUsage(() => crossbarFor(model));
    sim.program(opts);
    sim.calibrate(calibrationBatches(model, data.train, nCal));
    target = sim;
    const conductances = Object.fromEntries(MAPPINGS.map((m) => [m, sim.conductances(m)]));
    hardware = { ...opts, conductances, ranges: sim.ranges() };
  }
  if (target === model) model.prepareInference?.(); // the weights are fixed: pack them once for every batch
  const r = evaluate(target, evalLoader(model, data.test));
  if (v.json) {
    const out = {
      checkpoint: path,
      kind: model.kind,
      step,
      data: data.description,
      hardware,
      accuracy: r.accuracy,
      loss: r.loss,
      n: r.n,
      confusion: r.confusion,
    };
    process.stdout.write(JSON.stringify(out) + "\n");
    return 0;
  }
  process.stdout.write(`${path} (${model.kind}${step ? `, ${step} steps` : ""}) on ${data.description}\n`);
  if (hardware) {
    const h = hardware as { mapping: string; conductances: Record<string, number> };
    const counts = Object.entries(h.conductances).map(([k, n]) => `${k} ${n.toLocaleString("en-US")}`);
    process.stdout.write(`simulated crossbars, ${h.mapping} mapping; conductances: ${counts.join(", ")}\n`);
  }
  process.stdout.write(
    `${hardware ? "simulated" : "test"} accuracy ${(r.accuracy * 100).toFixed(2)} % on ${r.n} samples (loss ${r.loss.toFixed(4)})\n`,
  );
  process.stdout.write(formatConfusion(r.confusion));
  return 0;
}
