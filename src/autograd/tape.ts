// Reverse-mode autograd: ops append nodes to one global tape while grad mode is
// on; backward() walks it in reverse and applies each op's rule. The tape is
// cleared at endStep(). Must not run kernels itself except through the rules.

import { engine, onStepEnd } from "../engine.js";
import { Tensor } from "../tensor.js";
import type { OpName, OpSaved, RuleTable, TapeNode } from "./types.js";
import { rules } from "./rules.js";

let tape: TapeNode[] = [];
let gradEnabled = true;
const overrides: Partial<Record<OpName, unknown>> = {};

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

/** The gradient buffer of t, created zero-filled on first use. */
export function gradOf(t: Tensor): Tensor {
  if (t.grad) return t.grad.check();
  if (t.persistentTensor) {
    throw new Error(`tensor${t.name ? ` "${t.name}"` : ""} requires grad but has no gradient buffer: create it with parameter()`);
  }
  t.grad = Tensor.zeros(t.shape);
  return t.grad;
}

/** Backpropagate from a scalar (or seed gradient gy) through the tape. */
export function backward(loss: Tensor, gy?: Tensor): void {
  loss.check();
  if (!gy && loss.size !== 1) throw new Error(`backward() from a non-scalar tensor [${loss.shape.join(", ")}] needs a seed gradient`);
  const seed = gradOf(loss);
  if (gy) engine().k.scaleAcc(seed.ptr, gy.ptr, 1, seed.size);
  else seed.data()[0] += 1;
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (!node.out.grad) continue;
    const rule = (overrides[node.op] ?? rules[node.op]) as (n: TapeNode, g: Tensor) => void;
    rule(node, node.out.grad);
  }
  tape = [];
}

/** Number of recorded nodes (for tests and diagnostics). */
export function tapeLength(): number {
  return tape.length;
}

/**
 * Replace an op's backward rule while fn runs. For tests that show the
 * gradient checker catches a wrong rule; never used by the library.
 */
export function withRuleOverride<K extends OpName, T>(op: K, rule: RuleTable[K], fn: () => T): T {
  overrides[op] = rule;
  try {
    return fn();
  } finally {
    delete overrides[op];
  }
}
