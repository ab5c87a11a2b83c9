// Entry point of the forward-only kernel module that the edge bundle inlines:
// f32 GEMM (NT, with the batch-1 GEMV path), the int8-weight kernels, slot
// routing, activations and capsule lengths. No backward, optimiser or simulation
// kernels; single-threaded (private memory), SIMD128. Memory is imported (env.memory).

export { ABI_VERSION } from "./abi";
export { gemmNT } from "./gemm";
export { quantizeRowsI16, gemmNTi8 } from "./int8";
export { routeGather } from "./routing";
export { relu, qrelu, addBias } from "./elementwise";
export { capsuleLengths } from "./capsule";

/** First byte the host may use: everything below is the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}
