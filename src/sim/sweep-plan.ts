// A sweep as a plan of independent, seeded tasks (one training or one simulated
// evaluation each), so that any subset can run anywhere: shards (--shard i/n
// takes every task whose index is i mod n), per-task result records (what
// `scrramble merge` reads back), and the aggregation of task results into
// series (mean, std, every run). Records name the build (kernels, version) that
// made them; merging refuses mixed builds and foreign sweeps. Pure data.

import { meanStd } from "./stats.js";

/** One independent run of a sweep. */
export interface SweepTask {
  /** Position in the plan, 0-based. */
  index: number;
  series: string;
  /** The knob's value. */
  x: number;
  /** A second knob (grid sweeps), else absent. */
  y?: number;
  /** Repeat 0..repeats-1 (a seed offset). */
  repeat: number;
}

export interface TaskResult extends SweepTask {
  accuracy: number;
  /** Other figures of this run, e.g. traffic bits. */
  extra?: Record<string, number>;
}

/** How the results are drawn (sweep-figures.ts). */
export interface FigureSpec {
  type: "line" | "box" | "heatmap" | "connectivity";
  title: string;
  xLabel: string;
  yLabel?: string;
  logX?: boolean;
  /** Heat maps: extra figures drawn as maps of their own, e.g. ["totalBits"]. */
  maps?: string[];
}

export interface SweepPlan {
  kind: string;
  /** Everything that determines the results (data, model, training, hardware settings). */
  settings: Record<string, unknown>;
  figure: FigureSpec;
  tasks: SweepTask[];
}

/** The build a result came from: kernel variant (their results differ in the last bits) and package version. */
export interface SweepBuild {
  kernels: string;
  version: string;
}

/** What one task's record holds (one JSON file per task). */
export interface PointRecord {
  format: "scrramble-sweep-point";
  /** Identifies the plan: kind, settings, figure and task list. */
  fingerprint: string;
  plan: SweepPlan;
  build: SweepBuild;
  result: TaskResult;
}

export interface SweepPoint {
  x: number;
  y?: number;
  /** Mean test accuracy over the repeats. */
  accuracy: number;
  /** Sample standard deviation over the repeats (0 for one). */
  std: number;
  /** Accuracy of every repeat, in repeat order. */
  runs: number[];
  /** Mean of each extra figure over the repeats. */
  extra?: Record<string, number>;
}

export interface SweepSeries {
  name: string;
  points: SweepPoint[];
}

/** FNV-1a (32 bit) of a string, as 8 hex digits. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** A digest of some bytes (e.g. a checkpoint file), FNV-1a over the bytes and their length. */
export function contentDigest(bytes: Uint8Array): string {
  let h = 0x811c9dc5,
    g = 0x811c9dc5 ^ bytes.length;
  for (let i = 0; i < bytes.length; i++) {
    h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
    g = Math.imul(g ^ bytes[bytes.length - 1 - i], 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0") + g.toString(16).padStart(8, "0");
}

/** A short stable id of a plan (the same plan in any process gives the same id). */
export function planFingerprint(plan: SweepPlan): string {
  const text = JSON.stringify(plan);
  return `${fnv1a(text)}${fnv1a(`${text.length}:${text}`)}`;
}

/**
 * Parse "i/n" (0 <= i < n).
 * @example parseShard("2/8"); // { index: 2, count: 8 }
 */
export function parseShard(s: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  const index = m ? Number(m[1]) : NaN,
    count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index < count)) throw new Error(`--shard must be i/n with 0 <= i < n, e.g. 0/4, got ${JSON.stringify(s)}`);
  return { index, count };
}

/** The tasks of shard i of n: every task whose index is i mod n (round robin, so costly values spread out). */
export function shardTasks(tasks: SweepTask[], shard: { index: number; count: number }): SweepTask[] {
  return tasks.filter((t) => t.index % shard.count === shard.index);
}

/**
 * Tasks for every series x value (x y value pair) x repeat, in that order.
 * @example planTasks(["ScRRAMBLe"], [{ x: 0.1 }, { x: 0.2 }], 3).length; // 6
 */
export function planTasks(series: string[], values: { x: number; y?: number }[], repeats: number): SweepTask[] {
  const tasks: SweepTask[] = [];
  for (const name of series)
    for (const v of values)
      for (let r = 0; r < repeats; r++)
        tasks.push({ index: tasks.length, series: name, x: v.x, ...(v.y !== undefined ? { y: v.y } : {}), repeat: r });
  return tasks;
}

/** Series from task results: one point per (series, x, y) in plan order, mean and std over repeats. */
export function aggregate(plan: SweepPlan, results: TaskResult[]): SweepSeries[] {
  const byIndex = new Map(results.map((r) => [r.index, r]));
  const series: SweepSeries[] = [];
  const groups = new Map<string, TaskResult[]>();
  for (const t of plan.tasks) {
    const r = byIndex.get(t.index);
    if (!r) throw new Error(`sweep ${plan.kind}: no result for task ${t.index} (${t.series}, ${t.x})`);
    const key = JSON.stringify([t.series, t.x, t.y ?? null]);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(r);
  }
  for (const rs of groups.values()) {
    const first = rs[0];
    let s = series.find((x) => x.name === first.series);
    if (!s) series.push((s = { name: first.series, points: [] }));
    const runs = rs.map((r) => r.accuracy);
    const { mean, std } = meanStd(runs);
    const keys = [...new Set(rs.flatMap((r) => Object.keys(r.extra ?? {})))];
    const extra = keys.length ? Object.fromEntries(keys.map((k) => [k, meanStd(rs.map((r) => r.extra?.[k] ?? NaN)).mean])) : undefined;
    s.points.push({
      x: first.x,
      ...(first.y !== undefined ? { y: first.y } : {}),
      accuracy: mean,
      std: runs.length > 1 ? std : 0,
      runs,
      ...(extra ? { extra } : {}),
    });
  }
  return series;
}

/** The record of one task's result. */
export function pointRecord(plan: SweepPlan, build: SweepBuild, result: TaskResult): PointRecord {
  return { format: "scrramble-sweep-point", fingerprint: planFingerprint(plan), plan, build, result };
}

/** Check a parsed record; `where` (the file) starts every message. */
export function checkPointRecord(raw: unknown, where: string): PointRecord {
  const r = raw as Partial<PointRecord>;
  if (typeof r !== "object" || r === null || r.format !== "scrramble-sweep-point") throw new Error(`${where}: not a sweep point record`);
  if (!r.plan || !Array.isArray(r.plan.tasks) || typeof r.fingerprint !== "string")
    throw new Error(`${where}: sweep point without its plan`);
  if (!r.build || typeof r.build.kernels !== "string" || typeof r.build.version !== "string")
    throw new Error(`${where}: sweep point without the build (kernels, version) that made it`);
  const t = r.result;
  if (!t || !Number.isInteger(t.index) || typeof t.accuracy !== "number") throw new Error(`${where}: sweep point without a result`);
  if (planFingerprint(r.plan) !== r.fingerprint) throw new Error(`${where}: the plan does not match its fingerprint (edited?)`);
  return r as PointRecord;
}

/**
 * Combine the records of one sweep (e.g. from several shards): one plan, one
 * build, every task present once. Returns the plan, build and results in plan order.
 * @example const { plan, build, results } = combineRecords(records.map((r) => [r, file]));
 */
export function combineRecords(records: [PointRecord, string][]): { plan: SweepPlan; build: SweepBuild; results: TaskResult[] } {
  if (records.length === 0) throw new Error("no sweep point records found");
  const [first, firstFile] = records[0];
  const results = new Map<number, TaskResult>();
  for (const [r, file] of records) {
    if (r.fingerprint !== first.fingerprint)
      throw new Error(
        `${file}: a point of another sweep (${r.plan.kind}, plan ${r.fingerprint}) than ${firstFile} ` +
          `(${first.plan.kind}, plan ${first.fingerprint})`,
      );
    if (r.build.kernels !== first.build.kernels || r.build.version !== first.build.version)
      throw new Error(
        `${file}: made by ${r.build.kernels} kernels, version ${r.build.version}, but ${firstFile} by ${first.build.kernels} kernels, ` +
          `version ${first.build.version}; mixed builds differ in the last bits, rerun the shard with one build (--simd)`,
      );
    const prev = results.get(r.result.index);
    if (prev && JSON.stringify(prev) !== JSON.stringify(r.result))
      throw new Error(`${file}: task ${r.result.index} has two different results`);
    results.set(r.result.index, r.result);
  }
  const missing = first.plan.tasks.filter((t) => !results.has(t.index)).map((t) => t.index);
  if (missing.length)
    throw new Error(
      `sweep ${first.plan.kind}: ${missing.length} of ${first.plan.tasks.length} tasks have no result ` +
        `(first missing: ${missing.slice(0, 8).join(", ")}); run the missing shards first`,
    );
  return { plan: first.plan, build: first.build, results: first.plan.tasks.map((t) => results.get(t.index)!) };
}
