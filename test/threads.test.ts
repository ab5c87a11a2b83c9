// Worker threads over a shared memory give the same results as one thread:
// per-core GEMMs, split GEMMs and the AdamW update write disjoint outputs, so
// training steps on 2, 3 and 4 threads must match one thread to the bit, at a
// batch of 16 and at a batch below 4 (the GEMV path). The pool waits for every
// worker before it reports a failure or a timeout.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Worker } from "node:worker_threads";
import { initEngine, endStep, engine } from "../src/engine.js";
import { Tensor } from "../src/tensor.js";
import { backward } from "../src/autograd/backward.js";
import { AdamW } from "../src/optim/adam.js";
import { ScrrambleMlp, SCRRAMBLE_MLP_DEFAULTS } from "../src/nn/scrramble-mlp.js";
import { DenseBaseline } from "../src/nn/dense-baseline.js";
import type { Model } from "../src/nn/model.js";
import { spawnNodeWorker } from "../src/node/threads.js";
import { KernelPool, type KernelCall, type SpawnWorker } from "../src/wasm/pool.js";
import { randomArray } from "./helpers/reference.js";

/** Parameters after 3 AdamW steps on a fixed batch of B, plus the scores of a B-row inference. */
function steps(make: () => Model, threads: number, B: number): Float32Array[] {
  initEngine(threads > 1 ? { threads, spawnWorker: spawnNodeWorker } : {});
  const m = make();
  const opt = new AdamW(m.parameters(), { lr: 1e-3 });
  const x = randomArray(B * m.inputSize, { s: 5 }, 0, 1);
  const y = Array.from({ length: B }, (_, i) => i % m.classes);
  for (let s = 0; s < 3; s++) {
    opt.zeroGrad();
    const { loss } = m.loss({ x: Tensor.from(x, [B, m.inputSize]), labels: y });
    backward(loss);
    opt.step();
    endStep();
  }
  const out = m.parameters().map((p) => p.toArray());
  out.push(m.scores(Tensor.from(x, [B, m.inputSize])).toArray());
  endStep();
  engine().pool?.close();
  return out;
}

const scr = () => new ScrrambleMlp({ ...SCRRAMBLE_MLP_DEFAULTS, cores: [4, 9, 10], coreSize: 64, slotSize: 16, init: "glorot-core" });
const dense = () => new DenseBaseline({ sizes: [256, 200, 120], classes: 10, groupSize: 12, initSeed: 1 });

for (const [name, make] of [
  ["the ScRRAMBLe MLP", scr],
  ["the dense baseline (split GEMMs)", dense],
] as const) {
  for (const B of [16, 2]) {
    test(`${name}, batch ${B}: 2, 3 and 4 threads train to the same bits as one`, () => {
      const one = steps(make, 1, B);
      for (const T of [2, 3, 4]) {
        const many = steps(make, T, B);
        assert.is(many.length, one.length);
        one.forEach((p, i) =>
          assert.ok(
            p.every((v, j) => Object.is(v, many[i][j])),
            `${T} threads: ${i === one.length - 1 ? "scores" : `parameter ${i}`} differ`,
          ),
        );
      }
    });
  }
}

test("threads > 1 without a spawn function is refused", () => {
  assert.throws(() => initEngine({ threads: 2 }), /spawnWorker/);
  initEngine();
});

// A stand-in worker over the pool's protocol: call ["fill", mode] fails at once
// (mode 1), finishes after 300 ms and marks itself done (2), or never answers (3).
const FAKE_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const flags = new Int32Array(workerData.flags);
const marks = new Int32Array(workerData.marks);
const i = workerData.index;
parentPort.on("message", (calls) => {
  const mode = calls[0][1];
  if (mode === 3) return;
  let status = 0;
  if (mode === 1) {
    new Uint8Array(workerData.errors, i * 1024, 1024).set(new TextEncoder().encode("boom"));
    status = 1;
  } else {
    const t = Date.now();
    while (Date.now() - t < 300);
    Atomics.store(marks, i, 1);
  }
  Atomics.store(flags, 2 * i + 1, status);
  Atomics.add(flags, 2 * i, 1);
  Atomics.notify(flags, 2 * i);
});`;

function fakePool(waitLimitMs?: number): { pool: KernelPool; marks: Int32Array } {
  const marks = new SharedArrayBuffer(16);
  const spawn: SpawnWorker = (init) => {
    const w = new Worker(FAKE_WORKER, { eval: true, workerData: { ...init, module: null, memory: null, marks } });
    w.unref();
    return w;
  };
  const pool = new KernelPool(3, null as unknown as WebAssembly.Module, null as unknown as WebAssembly.Memory, spawn, waitLimitMs);
  return { pool, marks: new Int32Array(marks) };
}

const call = (mode: number): KernelCall[] => [["fill", mode]];

test("a failing worker is reported only after the other workers have finished", () => {
  const { pool, marks } = fakePool();
  try {
    pool.run([[], call(1), call(2)], () => {});
    assert.unreachable("the failure was not reported");
  } catch (e) {
    assert.match((e as Error).message, /kernel worker 1 failed: boom/);
    assert.is(Atomics.load(marks, 1), 1, "worker 2 was still running when the failure was thrown");
  }
  pool.close();
});

test("a failure on the main thread waits for the workers too", () => {
  const { pool, marks } = fakePool();
  assert.throws(
    () =>
      pool.run([[], call(2), call(2)], () => {
        throw new Error("local failure");
      }),
    /local failure/,
  );
  assert.is(Atomics.load(marks, 0) + Atomics.load(marks, 1), 2);
  pool.close();
});

test("a worker that never answers times out after the others finished, and stops the pool", () => {
  const { pool, marks } = fakePool(600);
  assert.throws(() => pool.run([[], call(3), call(2)], () => {}), /kernel worker 1 did not answer within 0.6 s/);
  assert.is(Atomics.load(marks, 1), 1, "worker 2 finished before the timeout was thrown");
  assert.throws(() => pool.run([[], call(2)], () => {}), /kernel pool is stopped/);
});

test.run();
