// ABI constants shared with the kernel module.
// Twin: assembly/abi.ts (ABI_VERSION). Bump both together; the loader refuses a
// module that reports another version. Must not import anything.

export const ABI_VERSION = 10;
/** Alignment of every arena allocation (one v128). */
export const ALIGN = 16;
/** WebAssembly page size in bytes. */
export const PAGE = 65536;
/** Index of the scratch pointer among a gemm kernel's arguments (twin: the gemm signatures in assembly/gemm.ts). */
export const GEMM_SCRATCH_ARG = 10;
/** Bytes of scratch a gemm call needs for inner dimension I (twin: gemmScratchBytes). */
export function gemmScratchBytes(I: number): number {
  return (I * 8 + 48) * 4;
}

/** Index of the scratch pointer among the routed kernels' arguments (twin: the signatures in assembly/routed.ts). */
export const ROUTED_SCRATCH_ARG = {
  routedForward: 15,
  routedForwardPacked: 15,
  routedWeightGrad: 15,
  routedInputGrad: 16,
  routedWeightGradAdam: 25,
} as const;
/** Bytes of routed blocks the routed kernels gather (scatter) at once per thread (twin: ROUTED_CHUNK_BYTES in assembly/abi.ts). */
export const ROUTED_CHUNK_BYTES = 256 * 1024;
/**
 * Scratch bytes of one thread for the routed (fused gather / scatter) kernels: the GEMM's
 * panel scratch, one core's packed A operand, a chunk of routed blocks for any rows <= B,
 * and the forward's list of a core's nonzero input columns (twin: routedScratchBytes in
 * assembly/routed.ts).
 */
export function routedScratchBytes(B: number, N: number): number {
  return (
    gemmScratchBytes(Math.max(B, N)) + Math.max(packedABytes(B, N), packedABytes(N, B)) + Math.max(ROUTED_CHUNK_BYTES, B * N * 4) + N * 4
  );
}

/** Scratch bytes of one thread for routedWeightGradAdam: the routed kernels' scratch, then one core's dW [N, N]. */
export function routedAdamScratchBytes(B: number, N: number): number {
  return routedScratchBytes(B, N) + N * N * 4;
}

/**
 * Bytes of a [M, I] packed into micro-panels by packA (twin: packedABytes in
 * assembly/gemm.ts, whose panels are 6 rows high in the relaxed-SIMD build and 4
 * in the SIMD128 one; a last panel of at most 4 rows is 4 high): the larger of the two.
 */
export function packedABytes(M: number, I: number): number {
  const rows6 = Math.floor(M / 6) * 6 + (M % 6 === 0 ? 0 : M % 6 <= 4 ? 4 : 6);
  return Math.max(Math.ceil(M / 4) * 4, rows6) * I * 4;
}

/** Bytes of the packed form (packB) of a b [I, J] (twin: packedBytes in assembly/gemm.ts). */
export function packedBytes(I: number, J: number): number {
  return Math.ceil(J / 8) * I * 32;
}

/** Maximum pages of the shared-memory build (twin: --maximumMemory in scripts/build-wasm.mjs). */
export const MAX_SHARED_PAGES = 32768;
