// Entry point of a kernel worker thread (Node worker_threads): instantiates the
// shared-memory kernel module and runs the call lists the main thread posts.
// Holds no state of its own beyond the instance.

import { parentPort, workerData } from "node:worker_threads";
import { runPosted, type KernelCall, type WorkerInit } from "../wasm/pool.js";
import type { KernelExports } from "../wasm/kernels.js";

const init = workerData as WorkerInit;
const instance = new WebAssembly.Instance(init.module, {
  env: {
    memory: init.memory,
    abort(_msg: number, _file: number, line: number, col: number) {
      throw new Error(`kernel abort at line ${line}:${col}`);
    },
  },
});
const exports = instance.exports as unknown as KernelExports;
parentPort!.on("message", (calls: KernelCall[]) => runPosted(exports, init, calls));
