// Gradient buffers of tensors: a parameter owns a persistent one (parameter()),
// any other tensor gets a zero-filled step tensor on first use. Used by the
// backward rules and backward(); no kernels beyond the fill.

import { Tensor } from "../tensor.js";

/** The gradient buffer of t, created zero-filled on first use. */
export function gradOf(t: Tensor): Tensor {
  if (t.grad) return t.grad.check();
  if (t.persistentTensor) {
    throw new Error(`tensor${t.name ? ` "${t.name}"` : ""} requires grad but has no gradient buffer: create it with parameter()`);
  }
  t.grad = Tensor.zeros(t.shape);
  return t.grad;
}
