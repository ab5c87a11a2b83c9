// Reverse-mode autograd: backward() walks the tape (tape.ts) in reverse and
// applies each op's rule (rules.ts). The only importer of the rules, so code
// that never trains never loads them.

import { engine } from "../engine.js";
import type { Tensor } from "../tensor.js";
import type { OpName, RuleTable, TapeNode } from "./types.js";
import { rules } from "./rules.js";
import { gradOf } from "./grad.js";
import { takeTape } from "./tape.js";

const overrides: Partial<Record<OpName, unknown>> = {};

/** Backpropagate from a scalar (or seed gradient gy) through the tape. */
export function backward(loss: Tensor, gy?: Tensor): void {
  loss.check();
  if (!gy && loss.size !== 1) throw new Error(`backward() from a non-scalar tensor [${loss.shape.join(", ")}] needs a seed gradient`);
  const seed = gradOf(loss);
  if (gy) engine().k.scaleAcc(seed.ptr, gy.ptr, 1, seed.size);
  else seed.data()[0] += 1;
  const tape = takeTape();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (!node.out.grad) continue;
    const rule = (overrides[node.op] ?? rules[node.op]) as (n: TapeNode, g: Tensor) => void;
    rule(node, node.out.grad);
  }
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
