// The tape: ops append nodes while grad mode is on (record), noGrad() turns
// recording off. Rule-free on purpose: the forward-only closure (ops, models,
// infer.ts) imports this file and never the backward rules (backward.ts does).
// The tape is cleared at endStep().

import { onStepEnd } from "../engine.js";
import type { Tensor } from "../tensor.js";
import type { OpName, OpSaved, TapeNode } from "./types.js";

let tape: TapeNode[] = [];
let gradEnabled = true;
/** Outputs of ops with a relu fused in (max(0, y)): a consumer's input gradient may apply the relu's mask as it writes. */
const reluOutputs = new WeakSet<Tensor>();

onStepEnd(() => {
  tape = [];
});

/** True when an op with these inputs must be recorded. */
export function needsGrad(inputs: readonly Tensor[]): boolean {
  if (!gradEnabled) return false;
  for (const t of inputs) if (t.requiresGrad) return true;
  return false;
}

/** Record an op (called by ops/ after computing the forward). */
export function record<K extends OpName>(op: K, out: Tensor, inputs: Tensor[], saved: OpSaved[K]): Tensor {
  if (!needsGrad(inputs)) return out;
  out.requiresGrad = true;
  tape.push({ op, out, inputs, saved } as TapeNode);
  return out;
}

/** Mark t as the output of an op whose relu is fused in (its rule skips the mask when isReluMasked). */
export function markReluOutput(t: Tensor): void {
  reluOutputs.add(t);
}

/** True when t is a fused relu's output: t > 0 exactly where its gradient passes. */
export function isReluOutput(t: Tensor): boolean {
  return reluOutputs.has(t);
}

/** Run fn without recording (inference, evaluation). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Number of recorded nodes (for tests and diagnostics). */
export function tapeLength(): number {
  return tape.length;
}

/** Hand the recorded nodes over (oldest first) and start an empty tape. */
export function takeTape(): TapeNode[] {
  const t = tape;
  tape = [];
  return t;
}
