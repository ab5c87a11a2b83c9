// Starts kernel worker threads with Node's worker_threads (the spawn function
// the engine's pool takes). Workers are unref'd so they never keep the process
// alive on their own.

import { Worker } from "node:worker_threads";
import type { SpawnWorker } from "../wasm/pool.js";

/**
 * @example initEngine({ threads: 2, spawnWorker: spawnNodeWorker });
 */
export const spawnNodeWorker: SpawnWorker = (init) => {
  // A kernel worker runs WASM over the shared memory and keeps almost no JS
  // objects: a small young generation keeps its isolate's memory small.
  const w = new Worker(new URL("./kernel-worker.js", import.meta.url), {
    workerData: init,
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 32 },
  });
  w.unref();
  return w;
};
