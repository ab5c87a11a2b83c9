// The sweep runner: runs the tasks of a plan (sweep-plan.ts), all of them or
// one shard's, each independently and seeded: either a trained model re-programmed
// on simulated hardware per value (ADC bits and full scale, noise, levels) or
// one model trained per task (p, slot size, cores, seeds, ...). Returns task
// results; files are the caller's (sweep-figures.ts renders them).

import { freeAll } from "../engine.js";
import type { Dataset } from "../data/dataset.js";
import type { Model } from "../nn/model.js";
import { evalLoader, evaluate } from "../train/evaluate.js";
import { trainModel } from "../train/trainer.js";
import type { TrainOptions } from "../train/options.js";
import { calibrationBatches } from "./calibration.js";
import type { CrossbarOptions } from "./options.js";
import type { SimulatedHardware } from "./sim-base.js";
import { aggregate, planTasks, shardTasks, type SweepPlan, type SweepSeries, type SweepTask, type TaskResult } from "./sweep-plan.js";

export type { SweepPoint, SweepSeries } from "./sweep-plan.js";

/** What one task measures. */
export type TaskRunner = (task: SweepTask) => { accuracy: number; extra?: Record<string, number> };

export interface RunSweepOptions {
  plan: SweepPlan;
  run: TaskRunner;
  /** Run only this shard's tasks (index mod count). */
  shard?: { index: number; count: number };
  /** Results recorded earlier (resume): their tasks are not run again. */
  done?: ReadonlyMap<number, TaskResult>;
  onResult?(r: TaskResult, reused: boolean): void;
}

/**
 * Run a plan's tasks (or one shard's), skipping those already done.
 * @example const results = runSweep({ plan, run: hardwareRunner({ ... }) });
 */
export function runSweep(o: RunSweepOptions): TaskResult[] {
  const tasks = o.shard ? shardTasks(o.plan.tasks, o.shard) : o.plan.tasks;
  return tasks.map((t) => {
    const prev = o.done?.get(t.index);
    if (prev) {
      o.onResult?.(prev, true);
      return prev;
    }
    const r: TaskResult = { ...t, ...o.run(t) };
    o.onResult?.(r, false);
    return r;
  });
}

/** One simulated model of a hardware sweep. */
export interface SweepRun {
  name: string;
  /** The simulator of a trained model (crossbarFor(model)). */
  sim: SimulatedHardware;
  /** Options this run always uses (e.g. the baseline's differential mapping). */
  fixed?: Partial<CrossbarOptions>;
}

/** The hardware options a sweep may vary. */
export type HardwareKnob = "adcBits" | "adcMax" | "progNoise" | "readNoise" | "levels";

export interface HardwareRunnerOptions {
  runs: SweepRun[];
  knob: HardwareKnob;
  /** Every other option, fixed while the knob varies; repeat r uses seed base.seed + r. */
  base: CrossbarOptions;
  /** Calibration batches come from here (first batches, in order). */
  train: Dataset;
  test: Dataset;
  calibrationBatches: number;
}

/** A task runner that programs the task's simulator at the task's value and evaluates it. */
export function hardwareRunner(o: HardwareRunnerOptions): TaskRunner {
  const calib = new Map<string, Float32Array[]>();
  return (t) => {
    const run = o.runs.find((r) => r.name === t.series);
    if (!run) throw new Error(`hardware sweep: no run named ${JSON.stringify(t.series)}`);
    if (!calib.has(run.name)) calib.set(run.name, calibrationBatches(run.sim, o.train, o.calibrationBatches));
    run.sim.program({ ...o.base, ...run.fixed, [o.knob]: t.x, seed: o.base.seed + t.repeat });
    run.sim.calibrate(calib.get(run.name)!);
    return { accuracy: evaluate(run.sim, evalLoader(run.sim, o.test)).accuracy };
  };
}

export interface TrainingRunnerOptions {
  /** Build the model of one task (called after freeAll(): every earlier tensor is gone). */
  make(task: SweepTask): Model;
  train: Dataset;
  test: Dataset;
  /** Training settings of one task (e.g. its data-order seed). */
  options(task: SweepTask): TrainOptions;
  /** Per-task figures besides accuracy (e.g. traffic of the model's routing). */
  extra?(model: Model, task: SweepTask): Record<string, number>;
}

/**
 * A task runner that trains and tests one model per task. Releases all engine
 * memory (freeAll) before each model: the caller must not hold tensors across it.
 */
export function trainingRunner(o: TrainingRunnerOptions): TaskRunner {
  return (t) => {
    freeAll();
    const model = o.make(t);
    trainModel(model, o.train, null, o.options(t));
    const accuracy = evaluate(model, o.test).accuracy;
    return { accuracy, ...(o.extra ? { extra: o.extra(model, t) } : {}) };
  };
}

export interface HardwareSweepOptions extends HardwareRunnerOptions {
  values: number[];
  /** Simulation seeds per value (seed, seed + 1, ...): mean and std. */
  repeats: number;
  onPoint?(series: string, r: TaskResult): void;
}

/**
 * Accuracy of each run on simulated hardware at each value of one knob, every task in this process.
 * @example
 * hardwareSweep({
 *   runs: [{ name: "ScRRAMBLe", sim: crossbarFor(model) }],
 *   knob: "adcBits",
 *   values: [2, 4, 8],
 *   base: CROSSBAR_DEFAULTS,
 *   train,
 *   test,
 *   calibrationBatches: 4,
 *   repeats: 1,
 * });
 */
export function hardwareSweep(o: HardwareSweepOptions): SweepSeries[] {
  const plan: SweepPlan = {
    kind: o.knob,
    settings: {},
    figure: { type: "line", title: o.knob, xLabel: o.knob },
    tasks: planTasks(
      o.runs.map((r) => r.name),
      o.values.map((x) => ({ x })),
      o.repeats,
    ),
  };
  const results = runSweep({ plan, run: hardwareRunner(o), onResult: (r) => o.onPoint?.(r.series, r) });
  return aggregate(plan, results);
}

export interface TrainingSweepOptions {
  name: string;
  values: number[];
  /** Build the model of one value (called after freeAll(): every earlier tensor is gone). */
  make(value: number): Model;
  train: Dataset;
  test: Dataset;
  options: TrainOptions;
  /** Per-point figures besides accuracy (e.g. traffic of the model's routing). */
  extra?(model: Model): Record<string, number>;
  onPoint?(series: string, r: TaskResult): void;
}

/**
 * Train and test one model per value, every task in this process. Releases all
 * engine memory (freeAll) before each model.
 * @example
 * trainingSweep({
 *   name: "ScRRAMBLe",
 *   values: [0.1, 0.2],
 *   make: (p) => createModel("scrramble-mlp", { p }),
 *   train,
 *   test,
 *   options: TRAIN_DEFAULTS,
 * });
 */
export function trainingSweep(o: TrainingSweepOptions): SweepSeries {
  const plan: SweepPlan = {
    kind: o.name,
    settings: {},
    figure: { type: "line", title: o.name, xLabel: "value" },
    tasks: planTasks(
      [o.name],
      o.values.map((x) => ({ x })),
      1,
    ),
  };
  const run = trainingRunner({
    make: (t) => o.make(t.x),
    train: o.train,
    test: o.test,
    options: () => o.options,
    extra: o.extra ? (m) => o.extra!(m) : undefined,
  });
  return aggregate(plan, runSweep({ plan, run, onResult: (r) => o.onPoint?.(r.series, r) }))[0];
}
