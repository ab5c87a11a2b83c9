// Gradient buffers of tensors: a parameter owns a persistent one (parameter()),
// any other tensor gets a step tensor on first use. A rule whose kernel writes
// every element asks gradInto() and overwrites a buffer that holds zeros
// (fresh, or zeroed lazily by zeroGrad()) instead of filling it and adding.

import { Tensor } from "../tensor.js";

/** The gradient buffer of t, zero-filled when first used or pending zeros (for kernels that add). */
export function gradOf(t: Tensor): Tensor {
  if (t.grad) return t.grad.check().materialize();
  if (t.persistentTensor) {
    throw new Error(`tensor${t.name ? ` "${t.name}"` : ""} requires grad but has no gradient buffer: create it with parameter()`);
  }
  t.grad = Tensor.zeros(t.shape);
  return t.grad;
}

/**
 * The gradient buffer of t for a kernel that writes every element, with the
 * kernel's accumulate flag: 0 (overwrite) when the buffer holds only zeros so
 * far, 1 (add) when an earlier rule already wrote it.
 */
export function gradInto(t: Tensor): { grad: Tensor; accumulate: 0 | 1 } {
  if (!t.grad) {
    if (t.persistentTensor) return { grad: gradOf(t), accumulate: 1 };
    t.grad = Tensor.empty(t.shape);
    return { grad: t.grad, accumulate: 0 };
  }
  const g = t.grad.check();
  if (g.pendingZero) {
    g.pendingZero = false;
    return { grad: g, accumulate: 0 };
  }
  return { grad: g, accumulate: 1 };
}
