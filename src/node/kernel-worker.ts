// Entry point of a kernel worker thread (Node worker_threads): instantiates the
// shared-memory kernel module and runs the call lists the main thread writes to
// its mailbox (or posts, from a pool without one). Holds no state of its own
// beyond the instance.

import { parentPort, workerData } from "node:worker_threads";
import { runPosted, serveKernels, type KernelCall, type WorkerInit } from "../wasm/pool.js";

const init = workerData as WorkerInit;
const exports = serveKernels(init);
if (exports) parentPort!.on("message", (calls: KernelCall[]) => runPosted(exports, init, calls));
