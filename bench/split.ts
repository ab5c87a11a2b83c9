// Where a training step's time goes: every kernel call is timed (one thread),
// then summed as GEMM (the routed kernels are GEMMs with the slot gather or
// scatter fused in), other kernels, and the JS between them: how much of the
// step is outside the GEMMs. The step runs as `train` runs it (fused: the cores'
// weight gradient computed inside the AdamW update, routedWeightGradAdam). Its
// update's share is measured in place: each timed step is followed by one in
// which routedWeightGradAdam gets p = 0 (the same dW blocks computed and
// dropped, nothing written), and that call's time there is its GEMM; the rest
// of the fused call's time is AdamW's. Or (fused false) with the weight gradients written out
// first and AdamW over them, as the step ran before the fusion.

import { engine, initEngine } from "../src/engine.js";
import type { KernelExports } from "../src/wasm/kernels.js";
import { modelCase, type BenchModel } from "./train-step.js";

// routedWeightGradAdam(gy, ldgy, x, xStride, B, N, S, K, u0, u1, dstPtr, srcSlot, coef, p, m, v,
//   lr, beta1, beta2, eps, wd, decoupled, bc1, bc2, nonFinite, scratch, next)
const FUSED_ARGS = 27;
const FUSED_P = 13;

export interface StepSplit {
  /** The step as `train` runs it (the weight gradient inside the update), or with the gradient written out first. */
  fused: boolean;
  stepMs: number;
  gemmMs: number;
  otherKernelsMs: number;
  jsMs: number;
  /** Milliseconds per step of each kernel, largest first; a fused call counts as its GEMM and its AdamW. */
  kernels: [string, number][];
}

/** Time split of the training step of a model on one thread (fresh engine). */
export function stepSplit(kind: BenchModel, steps = 20, fused = true): StepSplit {
  initEngine({ threads: 1 });
  const c = modelCase(kind, 64, fused);
  const e = engine();
  const raw = e.k;
  const totals: Record<string, number> = {};
  let dropUpdate = false; // in the untimed steps that time routedWeightGradAdam's GEMM alone
  let gemmOnly = 0;
  const timed: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(raw)) {
    if (typeof f !== "function") {
      timed[name] = f;
      continue;
    }
    const call = f as (...x: number[]) => void;
    const fusedCall = name === "routedWeightGradAdam";
    timed[name] = (...a: number[]) => {
      if (fusedCall && a.length !== FUSED_ARGS)
        throw new Error(`routedWeightGradAdam takes ${FUSED_ARGS} arguments, the step passed ${a.length}`);
      const args = fusedCall && dropUpdate ? a.map((v, i) => (i === FUSED_P ? 0 : v)) : a;
      const t = performance.now();
      call(...args);
      const ms = performance.now() - t;
      if (!dropUpdate) totals[name] = (totals[name] ?? 0) + ms;
      else if (fusedCall) gemmOnly += ms;
    };
  }
  e.k = timed as unknown as KernelExports;
  try {
    for (let i = 0; i < 3; i++) c.step();
    for (const k of Object.keys(totals)) delete totals[k];
    // each timed step followed (fused) by a step without the cores' update, so both see the same minutes
    let stepTime = 0;
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      c.step();
      stepTime += performance.now() - t0;
      if (!fused) continue;
      dropUpdate = true;
      c.step();
      dropUpdate = false;
    }
    const stepMs = stepTime / steps;
    const perStep = Object.entries(totals).map(([k, v]) => [k, v / steps] as [string, number]);
    const kernels = perStep.flatMap(([k, v]): [string, number][] => {
      if (k !== "routedWeightGradAdam") return [[k, v]];
      const gemm = gemmOnly / steps;
      return [
        ["routedWeightGradAdam's GEMM", gemm],
        ["AdamW inside routedWeightGradAdam", Math.max(0, v - gemm)],
      ];
    });
    kernels.sort((a, b) => b[1] - a[1]);
    const isGemm = (k: string) => k.startsWith("gemm") || k.startsWith("routed");
    const gemmMs = kernels.filter(([k]) => isGemm(k)).reduce((a, [, v]) => a + v, 0);
    const otherKernelsMs = kernels.filter(([k]) => !isGemm(k)).reduce((a, [, v]) => a + v, 0);
    return { fused, stepMs, gemmMs, otherKernelsMs, jsMs: stepMs - gemmMs - otherKernelsMs, kernels };
  } finally {
    e.k = raw;
  }
}
