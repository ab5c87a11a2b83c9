// 2 x 2 pooling with stride 2 over NHWC images as taped ops: max (the reference's between stages) and
// average (before the projection). The batch is split over the threads (images are contiguous).
// Forward only; rules in autograd/rules.ts. Letters (docs/architecture.md): B batch, H W image, F channels.

import { parallel } from "../engine.js";
import { imageCalls } from "../conv.js";
import { Tensor } from "../tensor.js";
import { record } from "../autograd/tape.js";

function poolShape(op: string, x: Tensor): [number, number, number, number] {
  if (x.shape.length !== 4) throw new Error(`${op}: input [${x.shape.join(", ")}] must be [B, H, W, F] (NHWC)`);
  const [B, H, W, F] = x.shape;
  if (H % 2 !== 0 || W % 2 !== 0) throw new Error(`${op}: ${H} x ${W} images do not split into 2 x 2 windows`);
  return [B, H, W, F];
}

function pool(op: "maxPool2" | "avgPool2", x: Tensor): Tensor {
  x.check();
  const [B, H, W, F] = poolShape(op === "maxPool2" ? "maxPool2d" : "avgPool2d", x);
  const y = Tensor.empty([B, H / 2, W / 2, F]);
  const per = (H * W * F) / 4;
  parallel(
    imageCalls(
      op,
      [
        { ptr: y.ptr, perImage: per },
        { ptr: x.ptr, perImage: H * W * F },
      ],
      B,
      H,
      W,
      F,
    ),
  );
  return y;
}

/**
 * Max over 2 x 2 windows, stride 2: x [B, H, W, F] -> [B, H/2, W/2, F].
 * @example const y = maxPool2d(x); // [64, 32, 32, 16] -> [64, 16, 16, 16]
 */
export function maxPool2d(x: Tensor): Tensor {
  return record("maxPool2d", pool("maxPool2", x), [x], null);
}

/**
 * Mean over 2 x 2 windows, stride 2: x [B, H, W, F] -> [B, H/2, W/2, F].
 * @example const y = avgPool2d(x); // [64, 8, 8, 64] -> [64, 4, 4, 64]
 */
export function avgPool2d(x: Tensor): Tensor {
  return record("avgPool2d", pool("avgPool2", x), [x], null);
}
