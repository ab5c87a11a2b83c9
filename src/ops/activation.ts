// Activations as taped ops: relu, the ADC model qrelu (relu then floor onto
// 2^bits - 1 steps over [0, max], clipped), sigmoid, and the residual join
// relu(a + b) of a ResNet block. Forward only.

import { engine } from "../engine.js";
import { Tensor } from "../tensor.js";
import { record } from "../autograd/tape.js";

export function relu(x: Tensor): Tensor {
  x.check();
  const out = Tensor.empty(x.shape);
  engine().k.relu(out.ptr, x.ptr, x.size);
  return record("relu", out, [x], null);
}

/** Quantised ReLU: the output ADC of a core with `bits` bits over [0, max]. */
export function qrelu(x: Tensor, bits: number, max: number): Tensor {
  x.check();
  if (!Number.isInteger(bits) || bits < 1 || bits > 24) throw new Error(`qrelu: bits must be an integer in [1, 24], got ${bits}`);
  if (!(max > 0)) throw new Error(`qrelu: max must be > 0, got ${max}`);
  const out = Tensor.empty(x.shape);
  engine().k.qrelu(out.ptr, x.ptr, x.size, 2 ** bits - 1, max);
  return record("qrelu", out, [x], null);
}

export function sigmoid(x: Tensor): Tensor {
  x.check();
  const out = Tensor.empty(x.shape);
  engine().k.sigmoid(out.ptr, x.ptr, x.size);
  return record("sigmoid", out, [x], null);
}

/**
 * relu(a + b) in one pass: the residual join of a ResNet block (a and b of one shape).
 * @example const out = addRelu(conv2Out, blockInput);
 */
export function addRelu(a: Tensor, b: Tensor): Tensor {
  a.check();
  b.check();
  if (a.size !== b.size || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i]))
    throw new Error(`addRelu: shapes [${a.shape.join(", ")}] and [${b.shape.join(", ")}] differ`);
  const out = Tensor.empty(a.shape);
  engine().k.addRelu(out.ptr, a.ptr, b.ptr, a.size);
  return record("addRelu", out, [a, b], null);
}
