// Entry point of a kernel worker started as a Web Worker (browsers, Deno, Bun):
// the first message is its WorkerInit (module, shared memory, flags, mailbox);
// then it serves the mailbox (or, from a pool without one, takes every later
// message as a list of kernel calls). Holds no state beyond the instance.

import { runPosted, serveKernels, type KernelCall, type WorkerInit } from "./pool.js";
import type { KernelExports } from "./kernels.js";

interface WorkerScope {
  onmessage: ((e: MessageEvent) => void) | null;
}

let init: WorkerInit | null = null;
let kernels: KernelExports | null = null;
(globalThis as unknown as WorkerScope).onmessage = (e: MessageEvent) => {
  if (!init) {
    init = e.data as WorkerInit;
    kernels = serveKernels(init);
    return;
  }
  runPosted(kernels!, init, e.data as KernelCall[]);
};
