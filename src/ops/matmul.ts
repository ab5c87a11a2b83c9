// Matrix products as taped ops: matmul (A.B) and linear (x.W^T + b, PyTorch
// weight layout [out, in]). Forward only; rules in autograd/rules.ts.
// Letters (docs/architecture.md): M rows, I inner, J columns; B batch, I inputs, O outputs.

import { engine } from "../engine.js";
import { gemm } from "../gemm.js";
import { Tensor } from "../tensor.js";
import { record } from "../autograd/tape.js";

/** a [M, I] . b [I, J] -> [M, J]. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  a.check();
  b.check();
  if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[1] !== b.shape[0]) {
    throw new Error(`matmul: cannot multiply [${a.shape.join(", ")}] by [${b.shape.join(", ")}]`);
  }
  const [M, I] = a.shape;
  const J = b.shape[1];
  const out = Tensor.empty([M, J]);
  gemm("gemmNN", M, J, I, a.ptr, I, b.ptr, J, out.ptr, J, false);
  return record("matmul", out, [a, b], null);
}

/** x [B, I] . w[O, I]^T (+ bias [O]) -> [B, O]. */
export function linear(x: Tensor, w: Tensor, bias?: Tensor): Tensor {
  x.check();
  w.check();
  bias?.check();
  if (x.shape.length !== 2 || w.shape.length !== 2 || x.shape[1] !== w.shape[1]) {
    throw new Error(`linear: input [${x.shape.join(", ")}] does not match weight [${w.shape.join(", ")}] ([out, in])`);
  }
  const [B, I] = x.shape;
  const O = w.shape[0];
  if (bias && (bias.shape.length !== 1 || bias.size !== O)) throw new Error(`linear: bias [${bias.shape.join(", ")}] must be [${O}]`);
  const out = Tensor.empty([B, O]);
  gemm("gemmNT", B, O, I, x.ptr, I, w.ptr, I, out.ptr, O, false);
  if (bias) engine().k.addBias(out.ptr, out.ptr, bias.ptr, B, O);
  return record("linear", out, bias ? [x, w, bias] : [x, w], null);
}
