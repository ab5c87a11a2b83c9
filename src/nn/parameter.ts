// Trainable parameters: persistent tensors with a persistent gradient buffer,
// allocated together when a model is built. Must not allocate during a step.

import { Tensor, type Shape } from "../tensor.js";

/**
 * A trainable tensor (zero-filled) with its gradient buffer.
 * @example
 * const w = parameter([10, 784], "fc.weight");
 */
export function parameter(shape: Shape, name = ""): Tensor {
  const t = Tensor.persistent(shape, name);
  // zeros already, but pending as after zeroGrad(): the first backward may defer or overwrite
  t.grad = Tensor.persistent(shape, name ? `${name}.grad` : "").clearToZero();
  t.requiresGrad = true;
  return t;
}
