// `scrramble sweep KIND`: accuracy of trained models on simulated hardware as one
// knob varies: adc-bits (ScRRAMBLe core-output ADC vs the baseline's partial-sum
// ADC), prog-noise, read-noise, levels; and p (trains one model per value).
// Writes sweep-KIND.csv, .json and .svg in --out and prints a table and the time.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { engine, initEngine } from "../engine.js";
import { ScrrambleMlp } from "../nn/scrramble-mlp.js";
import { DenseBaseline } from "../nn/dense-baseline.js";
import type { Model } from "../nn/model.js";
import { evalLoader, evaluate, trainModel } from "../train/trainer.js";
import { ScrrambleCrossbar, type CrossbarOptions } from "../sim/crossbar.js";
import { DenseCrossbar } from "../sim/crossbar-dense.js";
import { scrrambleNetwork, ACCOUNTING_DEFAULTS } from "../sim/accounting.js";
import { lineChartSvg } from "../plot/svg.js";
import { helpText, num, parseCommand, type CommandSpec, type Parsed, UsageError } from "./args.js";
import { DATA_OPTIONS, loadData } from "./datasets.js";
import { readCheckpoint } from "./checkpoint-file.js";
import { writeFileAtomicSync } from "./atomic.js";
import { CROSSBAR_CLI_OPTIONS, calibrationBatches, crossbarOptions } from "./crossbar-options.js";
import { MODEL_OPTIONS, TRAIN_OPTIONS, modelConfig, trainOptions } from "./model-options.js";

export const SWEEP_KINDS = ["adc-bits", "prog-noise", "read-noise", "levels", "p"] as const;
type SweepKind = (typeof SWEEP_KINDS)[number];

const DEFAULT_VALUES: Record<SweepKind, string> = {
  "adc-bits": "1,2,3,4,5,6,7,8,10,12,14,16",
  "prog-noise": "0,0.01,0.02,0.05,0.1,0.2",
  "read-noise": "0,0.01,0.02,0.05,0.1,0.2",
  levels: "2,4,8,16,32,64,256",
  p: "0.05,0.1,0.2,0.3,0.5",
};

// Model options for KIND p; --adc-bits / --adc-max are the hardware ones here
// (and feed --activation qrelu when they are set).
const { "adc-bits": _bits, "adc-max": _max, ...SWEEP_MODEL_OPTIONS } = MODEL_OPTIONS;

export const SWEEP_COMMAND: CommandSpec = {
  name: "sweep",
  summary: `Accuracy on simulated hardware as one knob varies. KIND: ${SWEEP_KINDS.join(", ")}.`,
  usage: "scrramble sweep KIND --checkpoint PATH [--baseline PATH] [--values LIST] [options]   (KIND p trains instead)",
  options: {
    checkpoint: { type: "string", arg: "PATH", help: "trained ScRRAMBLe checkpoint (run folder or file)" },
    baseline: { type: "string", arg: "PATH", help: "trained dense partial-sums checkpoint to compare (always differential pairs, ADC on each tile's partial sums)" },
    values: { type: "string", arg: "LIST", help: `comma-separated values of the knob; defaults: ${Object.entries(DEFAULT_VALUES).map(([k, v]) => `${k} ${v}`).join("; ")}` },
    repeats: { type: "string", arg: "N", default: "1", help: "noise sweeps: simulation seeds per value (mean and std reported)" },
    "calibration-batches": { type: "string", arg: "N", default: "4", help: "training batches used to calibrate DAC / ADC full scales" },
    ...CROSSBAR_CLI_OPTIONS,
    ...DATA_OPTIONS,
    ...SWEEP_MODEL_OPTIONS,
    ...TRAIN_OPTIONS,
    out: { type: "string", arg: "DIR", default: "sweeps", help: "folder for sweep-KIND.csv / .json / .svg" },
    json: { type: "boolean", help: "print the JSON result instead of the table" },
  },
  groups: { checkpoint: "Sweep", mapping: "Simulated hardware (fixed while the knob varies)", data: "Data", model: "Model and training (KIND p only)", out: "Output" },
  examples: [
    "scrramble sweep adc-bits --checkpoint runs/scr --baseline runs/dense",
    "scrramble sweep prog-noise --checkpoint runs/scr --repeats 3",
    "scrramble sweep levels --checkpoint runs/scr --level-spacing device",
    "scrramble sweep p --values 0.1,0.2,0.4 --epochs 10",
  ],
};

interface Point { x: number; accuracy: number; std: number; extra?: Record<string, number> }
interface Series { name: string; points: Point[] }

function values(v: Parsed, kind: SweepKind): number[] {
  const raw = String(v.values ?? DEFAULT_VALUES[kind]);
  const xs = raw.split(",").map((s) => Number(s.trim()));
  if (xs.some((x) => !Number.isFinite(x))) throw new UsageError(`--values must be comma-separated numbers, got ${JSON.stringify(raw)}`);
  if (kind === "adc-bits" && xs.some((x) => !Number.isInteger(x) || x < 1 || x > 24)) throw new UsageError("adc-bits values must be integers in [1, 24]");
  if (kind === "levels" && xs.some((x) => !Number.isInteger(x) || x < 2)) throw new UsageError("levels values must be integers >= 2");
  if (kind === "p" && xs.some((x) => x < 0 || x > 1)) throw new UsageError("p values must be in [0, 1]");
  if (kind.endsWith("noise") && xs.some((x) => x < 0)) throw new UsageError("noise values must be >= 0");
  return xs;
}

type Sim = ScrrambleCrossbar | DenseCrossbar;

function simAccuracy(sim: Sim, opts: CrossbarOptions, calib: Float32Array[], test: ReturnType<typeof evalLoader>, repeats: number): { accuracy: number; std: number } {
  const accs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    sim.program({ ...opts, seed: opts.seed + r });
    sim.calibrate(calib);
    accs.push(evaluate(sim, test).accuracy);
  }
  const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
  const std = Math.sqrt(accs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, accs.length - 1));
  return { accuracy: mean, std };
}

export async function sweepCommand(argv: string[]): Promise<number> {
  const { values: v, positionals, help } = parseCommand(SWEEP_COMMAND, argv);
  if (help) {
    process.stdout.write(helpText(SWEEP_COMMAND));
    return 0;
  }
  const kind = positionals[0] as SweepKind;
  if (!SWEEP_KINDS.includes(kind)) throw new UsageError(`sweep: KIND must be one of ${SWEEP_KINDS.join(", ")}, got ${JSON.stringify(positionals[0] ?? "")}`);
  const xs = values(v, kind);
  const t0 = performance.now();
  const series: Series[] = [];
  const base = crossbarOptions(v);
  const repeats = num(v, "repeats", { int: true, min: 1, max: 100 });
  const nCal = num(v, "calibration-batches", { int: true, min: 1, max: 1000 });
  let dataDescription: string;
  if (kind === "p") {
    const data = await loadData(v);
    dataDescription = data.description;
    const opts = trainOptions(v);
    const points: Point[] = [];
    for (const p of xs) {
      initEngine({ variant: engine().variant }); // a fresh memory per model
      const adc = { "adc-bits": v["adc-bits"] === "0" ? "4" : v["adc-bits"], "adc-max": v["adc-max"] === "0" ? "1" : v["adc-max"] };
      const mc = modelConfig({ ...v, ...adc, p: String(p) }, Number(v.classes));
      if (mc.kind !== "scrramble") throw new UsageError("sweep p trains ScRRAMBLe models (--model scrramble)");
      const model = new ScrrambleMlp(mc.config);
      trainModel(model, data.train, null, opts);
      const r = evaluate(model, data.test);
      const traffic = scrrambleNetwork(model.layers.map((l) => l.routing), { ...ACCOUNTING_DEFAULTS, coreSize: mc.config.coreSize });
      points.push({ x: p, accuracy: r.accuracy, std: 0, extra: { totalBits: traffic.total.totalBits, packets: traffic.total.packets } });
      process.stderr.write(`p ${p}: test accuracy ${(r.accuracy * 100).toFixed(2)} %, ${traffic.total.totalBits} bits per inference\n`);
    }
    series.push({ name: "ScRRAMBLe (digital)", points });
  } else {
    if (typeof v.checkpoint !== "string") throw new UsageError(`sweep ${kind}: --checkpoint is required`);
    const { model } = readCheckpoint(v.checkpoint);
    if (!(model instanceof ScrrambleMlp)) throw new UsageError(`${v.checkpoint}: sweep needs a ScRRAMBLe checkpoint (give the dense one with --baseline)`);
    const data = await loadData({ ...v, classes: String(model.classes) });
    dataDescription = data.description;
    const runs: { name: string; model: Model; sim: Sim }[] = [{ name: `ScRRAMBLe (${base.mapping})`, model, sim: new ScrrambleCrossbar(model) }];
    if (typeof v.baseline === "string") {
      const b = readCheckpoint(v.baseline).model;
      if (!(b instanceof DenseBaseline)) throw new UsageError(`${v.baseline}: --baseline must be a dense partial-sums checkpoint`);
      runs.push({ name: "partial sums (differential)", model: b, sim: new DenseCrossbar(b, model.config.coreSize) });
    } else if (kind === "adc-bits") {
      process.stderr.write("note: no --baseline given; sweeping the ScRRAMBLe model only\n");
    }
    for (const run of runs) {
      const calib = calibrationBatches(run.model, data.train, nCal);
      const test = evalLoader(run.model, data.test);
      const points: Point[] = [];
      for (const x of xs) {
        const o: CrossbarOptions = { ...base, ...(run.sim instanceof DenseCrossbar ? { mapping: "differential" as const } : {}) };
        if (kind === "adc-bits") o.adcBits = x;
        if (kind === "prog-noise") o.progNoise = x;
        if (kind === "read-noise") o.readNoise = x;
        if (kind === "levels") o.levels = x;
        const r = simAccuracy(run.sim, o, calib, test, kind.endsWith("noise") ? repeats : 1);
        points.push({ x, ...r });
        process.stderr.write(`${run.name} ${kind} ${x}: accuracy ${(r.accuracy * 100).toFixed(2)} %${repeats > 1 && kind.endsWith("noise") ? ` +- ${(r.std * 100).toFixed(2)}` : ""}\n`);
      }
      series.push({ name: run.name, points });
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const result = { kind, data: dataDescription, hardware: base, repeats, seconds, series };
  const out = String(v.out);
  mkdirSync(out, { recursive: true });
  const stem = join(out, `sweep-${kind}`);
  const csv = ["series,value,accuracy,std" + (kind === "p" ? ",totalBits,packets" : ""),
    ...series.flatMap((s) => s.points.map((p) => [JSON.stringify(s.name), p.x, p.accuracy, p.std, ...(p.extra ? [p.extra.totalBits, p.extra.packets] : [])].join(",")))].join("\n") + "\n";
  writeFileAtomicSync(stem + ".csv", csv);
  writeFileAtomicSync(stem + ".json", JSON.stringify(result, null, 2) + "\n");
  writeFileAtomicSync(stem + ".svg", lineChartSvg({
    title: `accuracy vs ${kind}${kind === "adc-bits" ? " (fixed range)" : ""}`,
    xLabel: kind, yLabel: "test accuracy (%)",
    logX: kind === "levels",
    series: series.map((s) => ({ name: s.name, points: s.points.map((p) => [p.x, p.accuracy * 100] as [number, number]) })),
  }));
  if (v.json) {
    process.stdout.write(JSON.stringify(result) + "\n");
  } else {
    process.stdout.write(`${kind} sweep on ${dataDescription}\n`);
    process.stdout.write(["value".padEnd(10), ...series.map((s) => s.name.padStart(30))].join("") + "\n");
    xs.forEach((x, i) => {
      process.stdout.write([String(x).padEnd(10), ...series.map((s) => {
        const p = s.points[i];
        return `${(p.accuracy * 100).toFixed(2)} %${p.std ? ` +- ${(p.std * 100).toFixed(2)}` : ""}`.padStart(30);
      })].join("") + "\n");
    });
    process.stdout.write(`${seconds.toFixed(1)} s; wrote ${stem}.csv, .json, .svg\n`);
  }
  return 0;
}
