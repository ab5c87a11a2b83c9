// `npm run bench`: tinybench over the GEMM kernels and the full-size 3 x 3 convolutions (single thread),
// the model steps (one thread, then two: ScRRAMBLe MLP, dense baseline, ScRRAMBLe-ResNet full size and
// small) and the memory of a full-size ResNet step. Prints a table, then one JSON line per case. With
// --torch, also runs the PyTorch anchors (../shared/anchors/torch_scrramble.py, torch_resnet.py) in the
// same session and prints our/their ratio. Run alone: never beside another benchmark.

import v8 from "node:v8";
v8.setFlagsFromString("--experimental-wasm-relaxed-simd");

import { Bench } from "tinybench";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { endStep, engine, initEngine } from "../src/engine.js";
import { spawnNodeWorker } from "../src/node/threads.js";
import { addGemmCases } from "./gemm.js";
import { addStepCases } from "./train-step.js";
import { addConvCases, addResnetStepCases, fullSizeStepMemory, type ResnetCase } from "./resnet.js";

const quick = process.argv.includes("--quick");
const timed = () => new Bench({ time: quick ? 300 : 1500, warmupTime: quick ? 100 : 300 });
/** Slow cases (a training step of a ResNet): a fixed, small number of iterations. */
const few = (n: number) => new Bench({ time: 0, iterations: n, warmupTime: 0, warmupIterations: 1 });
const bench = timed();
const gemm = addGemmCases(bench);
const steps = addStepCases(bench);
await bench.run();
const convs = few(quick ? 3 : 8);
const resnet: ResnetCase[] = addConvCases(convs);
await convs.run();
endStep(); // the convolution cases' tensors are step tensors: release them before models are built
const small1 = few(quick ? 2 : 6);
resnet.push(...addResnetStepCases(small1, "small", "1 thread"));
await small1.run();
const full1 = few(quick ? 1 : 2);
resnet.push(...addResnetStepCases(full1, "full", "1 thread"));
await full1.run();
// Two threads (workers over a shared memory, capped at 2 GiB): first the memory of a full-size step on a
// fresh engine, then the model cases again.
initEngine({ threads: 2, spawnWorker: spawnNodeWorker });
const memory = fullSizeStepMemory();
if (memory.memoryMB > memory.limitMB) throw new Error(`a full-size ResNet step needs ${memory.memoryMB} MiB, above ${memory.limitMB}`);
initEngine({ threads: 2, spawnWorker: spawnNodeWorker });
const bench2 = timed();
const steps2 = addStepCases(bench2, "2 threads");
await bench2.run();
const small2 = few(quick ? 2 : 6);
resnet.push(...addResnetStepCases(small2, "small", "2 threads"));
await small2.run();
initEngine({ threads: 2, spawnWorker: spawnNodeWorker }); // a fresh 2 GiB memory for two full-size models
const full2 = few(quick ? 1 : 2);
resnet.push(...addResnetStepCases(full2, "full", "2 threads"));
await full2.run();
engine().pool?.close();
steps.push(...steps2);
const tasks = [...bench.tasks, ...convs.tasks, ...small1.tasks, ...full1.tasks, ...bench2.tasks, ...small2.tasks, ...full2.tasks];

const rows: Record<string, unknown>[] = [];
for (const task of tasks) {
  const r = task.result as { latency?: { p50: number; mean: number }; error?: Error; state?: string };
  if (!r?.latency) throw new Error(`${task.name}: no result (${r?.error?.message ?? r?.state})`);
  const ms = r.latency.p50;
  const g = gemm.find((c) => c.name === task.name);
  const s = steps.find((c) => c.name === task.name);
  const rc = resnet.find((c) => c.name === task.name);
  const row: Record<string, unknown> = {
    bench: task.name,
    medianMs: +ms.toFixed(4),
    runs: (task.result as { latency: { samplesCount?: number } }).latency.samplesCount,
  };
  if (g) row.gflops = +(g.flops / (ms * 1e6)).toFixed(2);
  if (s) row.samplesPerSec = +((s.samples * 1000) / ms).toFixed(1);
  if (rc?.flops) row.gflops = +(rc.flops / (ms * 1e6)).toFixed(2);
  if (rc?.samples) row.samplesPerSec = +((rc.samples * 1000) / ms).toFixed(1);
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

rows.push({ bench: "memory: full-size scrramble-resnet training step (batch 64, shared memory, 2 threads)", ...memory });
console.log(
  `full-size ResNet step at batch 64: ${memory.persistentMB.toFixed(0)} MiB persistent + ${memory.peakStepMB.toFixed(0)} MiB step peak, ` +
    `engine memory ${memory.memoryMB.toFixed(0)} MiB of the ${memory.limitMB} MiB shared-memory cap`,
);
const best = (re: RegExp) => Math.max(...rows.filter((r) => re.test(String(r.bench)) && r.gflops).map((r) => Number(r.gflops)));
const gemmRate = best(/^gemm relaxed \(64x1024\)/) > 0 ? best(/^gemm relaxed \(64x1024\)/) : best(/^gemm simd128 \(64x1024\)/);
for (const r of rows.filter((r) => String(r.bench).startsWith("conv3x3"))) r.ofGemm = +(Number(r.gflops) / gemmRate).toFixed(2);
console.log(`conv3x3 GFLOP/s as a fraction of the (64x1024).(1024x2048) GEMM (${gemmRate} GFLOP/s) of this run:`);
for (const r of rows.filter((r) => String(r.bench).startsWith("conv3x3"))) console.log(`  ${r.bench}: ${r.gflops} GFLOP/s, ${r.ofGemm}`);

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
const resnetAnchor = new URL("../../../shared/anchors/torch_resnet.py", import.meta.url).pathname;
if (process.argv.includes("--torch") && existsSync(resnetAnchor) && existsSync("/usr/bin/python3")) {
  const env = { ...process.env, LD_LIBRARY_PATH: "/usr/lib/x86_64-linux-gnu/openblas-openmp" };
  for (const threads of [1, 2]) {
    try {
      const out = execFileSync("/usr/bin/python3", [resnetAnchor, "--threads", String(threads), "--steps", quick ? "1" : "3"], {
        env,
        encoding: "utf8",
      });
      for (const line of out.trim().split("\n")) {
        const t = JSON.parse(line);
        const tag = t.width === 1 ? "full size" : `width ${t.width}, depth ${t.depth}`;
        const suffix = `${threads} thread${threads === 1 ? "" : "s"}`;
        const mine = rows.find((r) => r.bench === `train step resnet front + linear head ${tag} (batch 64, ${suffix})`);
        const full = rows.find((r) => r.bench === `train step scrramble-resnet ${tag} (batch 64, ${suffix})`);
        const row = {
          bench: `torch resnet front ${tag} (${suffix}, OpenBLAS)`,
          torch: t,
          ratio: mine ? +(Number(mine.samplesPerSec) / t.images_per_s).toFixed(3) : null,
        };
        rows.push(row);
        console.log(
          `${row.bench}: ${t.images_per_s} images/s; ours (same model) ${mine?.samplesPerSec}, ours/theirs = ${row.ratio}; ` +
            `our full scrramble-resnet ${full?.samplesPerSec} images/s`,
        );
      }
    } catch (e) {
      console.error(`--torch torch_resnet.py --threads ${threads}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
}
for (const r of rows) console.log(JSON.stringify(r));
