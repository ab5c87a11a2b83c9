// The kernel pool's failure handling, with stand-in workers over its message
// protocol: a failing part is reported only after every other part has finished
// (none keeps writing into memory the caller reuses), and a worker that never
// answers times out after the others finished and stops the pool for good. Then
// the mailbox the real kernel workers serve: the encoding, lists longer than a
// mailbox, and a failing kernel. Then how a list runs on one thread (runCalls).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Worker } from "node:worker_threads";
import { FLAG_SLOTS, KernelPool, MAX_KERNEL_ARGS, runCalls, type KernelCall, type SpawnWorker } from "../src/wasm/pool.js";
import { kernelNames, MAILBOX_SLOTS, writeCalls } from "../src/wasm/mailbox.js";
import { loadKernels } from "../src/wasm/load.js";
import { spawnNodeWorker } from "../src/node/threads.js";

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

test("the mailbox encodes kernel index, argument count and arguments; a list too long for it stops where it fills", () => {
  const { module } = loadKernels({ shared: true });
  const names = kernelNames(module);
  const index = new Map(names.map((n, i) => [n, i]));
  const box = new Float64Array(15);
  const calls: KernelCall[] = [
    ["fill", 64, 3, 0.25],
    ["relu", 128, 64, 5],
    ["fill", 256, 1, -1.5],
  ];
  const next = writeCalls(box, index, calls, 0);
  assert.is(next, 2, "the third call (5 slots) does not fit in 15 after 1 + 5 + 5");
  assert.equal(Array.from(box.subarray(0, 11)), [2, index.get("fill")!, 3, 64, 3, 0.25, index.get("relu")!, 3, 128, 64, 5]);
  assert.is(writeCalls(box, index, calls, next), 3);
  assert.equal(Array.from(box.subarray(0, 6)), [1, index.get("fill")!, 3, 256, 1, -1.5]);
  assert.throws(() => writeCalls(box, index, [["noSuchKernel" as KernelCall[0], 1]], 0), /kernel noSuchKernel is not exported/);
});

test("kernel workers over the mailbox: a list longer than a mailbox runs whole, in order; a failing kernel names its worker", async () => {
  const loaded = loadKernels({ shared: true, initialPages: 64 });
  const pool = new KernelPool(3, loaded.module, loaded.memory, spawnNodeWorker);
  await pool.ready();
  const k = loaded.exports;
  const base = 1 << 16;
  const n = 2 * MAILBOX_SLOTS; // one fill per value: 5 slots a call, so about five mailbox rounds per worker
  const f32 = () => new Float32Array(loaded.memory.buffer, base, 3 * n);
  f32().fill(0);
  const parts: KernelCall[][] = [0, 1, 2].map((t) =>
    Array.from({ length: n }, (_, i): KernelCall => ["fill", base + (t * n + i) * 4, 1, t * n + i + 1]),
  );
  // the last calls of each worker's list overwrite its first value: the calls must run in order, each with
  // its own arguments (a kernel of 4 arguments between kernels of 3)
  parts[1].push(["fill", base + n * 4, 1, -0.5], ["add", base + n * 4, base + n * 4, base + n * 4, 1], ["fill", base + 4, 0, 5]);
  parts[2].push(["fill", base + 2 * n * 4, 1, -2]);
  pool.run(parts, (calls) => calls.forEach(([name, ...a]) => (k[name] as (...x: number[]) => void)(...a)));
  const v = f32();
  for (let i = 0; i < 3 * n; i++) {
    const want = i === n ? -1 : i === 2 * n ? -2 : i + 1;
    if (v[i] !== want) assert.unreachable(`value ${i}: ${v[i]}, want ${want}`);
  }
  // a call that writes outside memory traps in worker 2; worker 1 and this thread finish their parts
  const outside = loaded.memory.buffer.byteLength + 1024;
  assert.throws(
    () =>
      pool.run([[["fill", base, 1, 7]], [["fill", base + 4, 1, 8]], [["fill", outside, 4, 1]]], (calls) =>
        calls.forEach(([name, ...a]) => (k[name] as (...x: number[]) => void)(...a)),
      ),
    /kernel worker 2 failed: .*out of bounds/,
  );
  assert.equal(Array.from(f32().subarray(0, 2)), [7, 8]);
  pool.run([[], [["fill", base, 2, 9]]], () => {});
  assert.equal(Array.from(f32().subarray(0, 2)), [9, 9], "the pool still runs lists after a failure");
  pool.close();
});

test("runCalls gives each kernel its own arguments (3, 4 and 5 of them in one list); no kernel takes more than MAX_KERNEL_ARGS", () => {
  // every variant is built from the same source (the same exports and arities): the default one stands for all
  const { exports: k, memory } = loadKernels({ initialPages: 4 });
  const arity = Object.values(k)
    .filter((f): f is (...a: number[]) => void => typeof f === "function")
    .map((f) => f.length);
  assert.ok(arity.length > 50 && Math.max(...arity) <= MAX_KERNEL_ARGS, `${Math.max(...arity)} arguments`);
  const at = (i: number) => (1 << 16) + i * 64; // 16 floats each, above the module's own data
  const v = (i: number) => new Float32Array(memory.buffer, at(i), 16);
  runCalls(k, [
    ["fill", at(0), 16, 1.5],
    ["fill", at(1), 16, -2],
    ["add", at(2), at(0), at(1), 16],
    ["scale", at(3), at(2), 3, 16],
    ["reluBackward", at(4), at(0), at(3), 16, 0],
    ["fill", at(5), 8, 7],
  ]);
  assert.equal(Array.from(v(2)), new Array(16).fill(-0.5));
  assert.equal(Array.from(v(3)), new Array(16).fill(-1.5));
  assert.equal(Array.from(v(4)), new Array(16).fill(-1.5), "x > 0: the gradient passes");
  assert.equal(Array.from(v(5)), [...new Array(8).fill(7), ...new Array(8).fill(0)]);
  assert.throws(() => runCalls(k, [["noSuchKernel" as KernelCall[0], 1]]), /kernel noSuchKernel is not exported/);
});

test.run();
