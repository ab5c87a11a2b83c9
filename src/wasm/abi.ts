// ABI constants shared with the kernel module.
// Twin: assembly/abi.ts (ABI_VERSION). Bump both together; the loader refuses a
// module that reports another version. Must not import anything.

export const ABI_VERSION = 4;
/** Alignment of every arena allocation (one v128). */
export const ALIGN = 16;
/** WebAssembly page size in bytes. */
export const PAGE = 65536;
/** Index of the scratch pointer among a gemm kernel's arguments (twin: the gemm signatures in assembly/gemm.ts). */
export const GEMM_SCRATCH_ARG = 10;
/** Bytes of scratch a gemm call needs for inner dimension I (twin: gemmScratchBytes). */
export function gemmScratchBytes(I: number): number {
  return (I * 8 + 32) * 4;
}

/** Index of the scratch pointer among the routed kernels' arguments (twin: the signatures in assembly/routed.ts). */
export const ROUTED_SCRATCH_ARG = { routedForward: 15, routedForwardPacked: 15, routedWeightGrad: 15, routedInputGrad: 15 } as const;
/** Scratch bytes of one thread for the routed (fused gather / scatter) kernels (twin: routedScratchBytes). */
export function routedScratchBytes(B: number, N: number): number {
  return B * N * 4 + gemmScratchBytes(Math.max(B, N));
}

/** Bytes of the packed form (packB) of a b [I, J] (twin: packedBytes in assembly/gemm.ts). */
export function packedBytes(I: number, J: number): number {
  return Math.ceil(J / 8) * I * 32;
}

/** Maximum pages of the shared-memory build (twin: --maximumMemory in scripts/build-wasm.mjs). */
export const MAX_SHARED_PAGES = 32768;
