// Batch-1 latency of the edge bundle (int8 and f32 weights) on the default
// ScRRAMBLe MLP (4-50-10 cores of 256), beside the library's f32 path and
// PyTorch's (bench/torch_latency.py over the shared anchor's model), in rounds
// that interleave all of them, so a busy host slows every contender alike.
// Per-call times give the median and p90. Results are checked before timing.

import { mkdtempSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { initEngine } from "../src/engine.js";
import { createModel } from "../src/nn/registry.js";
import { bundleOf, BUNDLE_DEFAULTS } from "../src/deploy/bundle.js";
import type { BundleModel } from "../src/deploy/bundle-runtime.js";
import { predict, prepareInference } from "../src/infer.js";
import { Rng } from "../src/rng.js";

export interface LatencyRow {
  bench: string;
  medianMs: number;
  p90Ms: number;
  calls: number;
  rounds: number;
  /** The median of each round, in order (the spread between rounds shows how busy the host was). */
  roundMediansMs: number[];
}

function quantiles(ms: number[]): { median: number; p90: number } {
  const s = [...ms].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, p90: s[Math.floor(0.9 * (s.length - 1))] };
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / (den || 1);
}

/** A PyTorch child answering one round per stdin line, or null (with the reason printed) when it cannot start. */
async function torchChild(anchor: string) {
  if (!existsSync(anchor) || !existsSync("/usr/bin/python3")) {
    console.error(`bundle latency: no PyTorch comparison (${anchor} or /usr/bin/python3 missing)`);
    return null;
  }
  const script = new URL("../../bench/torch_latency.py", import.meta.url).pathname;
  const env = {
    ...process.env,
    LD_LIBRARY_PATH: "/usr/lib/x86_64-linux-gnu/openblas-openmp",
    OMP_NUM_THREADS: "1",
    OPENBLAS_NUM_THREADS: "1",
  };
  const child = spawn("/usr/bin/python3", [script, anchor], { env, stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error("the PyTorch child exited");
    return JSON.parse(r.value);
  };
  try {
    const hello = await next();
    if (!hello.ready) throw new Error(JSON.stringify(hello));
  } catch (e) {
    console.error(`bundle latency: no PyTorch comparison (${(e as Error).message})`);
    child.kill();
    return null;
  }
  return {
    async round(calls: number): Promise<{ median_ms: number; p90_ms: number; times_ms: number[] }> {
      child.stdin.write(`${calls}\n`);
      return next();
    },
    close: () => child.stdin.end(),
  };
}

/**
 * Interleaved rounds: bundle int8, bundle f32, library f32, PyTorch; `calls` timed calls each per round.
 * @example const rows = await bundleLatency({ rounds: 5, calls: 1000 });
 */
export async function bundleLatency(o: { rounds: number; calls: number; anchor: string }): Promise<LatencyRow[]> {
  initEngine();
  const model = createModel("scrramble-mlp", {});
  const dir = mkdtempSync(join(tmpdir(), "scrramble-bench-"));
  const load = async (weights: "int8" | "f32") => {
    const file = join(dir, `model-${weights}.mjs`);
    writeFileSync(file, bundleOf(model, { ...BUNDLE_DEFAULTS, weights }).source);
    return ((await import(pathToFileURL(file).href)) as { load: () => Promise<BundleModel> }).load();
  };
  const int8 = await load("int8"),
    f32 = await load("f32");
  const rng = new Rng(3);
  const digit = Uint8Array.from({ length: 784 }, () => rng.int(256));
  // Checked before timing: f32 bundle = library, int8 bundle close to it.
  const lib = predict(model, digit);
  if (relErr(f32.predict(digit).scores, lib.scores) > 1e-5) throw new Error("bundle latency: f32 bundle scores differ from the library's");
  if (relErr(int8.predict(digit).scores, lib.scores) > 0.03) throw new Error("bundle latency: int8 bundle scores far from the library's");
  const prepared = createModel("scrramble-mlp", {});
  prepareInference(prepared);
  // batch 1 sums each score in another order on packed weights (gemvPacked, not gemvNT): equal to rounding
  if (relErr(predict(prepared, digit).scores, lib.scores) > 1e-5) throw new Error("bundle latency: prepared weights change the scores");
  const cases: [string, () => unknown][] = [
    ["bundle int8 (batch 1, 1 thread)", () => int8.predict(digit)],
    ["bundle f32 (batch 1, 1 thread)", () => f32.predict(digit)],
    ["library f32 (batch 1, 1 thread)", () => predict(model, digit)],
    ["library f32, prepared weights (batch 1, 1 thread)", () => predict(prepared, digit)],
  ];
  const torch = o.anchor ? await torchChild(o.anchor) : null;
  const times = new Map<string, number[]>();
  const medians = new Map<string, number[]>();
  const add = (name: string, ms: number[], median: number) => {
    times.set(name, [...(times.get(name) ?? []), ...ms]);
    medians.set(name, [...(medians.get(name) ?? []), median]);
  };
  const torchName = "PyTorch 1.13 + OpenBLAS (batch 1, 1 thread)";
  for (let r = 0; r < o.rounds; r++) {
    for (const [name, fn] of cases) {
      for (let i = 0; i < 50; i++) fn(); // warm the caches after the other contenders ran
      const ms: number[] = [];
      for (let i = 0; i < o.calls; i++) {
        const t0 = performance.now();
        fn();
        ms.push(performance.now() - t0);
      }
      add(name, ms, quantiles(ms).median);
    }
    if (torch) {
      const t = await torch.round(o.calls);
      add(torchName, t.times_ms, t.median_ms);
    }
  }
  torch?.close();
  const names = [...cases.map(([name]) => name), ...(torch ? [torchName] : [])];
  return names.map((name) => {
    const q = quantiles(times.get(name)!);
    return {
      bench: name,
      medianMs: +q.median.toFixed(4),
      p90Ms: +q.p90.toFixed(4),
      calls: o.calls * o.rounds,
      rounds: o.rounds,
      roundMediansMs: medians.get(name)!.map((v) => +v.toFixed(4)),
    };
  });
}
