// The second thread of host-probe.ts: instantiates the kernel module over the
// shared memory and times the probe it is sent, at its own base address.

import { parentPort, workerData } from "node:worker_threads";
import type { KernelExports } from "../src/wasm/kernels.js";
import { medianChunkMs, probeChunks, type Probe } from "./host-probe-kinds.js";

const { module, memory, base } = workerData as { module: WebAssembly.Module; memory: WebAssembly.Memory; base: number };
const instance = new WebAssembly.Instance(module, {
  env: {
    memory,
    abort() {
      throw new Error("kernel abort in the host probe's worker");
    },
  },
});
const chunks = probeChunks(instance.exports as unknown as KernelExports, memory, base);
parentPort!.on("message", ({ probe, ms }: { probe: Probe; ms: number }) => parentPort!.postMessage(medianChunkMs(chunks[probe], ms)));
parentPort!.postMessage("ready");
