// `scrramble sweep KIND`: accuracy as one knob varies, through the library's
// sweep runner (sim/sweep.ts): adc-bits (ScRRAMBLe core-output ADC vs the
// baseline's partial-sum ADC), prog-noise, read-noise, levels on simulated
// hardware; p trains one model per value. Writes sweep-KIND.csv, .json, .svg.

import { join } from "node:path";
import { engine } from "../engine.js";
import { createModel } from "../nn/registry.js";
import { scrrambleNetwork, ACCOUNTING_DEFAULTS } from "../sim/accounting.js";
import { crossbarFor } from "../sim/simulators.js";
import { hardwareSweep, sweepCsv, sweepSvg, trainingSweep, type HardwareKnob, type SweepSeries } from "../sim/sweep.js";
import { loadData } from "../node/data.js";
import { readCheckpoint } from "../node/checkpoint-file.js";
import { writeFileAtomic } from "../node/atomic.js";
import { helpText, num, parseCommand, UsageError, type CommandSpec, type OptionTable, type Parsed } from "./args.js";
import {
  outFolder,
  asUsage,
  CROSSBAR_OPTIONS,
  crossbarOptionsFrom,
  DATA_OPTIONS,
  dataOptionsFrom,
  modelFromOptions,
  modelOptions,
  TRAIN_OPTIONS,
  trainOptionsFrom,
  dataForModel,
} from "./options.js";

export const SWEEP_KINDS = ["adc-bits", "prog-noise", "read-noise", "levels", "p"] as const;
type SweepKind = (typeof SWEEP_KINDS)[number];

const KNOBS: Record<Exclude<SweepKind, "p">, HardwareKnob> = {
  "adc-bits": "adcBits",
  "prog-noise": "progNoise",
  "read-noise": "readNoise",
  levels: "levels",
};

const DEFAULT_VALUES: Record<SweepKind, string> = {
  "adc-bits": "1,2,3,4,5,6,7,8,10,12,14,16",
  "prog-noise": "0,0.01,0.02,0.05,0.1,0.2",
  "read-noise": "0,0.01,0.02,0.05,0.1,0.2",
  levels: "2,4,8,16,32,64,256",
  p: "0.05,0.1,0.2,0.3,0.5",
};

export function sweepSpec(): CommandSpec {
  // Model options for KIND p; --adc-bits / --adc-max are the hardware ones here
  // (and feed --activation qrelu when they are set).
  const { "adc-bits": _bits, "adc-max": _max, ...model } = modelOptions();
  const options: OptionTable = {
    checkpoint: { type: "string", arg: "PATH", help: "trained model checkpoint (run folder or file)" },
    baseline: {
      type: "string",
      arg: "PATH",
      help: "a second trained checkpoint to compare (e.g. the dense partial-sums baseline, always as differential pairs)",
    },
    values: {
      type: "string",
      arg: "LIST",
      help: `comma-separated values of the knob; defaults: ${Object.entries(DEFAULT_VALUES)
        .map(([k, x]) => `${k} ${x}`)
        .join("; ")}`,
    },
    repeats: { type: "string", arg: "N", default: "1", help: "noise sweeps: simulation seeds per value (mean and std reported)" },
    "calibration-batches": { type: "string", arg: "N", default: "4", help: "training batches used to calibrate DAC / ADC full scales" },
    ...CROSSBAR_OPTIONS,
    ...DATA_OPTIONS,
    ...model,
    ...TRAIN_OPTIONS,
    out: { type: "string", arg: "DIR", default: "sweeps", help: "folder for sweep-KIND.csv / .json / .svg" },
    json: { type: "boolean", help: "print the JSON result instead of the table" },
  };
  return {
    name: "sweep",
    summary: `Accuracy on simulated hardware as one knob varies. KIND: ${SWEEP_KINDS.join(", ")}.`,
    usage: "scrramble sweep KIND --checkpoint PATH [--baseline PATH] [--values LIST] [options]   (KIND p trains instead)",
    options,
    positionals: 1,
    groups: {
      checkpoint: "Sweep",
      mapping: "Simulated hardware (fixed while the knob varies)",
      data: "Data",
      model: "Model and training (KIND p only)",
      out: "Output",
    },
    examples: [
      "scrramble sweep adc-bits --checkpoint runs/scr --baseline runs/dense",
      "scrramble sweep prog-noise --checkpoint runs/scr --repeats 3",
      "scrramble sweep levels --checkpoint runs/scr --level-spacing device",
      "scrramble sweep p --values 0.1,0.2,0.4 --epochs 10",
    ],
  };
}

function sweepValues(v: Parsed, kind: SweepKind): number[] {
  const raw = String(v.values ?? DEFAULT_VALUES[kind]);
  const xs = raw.split(",").map((s) => Number(s.trim()));
  if (xs.some((x) => !Number.isFinite(x))) throw new UsageError(`--values must be comma-separated numbers, got ${JSON.stringify(raw)}`);
  if (kind === "adc-bits" && xs.some((x) => !Number.isInteger(x) || x < 1 || x > 24))
    throw new UsageError("adc-bits values must be integers in [1, 24]");
  if (kind === "levels" && xs.some((x) => !Number.isInteger(x) || x < 2)) throw new UsageError("levels values must be integers >= 2");
  if (kind === "p" && xs.some((x) => x < 0 || x > 1)) throw new UsageError("p values must be in [0, 1]");
  if (kind.endsWith("noise") && xs.some((x) => x < 0)) throw new UsageError("noise values must be >= 0");
  return xs;
}

export async function sweepCommand(argv: string[]): Promise<number> {
  const spec = sweepSpec();
  const { values: v, positionals, help } = parseCommand(spec, argv);
  if (help) {
    process.stdout.write(helpText(spec));
    return 0;
  }
  const kind = positionals[0] as SweepKind;
  if (!SWEEP_KINDS.includes(kind))
    throw new UsageError(`sweep: KIND must be one of ${SWEEP_KINDS.join(", ")}, got ${JSON.stringify(positionals[0] ?? "")}`);
  const xs = sweepValues(v, kind);
  const t0 = performance.now();
  const base = crossbarOptionsFrom(v);
  const repeats = num(v, "repeats", { int: true, min: 1, max: 100 });
  const nCal = num(v, "calibration-batches", { int: true, min: 1, max: 1000 });
  const out = outFolder(v);
  const log = (series: string, p: { x: number; accuracy: number; std: number }) =>
    process.stderr.write(
      `${series} ${kind} ${p.x}: accuracy ${(p.accuracy * 100).toFixed(2)} %${p.std ? ` +- ${(p.std * 100).toFixed(2)}` : ""}\n`,
    );
  let series: SweepSeries[];
  let dataDescription: string;
  if (kind === "p") {
    const dataOpts = dataOptionsFrom(v);
    const data = await loadData(dataOpts);
    dataDescription = data.description;
    const opts = trainOptionsFrom(v);
    const adc = { "adc-bits": base.adcBits ? String(base.adcBits) : undefined, "adc-max": base.adcMax ? String(base.adcMax) : undefined };
    const { height, width, channels } = data.train;
    const ctx = { classes: dataOpts.classes ?? 10, seed: opts.seed, input: { height, width, channels } };
    const mc = modelFromOptions({ ...v, ...adc }, ctx);
    if (!("p" in mc.config)) throw new UsageError(`sweep p trains models with a connection probability; ${mc.kind} has none`);
    const one = trainingSweep({
      name: `${mc.kind} (digital)`,
      values: xs,
      make: (p) => asUsage(() => createModel(mc.kind, { ...mc.config, p })),
      train: data.train,
      test: data.test,
      options: opts,
      extra: (model) => {
        const net = model.routedNetwork!();
        const traffic = scrrambleNetwork(net.routings, { ...ACCOUNTING_DEFAULTS, coreSize: net.coreSize });
        return { totalBits: traffic.total.totalBits, packets: traffic.total.packets };
      },
      onPoint: (s, p) =>
        process.stderr.write(`p ${p.x}: test accuracy ${(p.accuracy * 100).toFixed(2)} %, ${p.extra?.totalBits} bits per inference\n`),
    });
    series = [one];
  } else {
    if (typeof v.checkpoint !== "string") throw new UsageError(`sweep ${kind}: --checkpoint is required`);
    const { model, path } = readCheckpoint(v.checkpoint);
    const data = await dataForModel(v, model, path);
    dataDescription = data.description;
    const sim = asUsage(() => crossbarFor(model));
    const runs = [{ name: `${model.kind} (${base.mapping})`, sim }];
    if (typeof v.baseline === "string") {
      const b = readCheckpoint(v.baseline).model;
      runs.push({ name: `${b.kind} (differential)`, sim: asUsage(() => crossbarFor(b, { coreSize: sim.coreSize })) });
    } else if (kind === "adc-bits") {
      process.stderr.write("note: no --baseline given; sweeping one model only\n");
    }
    const knob = KNOBS[kind];
    series = hardwareSweep({
      runs: runs.map((r, i) => (i === 0 ? r : { ...r, fixed: { mapping: "differential" as const } })),
      knob,
      values: xs,
      base,
      train: data.train,
      test: data.test,
      calibrationBatches: nCal,
      repeats: kind.endsWith("noise") ? repeats : 1,
      onPoint: log,
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  const e = engine();
  const result = { kind, data: dataDescription, kernels: e.variant, threads: e.threads, hardware: base, repeats, seconds, series };
  const stem = join(out, `sweep-${kind}`);
  writeFileAtomic(stem + ".csv", sweepCsv(series));
  writeFileAtomic(stem + ".json", JSON.stringify(result, null, 2) + "\n");
  writeFileAtomic(
    stem + ".svg",
    sweepSvg(series, { title: `accuracy vs ${kind}${kind === "adc-bits" ? " (fixed range)" : ""}`, xLabel: kind, logX: kind === "levels" }),
  );
  if (v.json) {
    process.stdout.write(JSON.stringify(result) + "\n");
  } else {
    process.stdout.write(`${kind} sweep on ${dataDescription}\n`);
    process.stdout.write(["value".padEnd(10), ...series.map((s) => s.name.padStart(30))].join("") + "\n");
    xs.forEach((x, i) => {
      const cells = series.map((s) => {
        const p = s.points[i];
        return `${(p.accuracy * 100).toFixed(2)} %${p.std ? ` +- ${(p.std * 100).toFixed(2)}` : ""}`.padStart(30);
      });
      process.stdout.write([String(x).padEnd(10), ...cells].join("") + "\n");
    });
    process.stdout.write(`${seconds.toFixed(1)} s; wrote ${stem}.csv, .json, .svg\n`);
  }
  return 0;
}
