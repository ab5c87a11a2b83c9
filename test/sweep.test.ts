// Sweeps as plans of independent tasks: shards partition the tasks, records
// combine back into the plan's results (refusing mixed builds, foreign sweeps,
// missing or conflicting tasks), aggregation (mean, sample std, every run) and
// the rendered files are deterministic; training-sweep tasks vary the right
// knob and seeds; dense comparison networks have equal neurons / parameters.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  aggregate,
  combineRecords,
  contentDigest,
  parseShard,
  planFingerprint,
  planTasks,
  pointRecord,
  shardTasks,
  checkPointRecord,
  type SweepPlan,
  type TaskResult,
} from "../src/sim/sweep-plan.js";
import { sweepFiles } from "../src/sim/sweep-figures.js";
import { denseParams, equalParamSizes, taskSetup, trainingPlan, type TrainingSweepSpec } from "../src/sim/sweep-training.js";
import { modelConfig } from "../src/nn/registry.js";
import { TRAIN_DEFAULTS } from "../src/train/options.js";
import { VERSION } from "../src/version.js";
import { boxStats, quantile } from "../src/plot/boxplot.js";

const plan = (): SweepPlan => ({
  kind: "p",
  settings: { a: 1 },
  figure: { type: "line", title: "t", xLabel: "p" },
  tasks: planTasks(["A", "B"], [{ x: 0.1 }, { x: 0.2 }, { x: 0.5 }], 3),
});
const fake = (p: SweepPlan): TaskResult[] =>
  p.tasks.map((t) => ({ ...t, accuracy: 0.5 + t.x / 2 + t.repeat / 100 + (t.series === "B" ? 0.01 : 0), extra: { bits: 1000 * t.x } }));
const build = { kernels: "relaxed", version: VERSION };

test("version matches package.json", () => {
  const pkg = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "..", "package.json"), "utf8"));
  assert.is(VERSION, pkg.version);
});

test("tasks: series x values x repeats in order; shards partition them round robin", () => {
  const p = plan();
  assert.is(p.tasks.length, 18);
  assert.equal(p.tasks[4], { index: 4, series: "A", x: 0.2, repeat: 1 });
  for (const n of [1, 3, 4, 18, 25]) {
    const parts = Array.from({ length: n }, (_, i) => shardTasks(p.tasks, { index: i, count: n }).map((t) => t.index));
    assert.equal(
      parts.flat().sort((a, b) => a - b),
      p.tasks.map((t) => t.index),
      `${n} shards cover every task once`,
    );
    parts.forEach((ix, i) => assert.ok(ix.every((k) => k % n === i)));
  }
  assert.equal(parseShard("2/8"), { index: 2, count: 8 });
  for (const bad of ["8/8", "1", "-1/3", "a/b", "0/0"]) assert.throws(() => parseShard(bad), /--shard must be i\/n/);
});

test("aggregate: mean and sample std over repeats, every run kept, extras averaged", () => {
  const p = plan();
  const s = aggregate(p, fake(p));
  assert.equal(
    s.map((x) => x.name),
    ["A", "B"],
  );
  const pt = s[0].points[1];
  assert.is(pt.x, 0.2);
  assert.equal(pt.runs, [0.6, 0.61, 0.62]);
  assert.ok(Math.abs(pt.accuracy - 0.61) < 1e-12);
  assert.ok(Math.abs(pt.std - 0.01) < 1e-12, `sample std ${pt.std}`);
  assert.is(pt.extra!.bits, 200);
  assert.throws(() => aggregate(p, fake(p).slice(1)), /no result for task 0/);
});

test("records: fingerprint, build, check; combine refuses mixed builds, other sweeps, missing and conflicting tasks", () => {
  const p = plan();
  const res = fake(p);
  const recs = res.map((r, i) => [pointRecord(p, build, r), `f${i}`] as [ReturnType<typeof pointRecord>, string]);
  assert.is(planFingerprint(p), planFingerprint(JSON.parse(JSON.stringify(p))));
  assert.is.not(planFingerprint(p), planFingerprint({ ...p, settings: { a: 2 } }));
  const back = combineRecords([...recs].reverse());
  assert.equal(back.results, res);
  assert.equal(back.build, build);
  const mixed = recs.map(([r, f], i) => [i === 5 ? { ...r, build: { ...build, kernels: "simd128" } } : r, f] as (typeof recs)[number]);
  assert.throws(() => combineRecords(mixed), /f5: made by simd128 kernels.*mixed builds/);
  const older = recs.map(([r, f], i) => [i === 2 ? { ...r, build: { ...build, version: "0.0.9" } } : r, f] as (typeof recs)[number]);
  assert.throws(() => combineRecords(older), /version 0.0.9/);
  const other = { ...p, settings: { a: 2 } };
  assert.throws(() => combineRecords([...recs, [pointRecord(other, build, res[0]), "g"]]), /g: a point of another sweep/);
  assert.throws(() => combineRecords(recs.slice(3)), /3 of 18 tasks have no result \(first missing: 0, 1, 2\)/);
  const twice = [...recs, [pointRecord(p, build, { ...res[4], accuracy: 0.1 }), "h"] as (typeof recs)[number]];
  assert.throws(() => combineRecords(twice), /h: task 4 has two different results/);
  assert.throws(() => checkPointRecord({ format: "x" }, "z.json"), /z.json: not a sweep point record/);
  const edited = JSON.parse(JSON.stringify(recs[0][0]));
  edited.plan.settings.a = 7;
  assert.throws(() => checkPointRecord(edited, "e.json"), /does not match its fingerprint/);
  assert.is(contentDigest(new Uint8Array([1, 2, 3])), contentDigest(new Uint8Array([1, 2, 3])));
  assert.is.not(contentDigest(new Uint8Array([1, 2, 3])), contentDigest(new Uint8Array([3, 2, 1])));
});

test("sweep files: deterministic bytes, runs CSV, no timings; box plot, heat maps and error bars", () => {
  const p = plan();
  const a = sweepFiles(p, build, fake(p));
  const b = sweepFiles(JSON.parse(JSON.stringify(p)), build, fake(p));
  assert.equal(a, b);
  assert.equal(Object.keys(a), ["sweep-p.csv", "sweep-p-runs.csv", "sweep-p.json", "sweep-p.svg"]);
  assert.is(a["sweep-p.csv"].split("\n")[0], "series,value,accuracy,std,repeats,bits");
  assert.is(a["sweep-p-runs.csv"].trim().split("\n").length, 19);
  assert.not.match(a["sweep-p.json"], /seconds|threads/);
  assert.match(a["sweep-p.json"], /"kernels": "relaxed"/);
  assert.is((a["sweep-p.svg"].match(/class="error-bar"/g) ?? []).length, 6);
  const box = sweepFiles({ ...p, kind: "seeds", figure: { type: "box", title: "seeds", xLabel: "seed" } }, build, fake(p));
  assert.is((box["sweep-seeds.svg"].match(/class="box"/g) ?? []).length, 2);
  const summary = JSON.parse(box["sweep-seeds.json"]).summary;
  assert.is(summary[0].runs, 9);
  const grid: SweepPlan = {
    kind: "grid",
    settings: {},
    figure: { type: "heatmap", title: "g", xLabel: "p", yLabel: "s", maps: ["bits"] },
    tasks: planTasks(
      ["A"],
      [16, 64].flatMap((y) => [0.1, 0.2, 0.5].map((x) => ({ x, y }))),
      1,
    ),
  };
  const g = sweepFiles(grid, build, fake(grid));
  assert.equal(Object.keys(g), ["sweep-grid.csv", "sweep-grid-runs.csv", "sweep-grid.json", "sweep-grid.svg", "sweep-grid-bits.svg"]);
  assert.is(g["sweep-grid.csv"].split("\n")[0], "series,value,value2,accuracy,std,repeats,bits");
  assert.is((g["sweep-grid.svg"].match(/class="cell"/g) ?? []).length, 6);
});

test("box statistics: type-7 quantiles, whiskers, outliers", () => {
  assert.is(quantile([1, 2, 3, 4], 0.25), 1.75);
  assert.is(quantile([1, 2, 3, 4], 0.5), 2.5);
  const s = boxStats([5, 1, 2, 3, 4, 100]);
  assert.equal([s.min, s.q1, s.median, s.q3, s.max], [1, 2.25, 3.5, 4.75, 100]);
  assert.equal(s.outliers, [100]);
  assert.is(s.high, 5);
});

const ctx = { classes: 10, seed: 3, input: { height: 28, width: 28, channels: 1 } };
const scr = modelConfig("scrramble", { cores: "16,6,10", "core-size": "64", "slot-size": "16" }, ctx) as {
  kind: string;
  config: Record<string, unknown>;
};
const spec = (o: Partial<TrainingSweepSpec>): TrainingSweepSpec => ({
  kind: "p",
  values: [0.1, 0.3],
  repeats: 2,
  vary: "routing",
  model: scr,
  train: { ...TRAIN_DEFAULTS, seed: 3 },
  data: "d",
  ...o,
});

test("training tasks: the knob lands in the config; repeats vary the chosen seeds; sweep seeds takes the value as the seed", () => {
  const s = spec({});
  const p = trainingPlan(s);
  assert.is(p.tasks.length, 4);
  const t3 = taskSetup(s, p.tasks[3]);
  assert.is(t3.config.p, 0.3);
  assert.equal([t3.config.routingSeed, t3.config.initSeed, t3.train.seed], [4, 3, 3]);
  const si = spec({ vary: "init" });
  const i3 = taskSetup(si, trainingPlan(si).tasks[3]);
  assert.equal([i3.config.routingSeed, i3.config.initSeed, i3.train.seed], [3, 4, 3]);
  const sa = spec({ vary: "all" });
  const a3 = taskSetup(sa, trainingPlan(sa).tasks[3]);
  assert.equal([a3.config.routingSeed, a3.config.initSeed, a3.train.seed], [4, 4, 4]);
  const seeds = spec({ kind: "seeds", values: [7, 8, 9], repeats: 1 });
  const sp = trainingPlan(seeds);
  assert.equal(
    sp.tasks.map((t) => taskSetup(seeds, t).config.routingSeed),
    [7, 8, 9],
  );
  assert.ok(sp.tasks.every((t) => taskSetup(seeds, t).config.initSeed === 3));
  assert.throws(() => trainingPlan({ ...seeds, repeats: 2 }), /--seeds N applies to the other sweeps/);
  const ss = spec({ kind: "slot-size", values: [8, 32], repeats: 1 });
  assert.is(taskSetup(ss, trainingPlan(ss).tasks[1]).config.slotSize, 32);
  assert.throws(() => trainingPlan(spec({ kind: "slot-size", values: [24], repeats: 1 })), /slot size 24 does not divide/);
  const cores = spec({ kind: "cores", values: [12, 30], repeats: 1 });
  assert.equal(taskSetup(cores, trainingPlan(cores).tasks[1]).config.cores, [16, 20, 10]);
  assert.throws(() => trainingPlan(spec({ kind: "cores", values: [10], repeats: 1 })), /leave no hidden layer/);
  const grid = spec({ kind: "grid", values: [0.1, 0.2], values2: [8, 16], repeats: 1 });
  const gp = trainingPlan(grid);
  assert.equal(
    gp.tasks.map((t) => [taskSetup(grid, t).config.p, taskSetup(grid, t).config.slotSize]),
    [
      [0.1, 8],
      [0.2, 8],
      [0.1, 16],
      [0.2, 16],
    ],
  );
});

test("connectivity: dense networks of equal neurons and of equal parameters, trained in the same plan", () => {
  const s = spec({ kind: "connectivity", values: [0.2, 0.5], repeats: 1 });
  const p = trainingPlan(s);
  assert.equal(
    [...new Set(p.tasks.map((t) => t.series))],
    ["scrramble-mlp", "dense, equal neurons (1024-384-640)", "dense, equal parameters (1024-39-640)"],
  );
  const dense = taskSetup(s, p.tasks[2]);
  assert.is(dense.kind, "dense-baseline");
  assert.equal(dense.config.sizes, [1024, 384, 640]);
  assert.is(dense.config.groupSize, 64);
  const eq = taskSetup(s, p.tasks[3]).config.sizes as number[];
  const target = 16 * 64 * 64; // the ScRRAMBLe weights: 6 + 10 cores of 64 x 64
  assert.ok(Math.abs(denseParams(eq) - target) <= 1024 + 640 + 1, `${denseParams(eq)} vs ${target}`);
  const big = equalParamSizes([1024, 12800, 2560], 60 * 65536);
  assert.is(big[0], 1024);
  assert.is(big[2], 2560);
  assert.ok(Math.abs(denseParams(big) - 60 * 65536) < 3600, `${big}`);
});

test.run();
