// The kernel pool's failure handling, with stand-in workers over its protocol:
// a failing part is reported only after every other part has finished (none
// keeps writing into memory the caller reuses), and a worker that never
// answers times out after the others finished and stops the pool for good.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Worker } from "node:worker_threads";
import { FLAG_SLOTS, KernelPool, type KernelCall, type SpawnWorker } from "../src/wasm/pool.js";

// A stand-in worker: marks itself started, then for a posted ["fill", mode]
// fails at once (mode 1), finishes after 300 ms and marks itself done (2), or
// never answers (3).
const FAKE_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const flags = new Int32Array(workerData.flags);
const marks = new Int32Array(workerData.marks);
const i = workerData.index, S = workerData.slots;
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
  Atomics.store(flags, S * i + 1, status);
  Atomics.add(flags, S * i, 1);
  Atomics.notify(flags, S * i);
});
Atomics.store(flags, S * i + 2, 1);`;

async function fakePool(waitLimitMs?: number): Promise<{ pool: KernelPool; marks: Int32Array }> {
  const marks = new SharedArrayBuffer(16);
  const spawn: SpawnWorker = (init) => {
    const w = new Worker(FAKE_WORKER, { eval: true, workerData: { ...init, module: null, memory: null, marks, slots: FLAG_SLOTS } });
    w.unref();
    return w;
  };
  const pool = new KernelPool(3, null as unknown as WebAssembly.Module, null as unknown as WebAssembly.Memory, spawn, waitLimitMs);
  await pool.ready();
  return { pool, marks: new Int32Array(marks) };
}

const call = (mode: number): KernelCall[] => [["fill", mode]];

test("a failing worker is reported only after the other workers have finished", async () => {
  const { pool, marks } = await fakePool();
  try {
    pool.run([[], call(1), call(2)], () => {});
    assert.unreachable("the failure was not reported");
  } catch (e) {
    assert.match((e as Error).message, /kernel worker 1 failed: boom/);
    assert.is(Atomics.load(marks, 1), 1, "worker 2 was still running when the failure was thrown");
  }
  pool.close();
});

test("a failure on the main thread waits for the workers too", async () => {
  const { pool, marks } = await fakePool();
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

test("a worker that never answers times out after the others finished, and stops the pool", async () => {
  const { pool, marks } = await fakePool(600);
  assert.throws(() => pool.run([[], call(3), call(2)], () => {}), /kernel worker 1 did not answer within 0.6 s/);
  assert.is(Atomics.load(marks, 1), 1, "worker 2 finished before the timeout was thrown");
  assert.throws(() => pool.run([[], call(2)], () => {}), /kernel pool is stopped/);
});

test.run();
