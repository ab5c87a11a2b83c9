// Elementwise arithmetic, views and reductions as taped ops. Forward only: the
// backward rules live in autograd/rules.ts. Shapes are checked here.

import { engine } from "../engine.js";
import { Tensor, type Shape } from "../tensor.js";
import { record } from "../autograd/tape.js";

function sameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.size !== b.size || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${op}: shapes [${a.shape.join(", ")}] and [${b.shape.join(", ")}] differ`);
  }
}

/** a + b; b may also be a bias of shape [last dim of a], added to every row. */
export function add(a: Tensor, b: Tensor): Tensor {
  a.check();
  b.check();
  const k = engine().k;
  const last = a.shape[a.shape.length - 1];
  const broadcast = b.shape.length === 1 && a.shape.length > 1 && b.size === last;
  if (!broadcast) sameShape("add", a, b);
  const out = Tensor.empty(a.shape);
  if (broadcast) k.addBias(out.ptr, a.ptr, b.ptr, a.size / last, last);
  else k.add(out.ptr, a.ptr, b.ptr, a.size);
  return record("add", out, [a, b], { broadcast });
}

/** a - b (same shape). */
export function sub(a: Tensor, b: Tensor): Tensor {
  a.check();
  b.check();
  sameShape("sub", a, b);
  const out = Tensor.empty(a.shape);
  engine().k.sub(out.ptr, a.ptr, b.ptr, a.size);
  return record("sub", out, [a, b], null);
}

/** a * b elementwise (same shape). */
export function mul(a: Tensor, b: Tensor): Tensor {
  a.check();
  b.check();
  sameShape("mul", a, b);
  const out = Tensor.empty(a.shape);
  engine().k.mul(out.ptr, a.ptr, b.ptr, a.size);
  return record("mul", out, [a, b], null);
}

/** s * a for a number s. */
export function scale(a: Tensor, s: number): Tensor {
  a.check();
  const out = Tensor.empty(a.shape);
  engine().k.scale(out.ptr, a.ptr, s, a.size);
  return record("scale", out, [a], { s });
}

/** The same data under another shape (a view: no copy). */
export function reshape(a: Tensor, shape: Shape): Tensor {
  a.check();
  const out = new Tensor(shape, a.ptr, a.gen);
  if (out.size !== a.size)
    throw new Error(`reshape: [${a.shape.join(", ")}] (${a.size}) cannot become [${shape.join(", ")}] (${out.size})`);
  return record("reshape", out, [a], null);
}

/** Sum of all elements, a scalar [1]. */
export function sum(a: Tensor): Tensor {
  a.check();
  const out = Tensor.empty([1]);
  engine().k.sum(out.ptr, a.ptr, a.size);
  return record("sum", out, [a], null);
}

/** Mean of all elements, a scalar [1]. */
export function mean(a: Tensor): Tensor {
  a.check();
  const out = Tensor.empty([1]);
  const k = engine().k;
  k.sum(out.ptr, a.ptr, a.size);
  k.scale(out.ptr, out.ptr, 1 / a.size, 1);
  return record("mean", out, [a], null);
}
