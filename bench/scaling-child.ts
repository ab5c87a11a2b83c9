// One side of the paired thread scaling (scaling.ts): the default ScRRAMBLe
// model's training step at batch 64 (AdamW fused, as `scrramble train` runs it)
// on the thread count given, in a process of its own that stays up between its
// timing windows. It prints {"ready":true} once the model is built and its
// first step ran, then reads one number a line from stdin: for each, it times
// the step for about that many milliseconds and prints one JSON line. It ends
// at the end of its input.
// Usage: node dist/bench/scaling-child.js THREADS

import v8 from "node:v8";
v8.setFlagsFromString("--experimental-wasm-relaxed-simd");

import { createInterface } from "node:readline";
import { engine, engineReady, initEngine } from "../src/engine.js";
import { spawnNodeWorker } from "../src/node/threads.js";
import { benchTraining } from "./train-step.js";
import { quantile, timeCalls } from "./rounds.js";

const threads = Number(process.argv[2]);
if (!Number.isInteger(threads) || threads < 1) throw new Error("usage: scaling-child.js THREADS");
initEngine(threads > 1 ? { threads, spawnWorker: spawnNodeWorker } : { threads: 1 });
await engineReady();
const B = 64;
const { step } = benchTraining("scrramble", B);
const first = step();
if (!Number.isFinite(first)) throw new Error(`the first step's loss is ${first}`);
console.log(JSON.stringify({ ready: true }));
for await (const line of createInterface({ input: process.stdin })) {
  const ms = Number(line);
  if (!(ms > 0)) throw new Error(`scaling-child: a window of ${JSON.stringify(line)} ms`);
  const t = await timeCalls(`train scrramble, ${threads} threads`, step, ms);
  console.log(JSON.stringify({ threads, samplesPerSecond: (B * 1000) / quantile(t, 0.5) }));
}
engine().pool?.close();
process.exit(0);
