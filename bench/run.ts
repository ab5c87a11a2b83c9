// `npm run bench`: tinybench over the GEMM kernels (single thread) and the model
// steps (one thread, then two), then the edge bundle's batch-1 latency in rounds
// interleaved with PyTorch's (median and p90). Prints tables, then one JSON line per case. With --torch,
// also runs the PyTorch anchor (../shared/anchors/torch_scrramble.py) for training and prints our/their
// ratio. Run alone: never beside another benchmark.

import v8 from "node:v8";
v8.setFlagsFromString("--experimental-wasm-relaxed-simd");

import { Bench } from "tinybench";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { engine, initEngine } from "../src/engine.js";
import { spawnNodeWorker } from "../src/node/threads.js";
import { addGemmCases } from "./gemm.js";
import { addStepCases } from "./train-step.js";
import { bundleLatency } from "./bundle-latency.js";

const quick = process.argv.includes("--quick");
const bench = new Bench({ time: quick ? 300 : 1500, warmupTime: quick ? 100 : 300 });
const gemm = addGemmCases(bench);
const steps = addStepCases(bench);
await bench.run();
// The model cases again on two threads (worker over a shared memory).
initEngine({ threads: 2, spawnWorker: spawnNodeWorker });
const bench2 = new Bench({ time: quick ? 300 : 1500, warmupTime: quick ? 100 : 300 });
const steps2 = addStepCases(bench2, "2 threads");
await bench2.run();
engine().pool?.close();
steps.push(...steps2);
const tasks = [...bench.tasks, ...bench2.tasks];

const rows: Record<string, unknown>[] = [];
for (const task of tasks) {
  const r = task.result as { latency?: { p50: number; mean: number }; error?: Error; state?: string };
  if (!r?.latency) throw new Error(`${task.name}: no result (${r?.error?.message ?? r?.state})`);
  const ms = r.latency.p50;
  const g = gemm.find((c) => c.name === task.name);
  const s = steps.find((c) => c.name === task.name);
  const row: Record<string, unknown> = {
    bench: task.name,
    medianMs: +ms.toFixed(4),
    runs: (task.result as { latency: { samplesCount?: number } }).latency.samplesCount,
  };
  if (g) row.gflops = +(g.flops / (ms * 1e6)).toFixed(2);
  if (s) row.samplesPerSec = +((s.samples * 1000) / ms).toFixed(1);
  row.kernels = g ? g.variant : engine().variant;
  row.threads = task.name.includes("2 threads") ? 2 : 1;
  rows.push(row);
}
console.table(
  rows.map((r) => ({
    case: r.bench,
    "median ms": r.medianMs,
    "GFLOP/s": r.gflops ?? "",
    "samples/s": r.samplesPerSec ?? "",
    kernels: r.kernels,
  })),
);

const anchor = new URL("../../../shared/anchors/torch_scrramble.py", import.meta.url).pathname;
if (process.argv.includes("--torch")) {
  if (!existsSync(anchor) || !existsSync("/usr/bin/python3")) {
    console.error(`--torch: ${anchor} or /usr/bin/python3 missing`);
  } else {
    const env = { ...process.env, LD_LIBRARY_PATH: "/usr/lib/x86_64-linux-gnu/openblas-openmp" };
    const cases: [string, string[], string][] = [
      ["scrramble", ["train", "--model", "scrramble", "--routing", "dense", "--threads", "1"], "train step scrramble"],
      ["dense", ["train", "--model", "dense", "--threads", "1"], "train step dense"],
      ["scrramble", ["infer", "--model", "scrramble", "--routing", "dense", "--threads", "1", "--batch", "1"], "inference scrramble"],
      ["dense", ["infer", "--model", "dense", "--threads", "1", "--batch", "1"], "inference dense"],
      [
        "scrramble",
        ["train", "--model", "scrramble", "--routing", "dense", "--threads", "2"],
        "train step scrramble 4-50-10 (batch 64, 2 threads)",
      ],
      ["dense", ["train", "--model", "dense", "--threads", "2"], "train step dense 1024-2048-512-256 (batch 64, 2 threads)"],
    ];
    for (const [model, args, ours] of cases) {
      try {
        const out = execFileSync("/usr/bin/python3", [anchor, ...args], { env, encoding: "utf8" });
        const t = JSON.parse(out.trim().split("\n").pop()!);
        const mine = rows.find((r) => String(r.bench).startsWith(ours) && (ours.includes("threads") || r.threads === 1));
        const theirs = t.samples_per_s?.median ?? t.samples_per_s;
        const threads = args[args.indexOf("--threads") + 1];
        const row = {
          bench:
            `torch ${args[0]} ${model} (${threads} thread${threads === "1" ? "" : "s"}, ` +
            `OpenBLAS${args.includes("--batch") ? ", batch 1" : ""})`,
          torch: t,
          ratio: mine && theirs ? +(Number(mine.samplesPerSec) / Number(theirs)).toFixed(3) : null,
        };
        rows.push(row);
        console.log(`${row.bench}: ${JSON.stringify(theirs)} samples/s; ours/theirs = ${row.ratio}`);
      } catch (e) {
        console.error(`--torch ${args.join(" ")}: ${(e as Error).message.split("\n")[0]}`);
      }
    }
  }
}
// Batch-1 latency of the edge bundle, interleaved with PyTorch's (always, when python3-torch is installed).
const latency = await bundleLatency({ rounds: quick ? 3 : 7, calls: quick ? 300 : 1000, anchor });
console.table(latency.map((r) => ({ case: r.bench, "median ms": r.medianMs, "p90 ms": r.p90Ms, calls: r.calls })));
const torchRow = latency.find((r) => r.bench.startsWith("PyTorch"));
for (const r of latency) {
  const row: Record<string, unknown> = { ...r };
  if (torchRow && r !== torchRow) row.speedupVsTorch = +(torchRow.medianMs / r.medianMs).toFixed(2);
  rows.push(row);
}
if (torchRow)
  for (const r of latency.filter((x) => x !== torchRow))
    console.log(`${r.bench}: ${(torchRow.medianMs / r.medianMs).toFixed(1)}x faster than PyTorch (median, same interleaved run)`);
for (const r of rows) console.log(JSON.stringify(r));
