// The ScRRAMBLe-ResNet part of `npm run bench`: the full-size 3 x 3 convolutions (one thread; GFLOP/s and
// their fraction of the GEMM rate of the same run), training steps at batch 64 (full size and the small
// configuration, ours and the anchor's model) on 1 and 2 threads, the memory of a full-size step on the
// 2 GiB shared memory, and with --torch the PyTorch anchor (../shared/anchors/torch_resnet.py) with the
// our/their ratio. Leaves a fresh one-thread engine behind.

import { Bench } from "tinybench";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { endStep, engine, initEngine } from "../src/engine.js";
import { spawnNodeWorker } from "../src/node/threads.js";
import { addConvCases, addResnetStepCases, fullSizeStepMemory, type ResnetCase } from "./resnet.js";

/** Slow cases (a ResNet training step): a fixed, small number of iterations. */
const few = (n: number) => new Bench({ time: 0, iterations: n, warmupTime: 0, warmupIterations: 1 });

/**
 * Run the ResNet cases; `gemmRate` is the best GEMM GFLOP/s of this run (the convolutions' yardstick; 0: none ran).
 * Returns one JSON row per result.
 * @example const rows = await resnetSection({ quick: false, torch: true, gemmRate: 40 });
 */
export async function resnetSection(o: { quick: boolean; torch: boolean; gemmRate: number }): Promise<Record<string, unknown>[]> {
  const { quick } = o;
  initEngine({ threads: 1 });
  const cases: ResnetCase[] = [];
  const benches: { bench: Bench; threads: number }[] = [];
  const run = async (bench: Bench, threads: number) => {
    await bench.run();
    benches.push({ bench, threads });
  };
  const convs = few(quick ? 3 : 8);
  cases.push(...addConvCases(convs));
  await run(convs, 1);
  endStep(); // the convolution cases' tensors are step tensors: release them before models are built
  const small1 = few(quick ? 2 : 6);
  cases.push(...addResnetStepCases(small1, "small", "1 thread"));
  await run(small1, 1);
  const full1 = few(quick ? 1 : 2);
  cases.push(...addResnetStepCases(full1, "full", "1 thread"));
  await run(full1, 1);
  // Two threads (workers over a shared memory, capped at 2 GiB): first the memory of a full-size step on a
  // fresh engine, then the model cases again (a fresh memory for the two full-size models).
  initEngine({ threads: 2, spawnWorker: spawnNodeWorker });
  const memory = fullSizeStepMemory();
  if (memory.memoryMB > memory.limitMB) throw new Error(`a full-size ResNet step needs ${memory.memoryMB} MiB, above ${memory.limitMB}`);
  initEngine({ threads: 2, spawnWorker: spawnNodeWorker });
  const small2 = few(quick ? 2 : 6);
  cases.push(...addResnetStepCases(small2, "small", "2 threads"));
  await run(small2, 2);
  initEngine({ threads: 2, spawnWorker: spawnNodeWorker });
  const full2 = few(quick ? 1 : 2);
  cases.push(...addResnetStepCases(full2, "full", "2 threads"));
  await run(full2, 2);
  engine().pool?.close();
  initEngine({ threads: 1 });

  const rows: Record<string, unknown>[] = [];
  for (const { bench, threads } of benches) {
    for (const task of bench.tasks) {
      const r = task.result as { latency?: { p50: number; samplesCount?: number }; error?: Error; state?: string };
      if (!r?.latency) throw new Error(`${task.name}: no result (${r?.error?.message ?? r?.state})`);
      const ms = r.latency.p50;
      const c = cases.find((x) => x.name === task.name);
      const row: Record<string, unknown> = { bench: task.name, medianMs: +ms.toFixed(4), runs: r.latency.samplesCount, threads };
      if (c?.flops) row.gflops = +(c.flops / (ms * 1e6)).toFixed(2);
      if (c?.samples) row.samplesPerSec = +((c.samples * 1000) / ms).toFixed(1);
      if (c?.flops && o.gemmRate > 0) row.ofGemm = +(Number(row.gflops) / o.gemmRate).toFixed(2);
      row.kernels = engine().variant;
      rows.push(row);
    }
  }
  console.table(
    rows.map((r) => ({ case: r.bench, "median ms": r.medianMs, "GFLOP/s": r.gflops ?? "", "samples/s": r.samplesPerSec ?? "" })),
  );
  if (o.gemmRate > 0) {
    console.log(`conv3x3 GFLOP/s as a fraction of the best GEMM of this run (${o.gemmRate} GFLOP/s):`);
    for (const r of rows.filter((x) => String(x.bench).startsWith("conv3x3")))
      console.log(`  ${r.bench}: ${r.gflops} GFLOP/s, ${r.ofGemm}`);
  }
  rows.push({ bench: "memory: full-size scrramble-resnet training step (batch 64, shared memory, 2 threads)", ...memory });
  console.log(
    `full-size ResNet step at batch 64: ${memory.persistentMB.toFixed(0)} MiB persistent + ` +
      `${memory.peakStepMB.toFixed(0)} MiB step peak, ` +
      `engine memory ${memory.memoryMB.toFixed(0)} MiB of the ${memory.limitMB} MiB shared-memory cap`,
  );
  if (o.torch) rows.push(...torchResnet(rows, quick));
  return rows;
}

/** The PyTorch anchor's images/s on 1 and 2 threads, with our/their ratio on the same model. */
function torchResnet(rows: Record<string, unknown>[], quick: boolean): Record<string, unknown>[] {
  const anchor = new URL("../../../shared/anchors/torch_resnet.py", import.meta.url).pathname;
  if (!existsSync(anchor) || !existsSync("/usr/bin/python3")) {
    console.error(`--torch: ${anchor} or /usr/bin/python3 missing; no ResNet anchor`);
    return [];
  }
  const env = { ...process.env, LD_LIBRARY_PATH: "/usr/lib/x86_64-linux-gnu/openblas-openmp" };
  const out: Record<string, unknown>[] = [];
  for (const threads of [1, 2]) {
    try {
      const text = execFileSync("/usr/bin/python3", [anchor, "--threads", String(threads), "--steps", quick ? "1" : "3"], {
        env,
        encoding: "utf8",
      });
      for (const line of text.trim().split("\n")) {
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
        out.push(row);
        console.log(
          `${row.bench}: ${t.images_per_s} images/s; ours (same model) ${mine?.samplesPerSec}, ours/theirs = ${row.ratio}; ` +
            `our full scrramble-resnet ${full?.samplesPerSec} images/s`,
        );
      }
    } catch (e) {
      console.error(`--torch torch_resnet.py --threads ${threads}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  return out;
}
