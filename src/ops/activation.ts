// Activations as taped ops: relu, the ADC model qrelu (relu then floor onto
// 2^bits - 1 steps over [0, max], clipped), the binary step (1 where x > 0, a
// 1-bit comparator at zero), sigmoid, and the residual join relu(a + b) of a
// ResNet block. Forward only; relu, qrelu, the binary step and the residual
// join are split over the threads in element ranges.

import { engine, parallelRanges } from "../engine.js";
import { Tensor } from "../tensor.js";
import { record } from "../autograd/tape.js";

export function relu(x: Tensor): Tensor {
  x.check();
  const out = Tensor.empty(x.shape);
  parallelRanges(x.size, (lo, hi) => ["relu", out.ptr + lo * 4, x.ptr + lo * 4, hi - lo]);
  return record("relu", out, [x], null);
}

/** Quantised ReLU: the output ADC of a core with `bits` bits over [0, max]. */
export function qrelu(x: Tensor, bits: number, max: number): Tensor {
  x.check();
  if (!Number.isInteger(bits) || bits < 1 || bits > 24) throw new Error(`qrelu: bits must be an integer in [1, 24], got ${bits}`);
  if (!(max > 0)) throw new Error(`qrelu: max must be > 0, got ${max}`);
  const out = Tensor.empty(x.shape);
  parallelRanges(x.size, (lo, hi) => ["qrelu", out.ptr + lo * 4, x.ptr + lo * 4, hi - lo, 2 ** bits - 1, max]);
  return record("qrelu", out, [x], null);
}

/**
 * Binary activation: 1 where x > 0, else 0. Trained through a clipped
 * straight-through estimator: the gradient passes where |x| < width.
 * Not qrelu at 1 bit, which fires at x >= max, outputs max, and passes the
 * gradient for every x > 0.
 * @example const h = binaryStep(y, 1); // values in {0, 1}
 */
export function binaryStep(x: Tensor, width: number): Tensor {
  x.check();
  if (!(width > 0)) throw new Error(`binaryStep: the straight-through width must be > 0, got ${width}`);
  const out = Tensor.empty(x.shape);
  parallelRanges(x.size, (lo, hi) => ["binaryStep", out.ptr + lo * 4, x.ptr + lo * 4, hi - lo]);
  return record("binaryStep", out, [x], { width });
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
  parallelRanges(a.size, (lo, hi) => ["addRelu", out.ptr + lo * 4, a.ptr + lo * 4, b.ptr + lo * 4, hi - lo]);
  return record("addRelu", out, [a, b], null);
}
