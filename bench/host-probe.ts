// What this host gives a second thread: each probe (host-probe-kinds.ts) runs on
// one thread, then on two at once (the main thread and a worker, each on its
// own memory), in rounds. A probe's ratio in a round is 2 x its one-thread chunk
// time over the slower thread's when both run: 2.00 when the second thread costs
// the first nothing. The paired thread scaling of the training step (scaling.ts)
// reads against these: a step bound by the shared caches and memory cannot scale
// better than the probes that stress them.
// Usage: node dist/bench/host-probe.js [--rounds N] [--ms MS]; prints a table,
// then one JSON line. `npm run bench` runs it in a child process.

import v8 from "node:v8";
v8.setFlagsFromString("--experimental-wasm-relaxed-simd");

import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { loadKernels } from "../src/wasm/load.js";
import { PAGE } from "../src/wasm/abi.js";
import { medianChunkMs, PROBE_BYTES, PROBES, probeChunks, type HostProbeRow, type Probe } from "./host-probe-kinds.js";
import { spread } from "./rounds.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" }, ms: { type: "string", default: "1000" } } });
const rounds = Number(values.rounds),
  ms = Number(values.ms);
if (!Number.isInteger(rounds) || rounds < 1 || !(ms > 0)) throw new Error("usage: host-probe.js [--rounds N] [--ms MS]");

const base0 = PAGE,
  base1 = base0 + Math.ceil(PROBE_BYTES / PAGE) * PAGE;
const kernels = loadKernels({ shared: true, initialPages: Math.ceil((base1 + PROBE_BYTES) / PAGE) + 1 });
const chunks = probeChunks(kernels.exports, kernels.memory, base0);
const worker = new Worker(new URL("./host-probe-worker.js", import.meta.url), {
  workerData: { module: kernels.module, memory: kernels.memory, base: base1 },
});
const replies: ((v: unknown) => void)[] = [];
worker.on("message", (v) => replies.shift()?.(v));
worker.on("error", (e) => {
  console.error(`host probe: the worker failed: ${e.message}`);
  process.exit(1);
});
const reply = () => new Promise((resolve) => replies.push(resolve));
await reply(); // "ready"

const probes = Object.keys(PROBES) as Probe[];
const ratios: Record<string, number[]> = {},
  oneMs: Record<string, number[]> = {};
for (let r = 0; r < rounds; r++) {
  for (const probe of probes) {
    const one = medianChunkMs(chunks[probe], ms);
    const other = reply();
    worker.postMessage({ probe, ms });
    const mine = medianChunkMs(chunks[probe], ms);
    const theirs = (await other) as number;
    (ratios[probe] ??= []).push((2 * one) / Math.max(mine, theirs));
    (oneMs[probe] ??= []).push(one);
  }
}
await worker.terminate();

const rows: HostProbeRow[] = probes.map((probe) => ({
  probe,
  what: PROBES[probe],
  ratio: spread(ratios[probe]),
  ratios: ratios[probe],
  oneThreadMs: oneMs[probe],
}));
console.table(
  rows.map((r) => ({
    probe: r.what,
    "2 threads / 1, median (min-max)": `${r.ratio.median.toFixed(2)} (${r.ratio.min.toFixed(2)}-${r.ratio.max.toFixed(2)})`,
    "1-thread chunk ms, per round": r.oneThreadMs.map((t) => t.toFixed(2)).join(", "),
  })),
);
console.log(
  JSON.stringify({ bench: "host probes, 2 threads / 1 thread, paired rounds", rounds, msPerSide: ms, kernels: kernels.variant, rows }),
);
process.exit(0);
