// Where a training step's time goes: every kernel call is timed (one thread),
// then summed as GEMM (the routed kernels are GEMMs with the slot gather or
// scatter fused in), other kernels, and the JS between them: how much of the
// step is outside the GEMMs. The step runs with the weight gradients written
// out (no fuseGradients), so the AdamW update counts outside the GEMMs rather
// than inside the fused weight-gradient kernel.

import { engine, initEngine } from "../src/engine.js";
import type { KernelExports } from "../src/wasm/kernels.js";
import { modelCase, type BenchModel } from "./train-step.js";

export interface StepSplit {
  stepMs: number;
  gemmMs: number;
  otherKernelsMs: number;
  jsMs: number;
  /** Milliseconds per step of each kernel, largest first. */
  kernels: [string, number][];
}

/** Time split of the training step of a model on one thread (fresh engine). */
export function stepSplit(kind: BenchModel, steps = 20): StepSplit {
  initEngine({ threads: 1 });
  const c = modelCase(kind, 64, false);
  const e = engine();
  const raw = e.k;
  const totals: Record<string, number> = {};
  const timed: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(raw)) {
    if (typeof f !== "function") {
      timed[name] = f;
      continue;
    }
    timed[name] = (...a: number[]) => {
      const t = performance.now();
      (f as (...x: number[]) => void)(...a);
      totals[name] = (totals[name] ?? 0) + performance.now() - t;
    };
  }
  e.k = timed as unknown as KernelExports;
  try {
    for (let i = 0; i < 3; i++) c.step();
    for (const k of Object.keys(totals)) delete totals[k];
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) c.step();
    const stepMs = (performance.now() - t0) / steps;
    const kernels = Object.entries(totals)
      .map(([k, v]) => [k, v / steps] as [string, number])
      .sort((a, b) => b[1] - a[1]);
    const isGemm = (k: string) => k.startsWith("gemm") || k.startsWith("routed");
    const gemmMs = kernels.filter(([k]) => isGemm(k)).reduce((a, [, v]) => a + v, 0);
    const otherKernelsMs = kernels.filter(([k]) => !isGemm(k)).reduce((a, [, v]) => a + v, 0);
    return { stepMs, gemmMs, otherKernelsMs, jsMs: stepMs - gemmMs - otherKernelsMs, kernels };
  } finally {
    e.k = raw;
  }
}
