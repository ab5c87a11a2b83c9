// The training sweeps of the paper's experiments as plans: one model trained per
// task, the knob (p, slot size, core count, slot size x p, routing seed) applied
// to the model config, repeats as seed offsets (--vary routing | init | all),
// the dense comparison networks of equal neurons and equal parameters, and the
// per-model figures (traffic, overhead, fan-in, parameters). Kind-neutral: model
// configs go through the registry; only config keys are named here.

import { modelEntry } from "../nn/registry.js";
import type { Model } from "../nn/model.js";
import type { TrainOptions } from "../train/options.js";
import { ACCOUNTING_DEFAULTS, scrrambleNetwork } from "./accounting.js";
import { overheadModel } from "./overhead.js";
import { planTasks, type FigureSpec, type SweepPlan, type SweepTask } from "./sweep-plan.js";

export const TRAINING_SWEEPS = ["p", "slot-size", "cores", "seeds", "grid", "connectivity"] as const;
export type TrainingSweepKind = (typeof TRAINING_SWEEPS)[number];
export const SEED_VARY = ["routing", "init", "all"] as const;
export type SeedVary = (typeof SEED_VARY)[number];

export interface TrainingSweepSpec {
  kind: TrainingSweepKind;
  /** The knob's values: p, slot size, total ScRRAMBLe cores (hidden + output) or routing seeds; grid: p. */
  values: number[];
  /** Grid: the slot sizes. */
  values2?: number[];
  /** Models per value (seed offsets 0..repeats-1 on the --vary seeds). */
  repeats: number;
  /** Which seeds a repeat (or, for `seeds`, the value) changes; kinds without routing vary their init seed for "routing". */
  vary: SeedVary;
  /** The base model: a registry kind and a validated config. */
  model: { kind: string; config: Record<string, unknown> };
  train: TrainOptions;
  /** Data description (part of the settings: it determines the results). */
  data: string;
}

const FIGURES: Record<TrainingSweepKind, FigureSpec> = {
  p: { type: "line", title: "accuracy vs connection probability p", xLabel: "p" },
  "slot-size": { type: "line", title: "accuracy vs slot size", xLabel: "slot size s", logX: true },
  cores: { type: "line", title: "accuracy vs ScRRAMBLe cores (hidden + output)", xLabel: "cores" },
  seeds: { type: "box", title: "accuracy over routing seeds", xLabel: "seed" },
  grid: {
    type: "heatmap",
    title: "accuracy, slot size x p",
    xLabel: "p",
    yLabel: "slot size s",
    maps: ["totalBits", "overhead"],
  },
  connectivity: {
    type: "connectivity",
    title: "accuracy vs average slot connectivity, beside dense networks",
    xLabel: "average slot connectivity (net +1 routes per destination slot)",
  },
};

/** Widths of a dense network with the model's layer widths (equal neurons). */
export function equalNeuronSizes(cores: number[], coreSize: number): number[] {
  return cores.map((c) => c * coreSize);
}

/** Weights and biases of a dense network of these widths. */
export function denseParams(sizes: number[]): number {
  let n = 0;
  for (let i = 0; i + 1 < sizes.length; i++) n += sizes[i] * sizes[i + 1] + sizes[i + 1];
  return n;
}

/**
 * Widths of a dense network with about `params` weights and biases: the input
 * and output widths kept, every hidden width scaled by one factor (found by bisection).
 * @example equalParamSizes([1024, 12800, 2560], 60 * 256 * 256); // [1024, 1097, 2560]
 */
export function equalParamSizes(widths: number[], params: number): number[] {
  const sized = (f: number) => widths.map((w, i) => (i === 0 || i === widths.length - 1 ? w : Math.max(1, Math.round(w * f))));
  let lo = 0,
    hi = 1;
  while (denseParams(sized(hi)) < params && hi < 1e6) hi *= 2;
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2;
    if (denseParams(sized(mid)) < params) lo = mid;
    else hi = mid;
  }
  const a = sized(lo),
    b = sized(hi);
  return Math.abs(denseParams(a) - params) <= Math.abs(denseParams(b) - params) ? a : b;
}

interface DenseComparison {
  name: string;
  sizes: number[];
}

function denseComparisons(spec: TrainingSweepSpec): DenseComparison[] {
  const c = spec.model.config as { cores: number[]; coreSize: number };
  const widths = equalNeuronSizes(c.cores, c.coreSize);
  const params = c.cores.slice(1).reduce((a, k) => a + k * c.coreSize * c.coreSize, 0);
  const eqParams = equalParamSizes(widths, params);
  return [
    { name: `dense, equal neurons (${widths.join("-")})`, sizes: widths },
    { name: `dense, equal parameters (${eqParams.join("-")})`, sizes: eqParams },
  ];
}

/** The series of a sweep: the model's kind, and for `connectivity` the two dense networks. */
function seriesOf(spec: TrainingSweepSpec): string[] {
  return [spec.model.kind, ...(spec.kind === "connectivity" ? denseComparisons(spec).map((d) => d.name) : [])];
}

/**
 * The plan of a training sweep: every (series, value, repeat) one task.
 * @example trainingPlan({ kind: "p", values: [0.1, 0.2], repeats: 3, vary: "routing", model, train, data }).tasks.length; // 6
 */
export function trainingPlan(spec: TrainingSweepSpec): SweepPlan {
  if (spec.kind === "seeds" && spec.repeats !== 1)
    throw new Error("sweep seeds: the values are the seeds; --seeds N applies to the other sweeps");
  if (spec.kind === "grid" && !spec.values2?.length)
    throw new Error("sweep grid needs slot sizes (--slot-size LIST) and p values (--p LIST)");
  const series = seriesOf(spec);
  const values = spec.kind === "grid" ? spec.values2!.flatMap((y) => spec.values.map((x) => ({ x, y }))) : spec.values.map((x) => ({ x }));
  const tasks: SweepTask[] = planTasks([series[0]], values, spec.repeats);
  for (const name of series.slice(1))
    for (let r = 0; r < spec.repeats; r++) tasks.push({ index: tasks.length, series: name, x: 1, repeat: r });
  const plan: SweepPlan = {
    kind: spec.kind,
    settings: { model: spec.model, train: spec.train, data: spec.data, repeats: spec.repeats, vary: spec.vary },
    figure: FIGURES[spec.kind],
    tasks,
  };
  for (const t of plan.tasks) taskSetup(spec, t); // every task's config is checked before anything trains
  return plan;
}

/** The model (kind, validated config) and training settings of one task. */
export function taskSetup(spec: TrainingSweepSpec, t: SweepTask): { kind: string; config: Record<string, unknown>; train: TrainOptions } {
  const base = spec.model.config;
  const dense = spec.kind === "connectivity" ? denseComparisons(spec).find((d) => d.name === t.series) : undefined;
  let kind = spec.model.kind;
  let config: Record<string, unknown> = { ...base };
  if (dense) {
    kind = "dense-baseline";
    const classes = base.classes as number;
    const last = dense.sizes[dense.sizes.length - 1];
    config = { ...modelEntry(kind).defaults, sizes: dense.sizes, classes, groupSize: Math.floor(last / classes), initSeed: base.initSeed };
  } else {
    const need = (key: string) => {
      if (!(key in base)) throw new Error(`sweep ${spec.kind} varies "${key}"; model kind ${kind} has no such setting`);
    };
    if (spec.kind === "p" || spec.kind === "connectivity" || spec.kind === "grid") (need("p"), (config.p = t.x));
    if (spec.kind === "slot-size") (need("slotSize"), (config.slotSize = t.x));
    if (spec.kind === "grid") (need("slotSize"), (config.slotSize = t.y));
    if (spec.kind === "cores") {
      need("cores");
      const cores = base.cores as number[];
      if (cores.length !== 3) throw new Error(`sweep cores varies the one hidden layer of --cores IN,HIDDEN,OUT; got ${cores.join(",")}`);
      const hidden = t.x - cores[2];
      if (!(hidden >= 1)) throw new Error(`sweep cores: ${t.x} cores leave no hidden layer beside the ${cores[2]} output cores`);
      config.cores = [cores[0], hidden, cores[2]];
    }
  }
  const train = { ...spec.train };
  const offset = (seed: unknown) => (spec.kind === "seeds" ? t.x : (seed as number) + t.repeat);
  const hasRouting = "routingSeed" in config;
  if ((spec.vary === "routing" && hasRouting) || spec.vary === "all") if (hasRouting) config.routingSeed = offset(config.routingSeed);
  if (spec.vary === "init" || spec.vary === "all" || (spec.vary === "routing" && !hasRouting)) config.initSeed = offset(config.initSeed);
  if (spec.vary === "all") train.seed = offset(train.seed);
  const e = modelEntry(kind);
  const resolved = e.resolve({ ...config }) as Record<string, unknown>;
  e.validate(resolved, `sweep ${spec.kind} task ${t.index} (${t.series}, ${t.x}${t.y !== undefined ? `, ${t.y}` : ""})`);
  return { kind, config: resolved, train };
}

/**
 * Figures of a trained model besides accuracy: parameters; for routed models the
 * traffic (total bits, packets) of docs/accounting.md, the slides' overhead O and
 * the average slot connectivity fanIn: the positive routing coefficients (net of
 * +1 / -1 cancellation) per destination slot, about (1 - cancellations) S_src K p.
 */
export function modelFigures(model: Model): Record<string, number> {
  const params = model.parameters().reduce((a, p) => a + p.size, 0);
  const net = model.routedNetwork?.();
  if (!net) return { params };
  const traffic = scrrambleNetwork(net.routings, { ...ACCOUNTING_DEFAULTS, coreSize: net.coreSize });
  let plus = 0,
    dstSlots = 0;
  for (const r of net.routings) {
    dstSlots += r.dstCores * r.slotsPerCore;
    for (const c of r.coef) if (c > 0) plus += c;
  }
  return {
    params,
    totalBits: traffic.total.totalBits,
    packets: traffic.total.packets,
    overhead: overheadModel(net).overhead,
    fanIn: plus / dstSlots,
  };
}
