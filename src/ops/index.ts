// All taped ops in one namespace. Re-exports only.
export { add, sub, mul, scale, reshape, sum, mean } from "./basic.js";
export { matmul, linear } from "./matmul.js";
export { relu, qrelu, binaryStep, sigmoid, addRelu } from "./activation.js";
export { conv2d } from "./conv.js";
export { batchNorm, layerNorm, type BatchNormState, type BatchNormMode } from "./norm.js";
export { maxPool2d, avgPool2d } from "./pool.js";
export { softmaxCrossEntropy, mseLoss, capsuleMarginLoss, capsuleLengths, type MarginOptions } from "./loss.js";
export { scrrambleLayer } from "./scrramble.js";
export { uploadRouting, type RoutingBuffers, type RoutingLike } from "./routing-buffers.js";
