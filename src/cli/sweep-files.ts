// The files of a sweep on disk: one JSON record per task under
// DIR/sweep-KIND.points/ (written atomically, read back to resume or merge),
// the finished sweep's data files and figures, and sweep-KIND.run.json with the
// timings (kept out of the data files, so merged and unsharded sweeps match byte
// for byte). Commands only: the records and renderings are the library's.

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { engine } from "../engine.js";
import { VERSION } from "../version.js";
import {
  checkPointRecord,
  combineRecords,
  contentDigest,
  planFingerprint,
  pointRecord,
  type PointRecord,
  type SweepBuild,
  type SweepPlan,
  type TaskResult,
} from "../sim/sweep-plan.js";
import { sweepFiles, type SweepData } from "../sim/sweep-figures.js";
import { checkpointPath } from "../node/checkpoint-file.js";
import { writeFileAtomic } from "../node/atomic.js";
import { UsageError } from "./args.js";

/** The build this process runs: kernel variant and package version. */
export function currentBuild(): SweepBuild {
  return { kernels: engine().variant, version: VERSION };
}

/** A checkpoint as the settings of a sweep name it: its file name and a digest of its bytes (paths differ between machines). */
export function checkpointDigest(path: string): { file: string; digest: string } {
  const file = checkpointPath(path);
  return { file: file.split(/[\\/]/).pop()!, digest: contentDigest(readFileSync(file)) };
}

export const pointsDir = (out: string, kind: string) => join(out, `sweep-${kind}.points`);

function readRecord(file: string): PointRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: not a readable JSON sweep point (${(e as Error).message.split("\n")[0]})`);
  }
  return checkPointRecord(raw, file);
}

/** Every record file under a folder: its sweep-*.points/ folders, or the folder itself when it is one. */
export function recordFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir}: no such folder`);
  const dirs = dir.endsWith(".points")
    ? [dir]
    : readdirSync(dir)
        .filter((d) => d.startsWith("sweep-") && d.endsWith(".points"))
        .map((d) => join(dir, d));
  return dirs.flatMap((d) =>
    readdirSync(d)
      .filter((f) => /^\d+\.json$/.test(f))
      .sort()
      .map((f) => join(d, f)),
  );
}

/**
 * The results already recorded in `out` for this plan (to resume). Records of
 * another plan or build in the same folder are refused, never overwritten.
 */
export function loadDone(out: string, plan: SweepPlan, build: SweepBuild): Map<number, TaskResult> {
  const done = new Map<number, TaskResult>();
  const dir = pointsDir(out, plan.kind);
  if (!existsSync(dir)) return done;
  const fp = planFingerprint(plan);
  for (const file of recordFiles(dir)) {
    const r = readRecord(file);
    if (r.fingerprint !== fp)
      throw new UsageError(`${file} records another sweep ${plan.kind} (other settings or values); use another --out or remove ${dir}`);
    if (r.build.kernels !== build.kernels || r.build.version !== build.version)
      throw new UsageError(
        `${file} was made by ${r.build.kernels} kernels, version ${r.build.version}; this run uses ${build.kernels}, ` +
          `version ${build.version}: use the same build (--simd) or another --out`,
      );
    done.set(r.result.index, r.result);
  }
  return done;
}

/** Write one task's record (atomically). */
export function recordTask(out: string, plan: SweepPlan, build: SweepBuild, r: TaskResult): void {
  const dir = pointsDir(out, plan.kind);
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, `${String(r.index).padStart(5, "0")}.json`), JSON.stringify(pointRecord(plan, build, r)) + "\n");
}

/** Write a complete sweep's data files and figures into `out`; returns the file names. */
export function writeSweep(out: string, plan: SweepPlan, build: SweepBuild, results: TaskResult[]): { files: string[]; data: SweepData } {
  const files = sweepFiles(plan, build, results);
  mkdirSync(out, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileAtomic(join(out, name), text);
  return { files: Object.keys(files), data: JSON.parse(files[`sweep-${plan.kind}.json`]) as SweepData };
}

/**
 * After a run: when every task of the plan is recorded in `out`, write the
 * sweep's files there (from the records, exactly as merge would) and the
 * timings beside them; otherwise only the timings of this shard.
 */
export function finishSweep(
  out: string,
  plan: SweepPlan,
  build: SweepBuild,
  timing: Record<string, unknown>,
): { files: string[]; data: SweepData } | null {
  const done = loadDone(out, plan, build);
  const shardNote = String(timing.shard).replace("/", "-of-");
  const complete = plan.tasks.every((t) => done.has(t.index));
  writeFileAtomic(
    join(out, `sweep-${plan.kind}.run${complete && timing.shard === "0/1" ? "" : `-shard-${shardNote}`}.json`),
    JSON.stringify({ kind: plan.kind, build, ...timing }, null, 2) + "\n",
  );
  if (!complete) return null;
  return writeSweep(
    out,
    plan,
    build,
    plan.tasks.map((t) => done.get(t.index)!),
  );
}

/**
 * Merge the records found under several folders (shards) into complete sweeps,
 * one per kind: the same files an unsharded run writes.
 */
export function mergeSweeps(dirs: string[], out: string): { kind: string; files: string[]; tasks: number }[] {
  const byKind = new Map<string, [PointRecord, string][]>();
  for (const dir of dirs)
    for (const file of recordFiles(dir)) {
      const r = readRecord(file);
      if (!byKind.has(r.plan.kind)) byKind.set(r.plan.kind, []);
      byKind.get(r.plan.kind)!.push([r, file]);
    }
  if (byKind.size === 0) throw new Error(`no sweep records (sweep-KIND.points/NNNNN.json) under ${dirs.join(", ")}`);
  return [...byKind.entries()].map(([kind, records]) => {
    const { plan, build, results } = combineRecords(records);
    const w = writeSweep(out, plan, build, results);
    return { kind, files: w.files, tasks: results.length };
  });
}
