// The second thread of host-probe.ts: instantiates the kernel module over the
// shared memory and times the probe it is sent, at its own base address.

import { parentPort, workerData } from "node:worker_threads";
import { instantiateKernels } from "../src/wasm/instance.js";
import { medianChunkMs, probeChunks, type Probe } from "./host-probe-kinds.js";

const { module, memory, base } = workerData as { module: WebAssembly.Module; memory: WebAssembly.Memory; base: number };
const chunks = probeChunks(instantiateKernels(module, memory), memory, base);
parentPort!.on("message", ({ probe, ms }: { probe: Probe; ms: number }) => parentPort!.postMessage(medianChunkMs(chunks[probe], ms)));
parentPort!.postMessage("ready");
