// Entry point of a kernel worker thread (Node worker_threads): instantiates the
// shared-memory kernel module and runs the call lists the main thread posts.
// Holds no state of its own beyond the instance.

import { parentPort, workerData } from "node:worker_threads";
import { runPosted, startWorker, type KernelCall, type WorkerInit } from "../wasm/pool.js";

const init = workerData as WorkerInit;
const exports = startWorker(init);
parentPort!.on("message", (calls: KernelCall[]) => runPosted(exports, init, calls));
