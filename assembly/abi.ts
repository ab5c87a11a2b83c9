// ABI constants shared with the TypeScript loader.
// Twin: src/wasm/abi.ts (ABI_VERSION). Bump both together whenever a kernel
// signature or memory convention changes; the loader refuses a mismatch.

export const ABI_VERSION: i32 = 10;

/** Bytes of routed blocks the routed kernels gather (scatter) at once per thread (twin: src/wasm/abi.ts). */
export const ROUTED_CHUNK_BYTES: i32 = 256 * 1024;

/** Bytes of scratch a gemm call needs for a given inner dimension I. */
export function gemmScratchBytes(I: i32): i32 {
  return (I * 8 + 48) * 4;
}
