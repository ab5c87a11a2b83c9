// A naive float64 interpreter of forward plans (src/nn/plan.ts): the oracle the
// models' plans and the edge bundle are checked against. Plain loops, no WASM.

import type { ForwardPlan } from "../../src/nn/plan.js";

/** Class scores [B, classes] of x [B, inputSize] under a plan, in float64. */
export function runPlan(plan: ForwardPlan, x: ArrayLike<number>, B: number): Float64Array {
  let h = Float64Array.from(x);
  let width = plan.inputSize;
  for (const s of plan.steps) {
    if (s.op === "route") {
      const N = width / s.srcCores,
        S = N / s.slotsPerCore,
        out = s.dstCores * N;
      const y = new Float64Array(B * out);
      for (let b = 0; b < B; b++)
        for (let d = 0; d < s.dstCores * s.slotsPerCore; d++)
          for (let e = s.dstPtr[d]; e < s.dstPtr[d + 1]; e++)
            for (let m = 0; m < S; m++) y[b * out + d * S + m] += s.coef[e] * h[b * width + s.srcSlot[e] * S + m];
      h = y;
      width = out;
    } else if (s.op === "cores") {
      const N = s.size;
      const y = new Float64Array(B * width);
      for (let b = 0; b < B; b++)
        for (let c = 0; c < s.cores; c++)
          for (let r = 0; r < N; r++) {
            let acc = 0;
            for (let i = 0; i < N; i++) acc += s.weight[(c * N + r) * N + i] * h[b * width + c * N + i];
            y[b * width + c * N + r] = acc;
          }
      h = y;
    } else if (s.op === "dense") {
      const y = new Float64Array(B * s.outputs);
      for (let b = 0; b < B; b++)
        for (let o = 0; o < s.outputs; o++) {
          let acc = s.bias ? s.bias[o] : 0;
          for (let i = 0; i < s.inputs; i++) acc += s.weight[o * s.inputs + i] * h[b * s.inputs + i];
          y[b * s.outputs + o] = acc;
        }
      h = y;
      width = s.outputs;
    } else if (s.op === "relu") {
      h = h.map((v) => Math.max(v, 0));
    } else if (s.op === "qrelu") {
      const steps = 2 ** s.bits - 1;
      h = h.map((v) => (v > 0 ? (Math.min(Math.floor(Math.fround(v * (steps / s.max))), steps) * s.max) / steps : 0));
    } else if (s.op === "capsules") {
      const D = width / s.classes;
      const y = new Float64Array(B * s.classes);
      for (let i = 0; i < B * s.classes; i++) {
        let q = 0;
        for (let d = 0; d < D; d++) q += h[i * D + d] ** 2;
        const n = Math.sqrt(q);
        y[i] = (q / (1 + q)) * (n / (n + 1e-8));
      }
      h = y;
      width = s.classes;
    } else if (s.op === "groupMean") {
      const y = new Float64Array(B * s.classes);
      for (let b = 0; b < B; b++)
        for (let c = 0; c < s.classes; c++) {
          let acc = 0;
          for (let j = 0; j < s.groupSize; j++) acc += h[b * width + c * s.groupSize + j];
          y[b * s.classes + c] = acc / s.groupSize;
        }
      h = y;
      width = s.classes;
    }
  }
  return h;
}
