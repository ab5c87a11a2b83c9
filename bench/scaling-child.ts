// One side of a paired thread-scaling round (scaling.ts): the default ScRRAMBLe
// model's training step at batch 64 (AdamW fused, as `scrramble train` runs it)
// on the thread count given, timed for about `ms` milliseconds in a fresh
// process, as `scrramble train --threads N` starts. Prints one JSON line.
// Usage: node dist/bench/scaling-child.js THREADS MS

import v8 from "node:v8";
v8.setFlagsFromString("--experimental-wasm-relaxed-simd");

import { engine, engineReady, initEngine } from "../src/engine.js";
import { spawnNodeWorker } from "../src/node/threads.js";
import { benchTraining } from "./train-step.js";
import { quantile, timeCalls } from "./rounds.js";

const [threads, ms] = process.argv.slice(2).map(Number);
if (!Number.isInteger(threads) || threads < 1 || !(ms > 0)) throw new Error("usage: scaling-child.js THREADS MS");
initEngine(threads > 1 ? { threads, spawnWorker: spawnNodeWorker } : { threads: 1 });
await engineReady();
const B = 64;
const { step } = benchTraining("scrramble", B);
const first = step();
if (!Number.isFinite(first)) throw new Error(`the first step's loss is ${first}`);
const t = await timeCalls(`train scrramble, ${threads} threads`, step, ms);
console.log(JSON.stringify({ threads, samplesPerSecond: (B * 1000) / quantile(t, 0.5) }));
engine().pool?.close();
process.exit(0);
