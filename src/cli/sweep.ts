// `scrramble sweep KIND`: the paper's experiments as sweeps. Hardware kinds
// re-program a trained checkpoint on simulated crossbars per value (adc-bits,
// adc-max, prog-noise, read-noise, levels); training kinds train one model per
// task (p, slot-size, cores, seeds, grid, connectivity). Every task writes its
// own JSON record (resumable; --shard i/n runs a share, `scrramble merge` joins);
// complete sweeps write sweep-KIND.csv, -runs.csv, .json and the figures.

import { join } from "node:path";
import { engine } from "../engine.js";
import { createModel } from "../nn/registry.js";
import { crossbarFor } from "../sim/simulators.js";
import { hardwareRunner, runSweep, trainingRunner, type HardwareKnob, type SweepRun } from "../sim/sweep.js";
import { parseShard, planTasks, type SweepPlan, type TaskResult } from "../sim/sweep-plan.js";
import { modelFigures, SEED_VARY, taskSetup, trainingPlan, TRAINING_SWEEPS, type TrainingSweepKind } from "../sim/sweep-training.js";
import { loadData } from "../node/data.js";
import { readCheckpoint } from "../node/checkpoint-file.js";
import { num, parseOrHelp, UsageError, choice, type CommandSpec, type OptionTable, type Parsed } from "./args.js";
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
import { checkpointDigest, currentBuild, finishSweep, loadDone, recordTask } from "./sweep-files.js";

const HARDWARE_KNOBS = {
  "adc-bits": "adcBits",
  "adc-max": "adcMax",
  "prog-noise": "progNoise",
  "read-noise": "readNoise",
  levels: "levels",
} as const;
type HardwareKind = keyof typeof HARDWARE_KNOBS;
export const SWEEP_KINDS = [...(Object.keys(HARDWARE_KNOBS) as HardwareKind[]), ...TRAINING_SWEEPS] as const;
type SweepKind = (typeof SWEEP_KINDS)[number];

const DEFAULT_VALUES: Record<SweepKind, string> = {
  "adc-bits": "1..16",
  "adc-max": "0.015625,0.03125,0.0625,0.125,0.25,0.5,1,2,4,8,16,32",
  "prog-noise": "0,0.01,0.02,0.05,0.1,0.2",
  "read-noise": "0,0.01,0.02,0.05,0.1,0.2",
  levels: "2,4,8,16,32,64,256",
  p: "0.05,0.1,0.2,0.3,0.5",
  "slot-size": "8,16,32,64,128",
  cores: "20,30,60",
  seeds: "0..9",
  grid: "",
  connectivity: "0.05,0.1,0.2,0.4,0.7,1",
};

const HARDWARE_TITLES: Record<HardwareKind, { title: string; logX?: boolean }> = {
  "adc-bits": { title: "accuracy vs ADC bits (fixed range)" },
  "adc-max": { title: "accuracy vs ADC full scale", logX: true },
  "prog-noise": { title: "accuracy vs programming noise" },
  "read-noise": { title: "accuracy vs read noise" },
  levels: { title: "accuracy vs conductance levels", logX: true },
};

export function sweepSpec(): CommandSpec {
  // Model options for the training kinds; --adc-bits / --adc-max are the hardware ones here
  // (and feed --activation qrelu when they are set); --p and --slot-size take lists for grid.
  const { "adc-bits": _bits, "adc-max": _max, ...model } = modelOptions();
  const options: OptionTable = {
    checkpoint: { type: "string", arg: "PATH", help: "hardware kinds: the trained model checkpoint (run folder or file)" },
    baseline: {
      type: "string",
      arg: "PATH",
      help: "hardware kinds: a second checkpoint to compare (e.g. the dense partial-sums baseline, always as differential pairs)",
    },
    values: {
      type: "string",
      arg: "LIST",
      help:
        "the knob's values, comma-separated, a..b for every integer between; defaults: " +
        Object.entries(DEFAULT_VALUES)
          .filter(([, x]) => x)
          .map(([k, x]) => `${k} ${x}`)
          .join("; "),
    },
    seeds: {
      type: "string",
      arg: "N",
      default: "1",
      help: "training kinds: models per value (seed offsets 0..N-1 on the --vary seeds): mean, std, error bars",
    },
    vary: {
      type: "string",
      arg: "V",
      default: "routing",
      help:
        "which seeds --seeds (or sweep seeds' values) change: routing | init | all (routing, init and data order); " +
        "kinds without routing vary init",
    },
    repeats: { type: "string", arg: "N", default: "1", help: "noise sweeps: simulation seeds per value (mean and std reported)" },
    "calibration-batches": { type: "string", arg: "N", default: "4", help: "training batches used to calibrate DAC / ADC full scales" },
    shard: {
      type: "string",
      arg: "I/N",
      default: "0/1",
      help: "run only tasks i, i + n, i + 2n, ... (0 <= i < n); join shards with scrramble merge",
    },
    ...CROSSBAR_OPTIONS,
    ...DATA_OPTIONS,
    ...model,
    ...TRAIN_OPTIONS,
    out: {
      type: "string",
      arg: "DIR",
      default: "sweeps",
      help: "folder for sweep-KIND.csv / -runs.csv / .json / .svg and the task records",
    },
    json: { type: "boolean", help: "print the JSON result instead of the table" },
  };
  options.p = { ...options.p, help: `${options.p.help}; grid: a list of p values` };
  options["slot-size"] = { ...options["slot-size"], help: `${options["slot-size"].help}; grid: a list of slot sizes` };
  return {
    name: "sweep",
    summary: `Accuracy as one knob varies, on simulated hardware or by training one model per value. KIND: ${SWEEP_KINDS.join(", ")}.`,
    usage: "scrramble sweep KIND [--checkpoint PATH [--baseline PATH]] [--values LIST] [--seeds N] [--shard I/N] [options]",
    options,
    positionals: 1,
    groups: {
      checkpoint: "Sweep",
      mapping: "Simulated hardware (hardware kinds; fixed while the knob varies)",
      dataset: "Data",
      model: "Model and training (training kinds)",
      out: "Output",
    },
    examples: [
      "scrramble sweep adc-bits --checkpoint runs/scr --baseline runs/dense",
      "scrramble sweep adc-bits --checkpoint runs/c40 --baseline runs/dense-nobias --partial-sum-adc accumulated " +
        "--adc-max 10 --values 1..24",
      "scrramble sweep adc-max --checkpoint runs/c40 --baseline runs/dense --adc-bits 8",
      "scrramble sweep prog-noise --checkpoint runs/scr --repeats 3",
      "scrramble sweep seeds --values 0..9",
      "scrramble sweep p --values 0.1,0.2,0.4 --seeds 3 --epochs 10",
      "scrramble sweep grid --slot-size 16,32,64 --p 0.1,0.2,0.5",
      "scrramble sweep connectivity --shard 0/4 --out sweeps/conn   # then scrramble merge sweeps/conn ...",
    ],
  };
}

/** Numbers from "a,b,c" with "a..b" for every integer from a to b. */
export function parseValues(raw: string, flag: string): number[] {
  const out: number[] = [];
  for (const part of raw.split(",")) {
    const m = /^\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*$/.exec(part);
    if (m) {
      const [a, b] = [Number(m[1]), Number(m[2])];
      if (b < a || b - a > 10000) throw new UsageError(`${flag}: bad range ${JSON.stringify(part.trim())}`);
      for (let v = a; v <= b; v++) out.push(v);
    } else {
      const x = part.trim() === "" ? NaN : Number(part);
      if (!Number.isFinite(x)) throw new UsageError(`${flag} must be comma-separated numbers or a..b ranges, got ${JSON.stringify(raw)}`);
      out.push(x);
    }
  }
  if (new Set(out).size !== out.length) throw new UsageError(`${flag} lists a value twice: ${JSON.stringify(raw)}`);
  return out;
}

function sweepValues(v: Parsed, kind: SweepKind): number[] {
  const raw = String(v.values ?? DEFAULT_VALUES[kind]);
  const xs = parseValues(raw, "--values");
  const ints = (lo: number, hi: number, what: string) => {
    if (xs.some((x) => !Number.isInteger(x) || x < lo || x > hi))
      throw new UsageError(`${kind} values must be integers in [${lo}, ${hi}] (${what})`);
  };
  if (kind === "adc-bits") ints(1, 24, "float32 resolves no more than 24 bits");
  if (kind === "levels") ints(2, 1 << 20, "conductance levels");
  if (kind === "slot-size" || kind === "cores") ints(1, 1 << 20, kind);
  if (kind === "seeds") ints(-(2 ** 31), 2 ** 31 - 1, "seeds");
  if ((kind === "p" || kind === "connectivity") && xs.some((x) => x < 0 || x > 1)) throw new UsageError(`${kind} values must be in [0, 1]`);
  if (kind === "adc-max" && xs.some((x) => !(x > 0))) throw new UsageError("adc-max values must be > 0");
  if (kind.endsWith("noise") && xs.some((x) => x < 0)) throw new UsageError("noise values must be >= 0");
  return xs;
}

function logLine(kind: string, r: TaskResult, reused: boolean, total: number): string {
  const at = `${r.x}${r.y !== undefined ? ` x ${r.y}` : ""}${r.repeat ? ` (repeat ${r.repeat})` : ""}`;
  const bits = r.extra?.totalBits !== undefined ? `, ${r.extra.totalBits} bits per inference` : "";
  const acc = `accuracy ${(r.accuracy * 100).toFixed(2)} %`;
  return `[${r.index + 1}/${total}] ${r.series} ${kind} ${at}: ${acc}${bits}${reused ? " (recorded)" : ""}\n`;
}

function hardwareTitle(kind: HardwareKind, base: { adcBits: number; adcMax: number; partialSumAdc: string }): string {
  const scale = base.adcMax > 0 ? `full scale ${base.adcMax}` : "calibrated full scale";
  if (kind === "adc-bits") return `accuracy vs ADC bits (${scale}, fixed over bits)`;
  if (kind === "adc-max") return `accuracy vs ADC full scale (${base.adcBits} bits)`;
  return HARDWARE_TITLES[kind].title;
}

async function hardwarePlan(kind: HardwareKind, v: Parsed, xs: number[]) {
  if (typeof v.checkpoint !== "string") throw new UsageError(`sweep ${kind}: --checkpoint is required`);
  const base = crossbarOptionsFrom(v);
  const knob: HardwareKnob = HARDWARE_KNOBS[kind];
  if (kind === "adc-max" && base.adcBits === 0)
    throw new UsageError("sweep adc-max needs --adc-bits (the reference sweeps the full scale at 8 bits)");
  const repeats = kind.endsWith("noise") ? num(v, "repeats", { int: true, min: 1, max: 100 }) : 1;
  const nCal = num(v, "calibration-batches", { int: true, min: 1, max: 1000 });
  const { model, path } = readCheckpoint(v.checkpoint);
  const data = await dataForModel(v, model, path);
  const sim = asUsage(() => crossbarFor(model));
  const runs: SweepRun[] = [{ name: `${model.kind} (${base.mapping})`, sim }];
  const checkpoints = [checkpointDigest(v.checkpoint)];
  if (typeof v.baseline === "string") {
    const b = readCheckpoint(v.baseline).model;
    const name = `${b.kind} (differential${b.routedNetwork ? "" : `, ${base.partialSumAdc} ADC`})`;
    runs.push({ name, sim: asUsage(() => crossbarFor(b, { coreSize: sim.coreSize })), fixed: { mapping: "differential" } });
    checkpoints.push(checkpointDigest(v.baseline));
  } else if (kind === "adc-bits" || kind === "adc-max") {
    process.stderr.write("note: no --baseline given; sweeping one model only\n");
  }
  const plan: SweepPlan = {
    kind,
    settings: { checkpoints, data: data.description, hardware: base, calibrationBatches: nCal, repeats },
    figure: { type: "line", ...HARDWARE_TITLES[kind], title: hardwareTitle(kind, base), xLabel: kind },
    tasks: planTasks(
      runs.map((r) => r.name),
      xs.map((x) => ({ x })),
      repeats,
    ),
  };
  const run = hardwareRunner({ runs, knob, base, train: data.train, test: data.test, calibrationBatches: nCal });
  return { plan, run, data: data.description };
}

async function trainingPlanFromOptions(kind: TrainingSweepKind, v: Parsed, xs: number[]) {
  const dataOpts = dataOptionsFrom(v);
  const data = await loadData(dataOpts);
  const train = trainOptionsFrom(v);
  const base = crossbarOptionsFrom(v);
  const adc = { "adc-bits": base.adcBits ? String(base.adcBits) : undefined, "adc-max": base.adcMax ? String(base.adcMax) : undefined };
  const { height, width, channels } = data.train;
  const ctx = { classes: data.train.classes, seed: train.seed, input: { height, width, channels } };
  let values2: number[] | undefined;
  let modelValues: Parsed = { ...v, ...adc };
  if (kind === "grid") {
    if (typeof v.p !== "string" || typeof v["slot-size"] !== "string")
      throw new UsageError("sweep grid needs --slot-size LIST and --p LIST (e.g. --slot-size 16,32,64 --p 0.1,0.2)");
    const ps = parseValues(v.p, "--p");
    if (ps.some((p) => p < 0 || p > 1)) throw new UsageError("--p values must be in [0, 1]");
    xs.splice(0, xs.length, ...ps);
    values2 = parseValues(v["slot-size"], "--slot-size");
    modelValues = { ...modelValues, p: undefined, "slot-size": undefined };
  }
  const mc = modelFromOptions(modelValues, ctx);
  const repeats = num(v, "seeds", { int: true, min: 1, max: 1000 });
  const vary = choice(v, "vary", SEED_VARY);
  const spec = {
    kind,
    values: xs,
    values2,
    repeats,
    vary,
    model: mc as { kind: string; config: Record<string, unknown> },
    train,
    data: data.description,
  };
  const plan = asUsage(() => trainingPlan(spec));
  const run = trainingRunner({
    make: (t) => {
      const s = taskSetup(spec, t);
      return createModel(s.kind, s.config);
    },
    options: (t) => taskSetup(spec, t).train,
    train: data.train,
    test: data.test,
    extra: (m) => modelFigures(m),
  });
  return { plan, run, data: data.description };
}

export async function sweepCommand(argv: string[]): Promise<number> {
  const spec = sweepSpec();
  const parsed = parseOrHelp(spec, argv);
  if (!parsed) return 0;
  const { values: v, positionals } = parsed;
  const kind = positionals[0] as SweepKind;
  if (!SWEEP_KINDS.includes(kind))
    throw new UsageError(`sweep: KIND must be one of ${SWEEP_KINDS.join(", ")}, got ${JSON.stringify(positionals[0] ?? "")}`);
  const shard = asUsage(() => parseShard(String(v.shard)));
  if (kind !== "grid" && v.values === undefined && !DEFAULT_VALUES[kind]) throw new UsageError(`sweep ${kind}: --values is required`);
  const xs = kind === "grid" ? [] : sweepValues(v, kind);
  const hardware = kind in HARDWARE_KNOBS;
  if (hardware && (v.seeds !== "1" || v.vary !== "routing"))
    throw new UsageError(`sweep ${kind}: --seeds and --vary apply to the training kinds; simulation seeds are --repeats (noise sweeps)`);
  if (!hardware && v.repeats !== "1") throw new UsageError(`sweep ${kind}: --repeats applies to the noise sweeps; use --seeds N`);
  const t0 = performance.now();
  const out = outFolder(v);
  const {
    plan: rawPlan,
    run,
    data,
  } = kind in HARDWARE_KNOBS
    ? await hardwarePlan(kind as HardwareKind, v, xs)
    : await trainingPlanFromOptions(kind as TrainingSweepKind, v, xs);
  const plan = JSON.parse(JSON.stringify(rawPlan)) as SweepPlan; // as the records will hold it
  const build = currentBuild();
  const done = loadDone(out, plan, build);
  const total = plan.tasks.length;
  const results = runSweep({
    plan,
    run,
    shard,
    done,
    onResult: (r, reused) => {
      done.set(r.index, r);
      if (!reused) recordTask(out, plan, build, r);
      process.stderr.write(logLine(kind, r, reused, total));
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const e = engine();
  const finished = finishSweep(out, plan, build, { seconds, threads: e.threads, shard: String(v.shard), ranTasks: results.length });
  if (!finished) {
    process.stdout.write(
      `shard ${String(v.shard)}: ${results.length} of ${total} tasks recorded in ${out}; ` +
        `when every shard is done: scrramble merge DIR... --out DIR\n`,
    );
    return 0;
  }
  if (v.json) {
    process.stdout.write(JSON.stringify({ ...finished.data, seconds, threads: e.threads }) + "\n");
    return 0;
  }
  process.stdout.write(`${kind} sweep on ${data}\n`);
  const series = finished.data.series;
  process.stdout.write(["value".padEnd(14), ...series.map((s) => s.name.slice(0, 44).padStart(46))].join("") + "\n");
  const keys = [...new Set(series.flatMap((s) => s.points.map((p) => JSON.stringify([p.x, p.y ?? null]))))];
  for (const key of keys) {
    const [x, y] = JSON.parse(key) as [number, number | null];
    const cells = series.map((s) => {
      const p = s.points.find((q) => q.x === x && (q.y ?? null) === y);
      return (p ? `${(p.accuracy * 100).toFixed(2)} %${p.runs.length > 1 ? ` +- ${(p.std * 100).toFixed(2)}` : ""}` : "").padStart(46);
    });
    process.stdout.write([`${x}${y !== null ? ` x ${y}` : ""}`.padEnd(14), ...cells].join("") + "\n");
  }
  for (const s of finished.data.summary)
    if (s.runs > 1)
      process.stdout.write(
        `${s.series}: ${s.runs} runs, mean ${(s.mean * 100).toFixed(2)} % +- ${(s.std * 100).toFixed(2)} (std), ` +
          `range ${(s.min * 100).toFixed(2)} .. ${(s.max * 100).toFixed(2)} %\n`,
      );
  process.stdout.write(`${seconds.toFixed(1)} s; wrote ${finished.files.map((f) => join(out, f)).join(", ")}\n`);
  return 0;
}
