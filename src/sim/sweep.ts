// The sweep runner: accuracy as one knob varies, either on simulated hardware
// (a trained model re-programmed per value: ADC bits, noise, levels) or by
// training one model per value (e.g. the connection probability p). Returns
// plain series; CSV and SVG renderings are here too. Files are the caller's.

import { freeAll } from "../engine.js";
import type { Dataset } from "../data/dataset.js";
import type { Model } from "../nn/model.js";
import { lineChartSvg } from "../plot/svg.js";
import { evalLoader, evaluate } from "../train/evaluate.js";
import { trainModel } from "../train/trainer.js";
import type { TrainOptions } from "../train/options.js";
import { calibrationBatches } from "./calibration.js";
import type { CrossbarOptions } from "./options.js";
import type { SimulatedHardware } from "./sim-base.js";
import { meanStd } from "./stats.js";

export interface SweepPoint {
  x: number;
  /** Mean test accuracy over the repeats. */
  accuracy: number;
  /** Sample standard deviation over the repeats (0 for one). */
  std: number;
  /** Other per-point figures, e.g. traffic bits. */
  extra?: Record<string, number>;
}

export interface SweepSeries {
  name: string;
  points: SweepPoint[];
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
export type HardwareKnob = "adcBits" | "progNoise" | "readNoise" | "levels";

export interface HardwareSweepOptions {
  runs: SweepRun[];
  knob: HardwareKnob;
  values: number[];
  /** Every other option, fixed while the knob varies. */
  base: CrossbarOptions;
  /** Calibration batches come from here (first batches, in order). */
  train: Dataset;
  test: Dataset;
  calibrationBatches: number;
  /** Simulation seeds per value (seed, seed + 1, ...): mean and std. */
  repeats: number;
  onPoint?(series: string, p: SweepPoint): void;
}

/**
 * Accuracy of each run on simulated hardware at each value of one knob.
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
  return o.runs.map((run) => {
    const calib = calibrationBatches(run.sim, o.train, o.calibrationBatches);
    const test = evalLoader(run.sim, o.test);
    const points = o.values.map((x) => {
      const accs: number[] = [];
      for (let r = 0; r < o.repeats; r++) {
        const opts: CrossbarOptions = { ...o.base, ...run.fixed, [o.knob]: x, seed: o.base.seed + r };
        run.sim.program(opts);
        run.sim.calibrate(calib);
        accs.push(evaluate(run.sim, test).accuracy);
      }
      const { mean, std } = meanStd(accs);
      const p: SweepPoint = { x, accuracy: mean, std: accs.length > 1 ? std : 0 };
      o.onPoint?.(run.name, p);
      return p;
    });
    return { name: run.name, points };
  });
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
  onPoint?(series: string, p: SweepPoint): void;
}

/**
 * Train and test one model per value. Releases all engine memory (freeAll)
 * before each model, so the caller must not hold tensors across the call.
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
  const points = o.values.map((x) => {
    freeAll();
    const model = o.make(x);
    trainModel(model, o.train, null, o.options);
    const r = evaluate(model, o.test);
    const p: SweepPoint = { x, accuracy: r.accuracy, std: 0, ...(o.extra ? { extra: o.extra(model) } : {}) };
    o.onPoint?.(o.name, p);
    return p;
  });
  return { name: o.name, points };
}

/** The series as CSV: series,value,accuracy,std then any extra columns. */
export function sweepCsv(series: SweepSeries[]): string {
  const extras = [...new Set(series.flatMap((s) => s.points.flatMap((p) => Object.keys(p.extra ?? {}))))];
  const rows = series.flatMap((s) =>
    s.points.map((p) => [JSON.stringify(s.name), p.x, p.accuracy, p.std, ...extras.map((k) => p.extra?.[k] ?? "")].join(",")),
  );
  return [["series", "value", "accuracy", "std", ...extras].join(","), ...rows].join("\n") + "\n";
}

/** Accuracy (%) against the knob, one line per series. */
export function sweepSvg(series: SweepSeries[], o: { title: string; xLabel: string; logX?: boolean }): string {
  return lineChartSvg({
    title: o.title,
    xLabel: o.xLabel,
    yLabel: "test accuracy (%)",
    logX: o.logX,
    series: series.map((s) => ({ name: s.name, points: s.points.map((p) => [p.x, p.accuracy * 100] as [number, number]) })),
  });
}
