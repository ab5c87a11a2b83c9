// `npm run bench`: tinybench over the GEMM kernels (single thread), the time
// split of a training step, then the model cases (training steps at batch 64,
// batch-1 inference on the training model and on one prepared for inference, on
// the bench's random input and on a bundled test digit)
// on 1 and 2 threads in rounds. With --torch each round
// runs ours then PyTorch's anchor for the same case (interleaved, so both see
// the same host) and the ratio is reported as a median with its min-max over
// rounds. Then our 2 threads against our 1, paired round by round (scaling.ts),
// and what the host gives a second thread in the same minutes (host-probe.ts).
// Then the edge bundle's batch-1 latency (int8 and f32) in rounds
// interleaved with the library's and PyTorch's. Then the ScRRAMBLe-ResNet cases
// (resnet-run.ts: convolutions beside the GEMM rate, training steps, memory of a
// full-size step, the torch_resnet.py anchor). Prints tables, then one JSON
// line per result. Run alone: never beside another benchmark.
// Options: --torch, --quick, --rounds N (default 3), --only SECTIONS, --help.

import v8 from "node:v8";
v8.setFlagsFromString("--experimental-wasm-relaxed-simd");

import { parseArgs } from "node:util";
import { Bench } from "tinybench";
import { engine, initEngine } from "../src/engine.js";
import { spawnNodeWorker } from "../src/node/threads.js";
import { addGemmCases } from "./gemm.js";
import { modelCase, type BenchModel } from "./train-step.js";
import { quantile, spread, timeCalls, type Spread } from "./rounds.js";
import { stepSplit } from "./split.js";
import { torchLatency, torchMissing, torchTrain } from "./torch.js";
import { bundleLatency } from "./bundle-latency.js";
import { resnetSection } from "./resnet-run.js";
import { hostProbes, threadScaling } from "./scaling.js";

const SECTIONS = ["gemm", "split", "models", "scaling", "bundle", "resnet"] as const;
type Section = (typeof SECTIONS)[number];
const HELP = `Usage: npm run bench -- [options]   (or node dist/bench/run.js [options] after npm run build)

Sections, in order: gemm (GEMM kernels, one thread), split (where a 1-thread ScRRAMBLe step's
time goes, as train runs it and with the gradient written out), models (training and batch-1
cases on 1 and 2 threads), scaling (our 2 threads against our 1, paired, and the host probes),
bundle (the edge bundle's batch-1 latency), resnet (the ScRRAMBLe-ResNet cases). Run alone:
never beside another benchmark.

Options:
  --torch          interleave the PyTorch anchors (Debian python3-torch) with ours, round by round
  --quick          short timings (a smoke run; its numbers are not for reports)
  --rounds N       interleaved rounds per case (default 3)
  --only LIST      the sections to run, comma-separated (default: all)
  -h, --help       this text`;
const usage = (msg: string): never => {
  console.error(`bench: ${msg}\n(see npm run bench -- --help)`);
  process.exit(2);
};
let values: { torch?: boolean; quick?: boolean; rounds?: string; only?: string; help?: boolean } = {};
try {
  ({ values } = parseArgs({
    options: {
      torch: { type: "boolean" },
      quick: { type: "boolean" },
      rounds: { type: "string" },
      only: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (e) {
  usage((e as Error).message);
}
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const quick = values.quick === true;
const withTorch = values.torch === true;
const rounds = values.rounds === undefined ? 3 : Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) usage(`--rounds must be a positive integer, not ${values.rounds}`);
const only = values.only === undefined ? [...SECTIONS] : values.only.split(",").map((x) => x.trim());
for (const o of only)
  if (!(SECTIONS as readonly string[]).includes(o)) usage(`--only: unknown section "${o}" (sections: ${SECTIONS.join(", ")})`);
const want = (section: Section) => only.includes(section);
const missing = withTorch ? torchMissing() : null;
if (missing) console.error(`--torch: ${missing}; running ours only`);
const torch = withTorch && !missing;
const json: Record<string, unknown>[] = [];

// 1. GEMM kernels, one thread, both SIMD variants.
if (want("gemm")) {
  const bench = new Bench({ time: quick ? 300 : 1500, warmupTime: quick ? 100 : 300 });
  const gemm = addGemmCases(bench);
  await bench.run();
  for (const task of bench.tasks) {
    const r = task.result as { latency?: { p50: number } };
    const g = gemm.find((c) => c.name === task.name)!;
    const ms = r.latency!.p50;
    json.push({ bench: task.name, medianMs: +ms.toFixed(4), gflops: +(g.flops / (ms * 1e6)).toFixed(2), kernels: g.variant, threads: 1 });
  }
  console.table(json.map((r) => ({ case: r.bench, "median ms": r.medianMs, "GFLOP/s": r.gflops })));
}

// 2. Where the ScRRAMBLe step's time goes (one thread).
if (want("split")) {
  // the step as `train` runs it (the weight gradient inside the AdamW update), then with the gradient written out first
  for (const fused of [true, false]) {
    const split = stepSplit("scrramble", quick ? 5 : 20, fused);
    const outside = (split.otherKernelsMs + split.jsMs) / split.stepMs;
    const how = fused ? "as train runs it" : "the weight gradient written out, then AdamW";
    json.push({ bench: `step split scrramble 4-50-10 (batch 64, 1 thread, ${how})`, ...split, outsideGemmFraction: +outside.toFixed(3) });
    console.log(
      `ScRRAMBLe step, 1 thread, ${how}: ${split.stepMs.toFixed(1)} ms = GEMM ${split.gemmMs.toFixed(1)} + other kernels ` +
        `${split.otherKernelsMs.toFixed(1)} + JS ${split.jsMs.toFixed(1)}; outside the GEMMs ${(outside * 100).toFixed(1)} %`,
    );
    console.log(
      `  largest: ${split.kernels
        .slice(0, 8)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(", ")}`,
    );
  }
}

// 3. Model cases in rounds, ours then (with --torch) PyTorch's, per case.
if (want("models")) {
  interface Row {
    case: string;
    threads: number;
    ours: Spread;
    theirs?: Spread;
    ratio?: Spread;
    unit: string;
    p90?: { ours: Spread; theirs?: Spread };
  }
  const rows: Row[] = [];
  const timeMs = quick ? 400 : 1200;
  const calls = quick ? 200 : 600;
  for (const threads of [1, 2]) {
    initEngine(threads > 1 ? { threads, spawnWorker: spawnNodeWorker } : { threads: 1 });
    const cases = (["scrramble", "dense"] as BenchModel[]).map((kind) => ({ kind, c: modelCase(kind) }));
    const acc: Record<string, { ours: number[]; theirs: number[]; p90: number[]; theirsP90: number[] }> = {};
    const put = (key: string) => (acc[key] ??= { ours: [], theirs: [], p90: [], theirsP90: [] });
    for (let r = 0; r < rounds; r++) {
      for (const { kind, c } of cases) {
        const train = put(`train ${kind}`);
        const t = await timeCalls(`train ${kind}`, c.step, timeMs);
        train.ours.push((c.batch * 1000) / quantile(t, 0.5));
        if (torch) train.theirs.push(torchTrain(kind, threads));
        // batch 1: the step's model, then a model prepared for inference; PyTorch's latency against both
        const inf = put(`infer ${kind}`);
        const prep = c.model.prepareInference ? put(`infer ${kind}, prepared weights`) : null; // dense: nothing to prepare
        // the same on a real digit: its runs of zero inputs are skipped (PyTorch's dense GEMV time does not depend on the values)
        const ours = [
          [inf, c.infer],
          ...(prep ? [[prep, c.inferPrepared] as const] : []),
          ...(c.inferDigit ? [[put(`infer ${kind}, prepared weights, a digit`), c.inferDigit] as const] : []),
        ] as const;
        for (const [a, f] of ours) {
          const s = await timeCalls(`infer ${kind}`, f, timeMs);
          a.ours.push(quantile(s, 0.5));
          a.p90.push(quantile(s, 0.9));
        }
        if (torch) {
          const l = torchLatency(kind, threads, calls);
          for (const [a] of ours) {
            a.theirs.push(l.median);
            a.theirsP90.push(l.p90);
          }
        }
      }
    }
    for (const [key, a] of Object.entries(acc)) {
      const isTrain = key.startsWith("train");
      const ratios = a.theirs.map((th, i) => (isTrain ? a.ours[i] / th : th / a.ours[i]));
      rows.push({
        case: `${key} (${isTrain ? "batch 64" : "batch 1"})`,
        threads,
        unit: isTrain ? "samples/s" : "ms per call",
        ours: spread(a.ours),
        ...(a.theirs.length ? { theirs: spread(a.theirs), ratio: spread(ratios) } : {}),
        ...(isTrain ? {} : { p90: { ours: spread(a.p90), ...(a.theirsP90.length ? { theirs: spread(a.theirsP90) } : {}) } }),
      });
    }
    engine().pool?.close();
  }

  const fmt = (s: Spread | undefined, d = 1) => (s ? `${s.median.toFixed(d)} (${s.min.toFixed(d)}-${s.max.toFixed(d)})` : "");
  console.table(
    rows.map((r) => ({
      case: r.case,
      threads: r.threads,
      unit: r.unit,
      "ours median (min-max)": fmt(r.ours, r.unit === "samples/s" ? 0 : 3),
      "ours p90": fmt(r.p90?.ours, 3),
      "PyTorch median (min-max)": fmt(r.theirs, r.unit === "samples/s" ? 0 : 3),
      "PyTorch p90": fmt(r.p90?.theirs, 3),
      "ours/PyTorch speed, median (min-max)": fmt(r.ratio, 2),
    })),
  );
  const s1 = rows.find((r) => r.case.startsWith("train scrramble") && r.threads === 1);
  const s2 = rows.find((r) => r.case.startsWith("train scrramble") && r.threads === 2);
  if (s1 && s2)
    console.log(`ScRRAMBLe training, 2 threads / 1 thread (medians of the rounds above): ${(s2.ours.median / s1.ours.median).toFixed(2)}x`);
  for (const r of rows) json.push({ bench: r.case, ...r, kernels: engine().variant });
}

if (want("scaling")) {
  // The same ratio paired: windows of 1 thread and of 2 in turn, each pair a second or two apart.
  const scaling = await threadScaling({ pairs: 4 * rounds, ms: quick ? 300 : 500 });
  const one = spread(scaling.samplesPerSecond[1]),
    two = spread(scaling.samplesPerSecond[2]);
  const f0 = (s: Spread) => `${s.median.toFixed(0)} (${s.min.toFixed(0)}-${s.max.toFixed(0)})`;
  console.log(
    `ScRRAMBLe training, 2 threads / 1 thread, in ${scaling.pairs} pairs of ${scaling.windowMs} ms windows: ` +
      `${scaling.ratio.median.toFixed(2)}x ` +
      `(${scaling.ratio.min.toFixed(2)}-${scaling.ratio.max.toFixed(2)}); 1 thread ${f0(one)} samples/s, 2 threads ${f0(two)}`,
  );
  json.push({
    bench: "thread scaling scrramble (batch 64), 2 threads / 1 thread, paired windows",
    ...scaling,
    oneThread: one,
    twoThreads: two,
  });
  // What the host gave a second thread in the same minutes.
  const probes = hostProbes({ rounds, ms: quick ? 300 : 1000 });
  console.log(probes.printed);
  json.push(probes.report);
}
console.log(`rounds ${rounds}; peak RSS of the bench process ${((process.resourceUsage().maxRSS * 1024) / 1e6).toFixed(0)} MB`);

// 4. The edge bundle's batch-1 latency, interleaved with the library's f32 path and PyTorch's.
if (want("bundle")) {
  const anchor = new URL("../../../shared/anchors/torch_scrramble.py", import.meta.url).pathname;
  const latency = await bundleLatency({ rounds: quick ? 3 : 7, calls: quick ? 300 : 1000, anchor: torch ? anchor : "" });
  console.table(latency.map((r) => ({ case: r.bench, "median ms": r.medianMs, "p90 ms": r.p90Ms, calls: r.calls })));
  const torchRow = latency.find((r) => r.bench.startsWith("PyTorch"));
  for (const r of latency) {
    const row: Record<string, unknown> = { ...r };
    if (torchRow && r !== torchRow) row.speedupVsTorch = +(torchRow.medianMs / r.medianMs).toFixed(2);
    json.push(row);
  }
  if (torchRow)
    for (const r of latency.filter((x) => x !== torchRow))
      console.log(`${r.bench}: ${(torchRow.medianMs / r.medianMs).toFixed(1)}x faster than PyTorch (median, same interleaved run)`);
}

// 5. ScRRAMBLe-ResNet: convolutions against the best GEMM rate of section 1, steps, memory, the anchor.
if (want("resnet")) {
  const rates = json.filter((r) => String(r.bench).startsWith("gemm") && r.gflops).map((r) => Number(r.gflops));
  const gemmRate = rates.length ? Math.max(...rates) : 0; // 0: the gemm section did not run
  json.push(...(await resnetSection({ quick, torch, gemmRate })));
}
for (const r of json) console.log(JSON.stringify(r));
process.exit(0);
