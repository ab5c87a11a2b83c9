// Entry point of the kernel module: re-exports every kernel family.
// Kernels take byte addresses and dimensions only, allocate nothing, return void
// (except the ABI probes). Memory is imported from the host (env.memory).

export { ABI_VERSION, gemmScratchBytes } from "./abi";
export {
  gemmNN, gemmNT, gemmTN, packedBytes, packB, gemmPacked, gemvPackedNonzero, gemmPackedTN, packedABytes, packA, gemmPackedA, gemmPackedAB,
  nonzeroColumns, compactPackedA, gemmPackedAColumnsT, gemmPackedABColumns,
} from "./gemm";
export {
  fill, add, sub, mul, mulAcc, scale, scaleAcc, addBias, relu, reluBackward, qrelu, binaryStep, binaryStepBackward,
  sigmoid, sigmoidBackward, addRelu,
} from "./elementwise";
export { sum, sumRows, softmaxCrossEntropy, softmaxCrossEntropyBackward, mse, mseBackward } from "./reduce";
export { capsuleLengths, marginLoss, marginLossBackward } from "./capsule";
export { adamStep, sgdStep } from "./optim";
export { routeGather, routeScatter } from "./routing";
export {
  routedScratchBytes, routedForward, routedForwardPacked, routedWeightGrad, routedWeightGradAdam, routedInputGrad,
} from "./routed";
export { quantizeSymmetric, quantizeMidrise, crossbarReadout } from "./crossbar";
export { conv2dForward, conv2dBackwardWeight, conv2dFlipWeights, convForwardScratchBytes, convWeightScratchBytes } from "./conv";
export {
  channelSums, sumParts, bnStats, bnScaleShift, channelAffine, bnBackwardSums, bnParamGrads, bnBackwardCoefs, bnBackwardInput,
  layerNorm, layerNormBackward,
} from "./norm";
export { maxPool2, maxPool2Backward, avgPool2, avgPool2Backward } from "./pool";
export { winogradWeights, winogradForward, winogradScratchBytes } from "./winograd";

/** First byte the host may use: everything below is the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}
