// Entry point of the kernel module: re-exports every kernel family.
// Kernels take byte addresses and dimensions only, allocate nothing, return void
// (except the ABI probes). Memory is imported from the host (env.memory).

export { ABI_VERSION, gemmScratchBytes } from "./abi";
export { gemmNN, gemmNT, gemmTN } from "./gemm";

/** First byte the host may use: everything below is the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}
