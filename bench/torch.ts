// The PyTorch anchors (Debian python3-torch 1.13 with OpenBLAS), run as child
// processes so the bench can interleave them with our cases: training steps
// from ../shared/anchors/torch_scrramble.py, batch-1 latency per call from
// bench/torch_latency.py (which reuses the anchor's model definitions).

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { childReport } from "./rounds.js";

const ANCHOR = fileURLToPath(new URL("../../../shared/anchors/torch_scrramble.py", import.meta.url));
const LATENCY = fileURLToPath(new URL("../../bench/torch_latency.py", import.meta.url));
const PYTHON = "/usr/bin/python3";

/** Why the anchors cannot run here, or null when they can. */
export function torchMissing(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} missing`;
  if (!existsSync(ANCHOR)) return `${ANCHOR} missing`;
  try {
    execFileSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" });
  } catch {
    return "python3-torch is not installed (apt-get install python3-torch libopenblas0-openmp)";
  }
  return null;
}

function run(args: string[], threads: number): Record<string, unknown> {
  const env = {
    ...process.env,
    LD_LIBRARY_PATH: "/usr/lib/x86_64-linux-gnu/openblas-openmp",
    OMP_NUM_THREADS: String(threads),
    OPENBLAS_NUM_THREADS: String(threads),
  };
  return childReport<Record<string, unknown>>(PYTHON, args, env).report;
}

/** PyTorch training samples/s (median of its repetitions) for a model at a thread count. */
export function torchTrain(model: "scrramble" | "dense", threads: number): number {
  const routing = model === "scrramble" ? ["--routing", "dense"] : [];
  const r = run([ANCHOR, "train", "--model", model, ...routing, "--threads", String(threads), "--steps", "8", "--reps", "3"], threads);
  return (r.samples_per_s as { median: number }).median;
}

/** PyTorch batch-1 latency per call: median and p90 in ms. */
export function torchLatency(model: "scrramble" | "dense", threads: number, calls: number): { median: number; p90: number } {
  const r = run([LATENCY, ANCHOR, "--model", model, "--threads", String(threads), "--calls", String(calls)], threads);
  return { median: r.median_ms as number, p90: r.p90_ms as number };
}
