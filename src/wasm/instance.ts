// Instantiating the compiled kernel module over a memory: the main thread's (load.ts,
// a fresh memory) and each worker's (pool.ts, the shared one). Kept apart from load.ts
// so that a worker does not load the embedded module bytes.

import type { KernelExports } from "./kernels.js";

/** An instance of the compiled kernel module over `memory` (a worker's, over the shared one); an abort throws. */
export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort(_msg: number, _file: number, line: number, col: number) {
        throw new Error(`kernel abort at line ${line}:${col}`);
      },
    },
  });
  return instance.exports as unknown as KernelExports;
}
