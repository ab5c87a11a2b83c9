// Kernel threads as Web Workers (browsers, Deno, Bun): the spawn function the
// engine's pool takes, beside the Node one (scrramble/node). The worker script
// is a module next to this file. Needs a cross-origin isolated page in browsers
// (SharedArrayBuffer); the engine falls back to one thread otherwise.

import type { SpawnWorker } from "./pool.js";

/**
 * Start one kernel worker as a module Web Worker.
 * @example initEngine({ threads: 4, spawnWorker: spawnWebWorker }); await engineReady();
 */
export const spawnWebWorker: SpawnWorker = (init) => {
  const w = new Worker(new URL("./web-kernel-worker.js", import.meta.url), { type: "module", name: `scrramble-kernels-${init.index + 1}` });
  w.postMessage(init);
  return w;
};

/** Why shared memory (and so threads) is unavailable here, or null when it is available. */
export function sharedMemoryUnavailable(): string | null {
  if (typeof SharedArrayBuffer === "undefined")
    return "SharedArrayBuffer is unavailable (a browser page needs cross-origin isolation: COOP / COEP headers)";
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false)
    return "the page is not cross-origin isolated (serve it with COOP / COEP headers for threads)";
  return null;
}
