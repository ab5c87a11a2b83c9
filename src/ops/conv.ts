// 2-D convolution as a taped op: stride 1, SAME zero padding, odd kernel side R (3 x 3 and 1 x 1 in the
// models). Layout: activations NHWC x [B, H, W, F] -> y [B, H, W, G], weights HWIO w [R, R, F, G] (as JAX),
// optional bias [G]. Shapes are checked here; the threaded kernels run through src/conv.ts.
// Letters (docs/architecture.md): B batch, H W image, F input and G output channels, R kernel side.

import { Tensor } from "../tensor.js";
import { record } from "../autograd/tape.js";
import { convolve, type ConvShape } from "../conv.js";

function convShape(x: Tensor, w: Tensor, bias?: Tensor): ConvShape {
  if (x.shape.length !== 4) throw new Error(`conv2d: input [${x.shape.join(", ")}] must be [B, H, W, F] (NHWC)`);
  if (w.shape.length !== 4 || w.shape[0] !== w.shape[1] || w.shape[0] % 2 !== 1 || w.shape[2] !== x.shape[3]) {
    throw new Error(
      `conv2d: weight [${w.shape.join(", ")}] must be [R, R, ${x.shape[3]}, G] (HWIO, odd R) for input [${x.shape.join(", ")}]`,
    );
  }
  const [B, H, W, F] = x.shape;
  const [R, , , G] = w.shape;
  if (bias && (bias.shape.length !== 1 || bias.size !== G)) throw new Error(`conv2d: bias [${bias.shape.join(", ")}] must be [${G}]`);
  return { B, H, W, F, G, R };
}

/**
 * 2-D convolution, stride 1, SAME zero padding: x [B, H, W, F] (NHWC), w [R, R, F, G] (HWIO), bias [G].
 * @example const y = conv2d(x, w, b); // x [64, 32, 32, 16], w [3, 3, 16, 16] -> y [64, 32, 32, 16]
 */
export function conv2d(x: Tensor, w: Tensor, bias?: Tensor): Tensor {
  x.check();
  w.check();
  bias?.check();
  const s = convShape(x, w, bias);
  const y = Tensor.empty([s.B, s.H, s.W, s.G]);
  convolve(y.ptr, x.ptr, w.ptr, bias ? bias.ptr : 0, s, false);
  return record("conv2d", y, bias ? [x, w, bias] : [x, w], s);
}
