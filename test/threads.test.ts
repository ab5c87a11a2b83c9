// Worker threads over a shared memory give the same results as one thread:
// per-core GEMMs, split GEMMs and the AdamW update write disjoint outputs, so
// training steps on 2, 3 and 4 threads must match one thread to the bit, at a
// batch of 16 and at a batch below 4 (the few-row GEMV path). Runs in Node
// (worker_threads) and in browsers (Web Workers; the browser test runs it in a
// cross-origin isolated page and in one that is not, where the engine falls
// back to one thread and says why). The pool's failure handling: pool.test.ts.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { initEngine, endStep, engine, engineReady } from "../src/engine.js";
import { Tensor } from "../src/tensor.js";
import { backward } from "../src/autograd/backward.js";
import { AdamW } from "../src/optim/adam.js";
import { ScrrambleMlp, SCRRAMBLE_MLP_DEFAULTS } from "../src/nn/scrramble-mlp.js";
import { DenseBaseline } from "../src/nn/dense-baseline.js";
import { ScrrambleResnet, SCRRAMBLE_RESNET_DEFAULTS } from "../src/nn/scrramble-resnet.js";
import type { Model } from "../src/nn/model.js";
import { spawnWebWorker, sharedMemoryUnavailable } from "../src/wasm/web-workers.js";
import type { SpawnWorker } from "../src/wasm/pool.js";
import { randomArray } from "./helpers/reference.js";

const inNode = typeof document === "undefined" && typeof process !== "undefined" && !!process.versions?.node;
const spawnWorker: SpawnWorker = inNode ? (await import("../src/node/threads.js")).spawnNodeWorker : spawnWebWorker;
/** What the multi-thread engines really ran on (the browser test reads it). */
const seen = ((globalThis as { scrrambleThreadsSeen?: number[] }).scrrambleThreadsSeen ??= []);

/**
 * Parameters after 3 AdamW steps on a fixed batch of B, plus the scores of a B-row inference.
 * fuse: the ScRRAMBLe cores' weight gradients computed inside the update (AdamOptions.fuseGradients).
 */
async function steps(make: () => Model, threads: number, B: number, fuse = false): Promise<Float32Array[]> {
  initEngine(threads > 1 ? { threads, spawnWorker } : {});
  await engineReady(); // workers started: their parts really run on them
  if (threads > 1) seen.push(engine().threads);
  const m = make();
  const opt = new AdamW(m.parameters(), { lr: 1e-3, fuseGradients: fuse });
  const x = randomArray(B * m.inputSize, { s: 5 }, 0, 1);
  const y = Array.from({ length: B }, (_, i) => i % m.classes);
  for (let s = 0; s < 3; s++) {
    opt.zeroGrad();
    const { loss } = m.loss({ x: Tensor.from(x, [B, m.inputSize]), labels: y, training: true });
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
const dense = () => new DenseBaseline({ sizes: [256, 200, 120], classes: 10, groupSize: 12, bias: true, initSeed: 1 });
// Convolutions (im2col with 8 channels, Winograd tiles with 16: pixels or tiles split for the forward and
// input gradient, weight rows for the weight gradient), batch-norm statistics over row blocks, pooling,
// the routed head split by cores and rows: every split must give the same bits.
const resnet = () =>
  new ScrrambleResnet({
    ...SCRRAMBLE_RESNET_DEFAULTS,
    imageSize: 16,
    inputChannels: 3,
    channels: [8, 16],
    blocks: [1, 2],
    cores: [2, 4, 2],
    coreSize: 20,
    slotSize: 5,
    classes: 10,
    bn: "shared",
  });

// Fewer cores than threads: the forward splits batch rows too (blocks of 16 at batch 64), the weight
// gradient splits cores by destination slots.
const fewCores = () => new ScrrambleMlp({ ...SCRRAMBLE_MLP_DEFAULTS, cores: [2, 3, 2], coreSize: 40, slotSize: 10, init: "glorot-core" });

// fused: thread counts that also train with the weight gradients fused into AdamW, to the same bits.
for (const [name, make, batches, fused] of [
  ["the ScRRAMBLe MLP", scr, [16, 2], [1, 2, 3, 4]],
  ["the ScRRAMBLe MLP with fewer cores than threads", fewCores, [64], [1, 2, 3, 4]],
  ["the dense baseline (split GEMMs)", dense, [16, 2], []],
  ["the ScRRAMBLe-ResNet (convolutions, batch norms, pooling)", resnet, [16, 2], [1, 3]],
] as const) {
  for (const B of batches) {
    const also = fused.length ? `; fused into AdamW on ${fused.join(", ")}` : "";
    test(`${name}, batch ${B}: 2, 3 and 4 threads train to the same bits as one${also}`, async () => {
      const one = await steps(make, 1, B);
      const runs: [string, number, boolean][] = [
        ...[2, 3, 4].map((T): [string, number, boolean] => [`${T} threads`, T, false]),
        ...fused.map((T): [string, number, boolean] => [`${T} thread(s), fused`, T, true]),
      ];
      for (const [what, T, fuse] of runs) {
        const many = await steps(make, T, B, fuse);
        assert.is(many.length, one.length);
        one.forEach((p, i) =>
          assert.ok(
            p.every((v, j) => Object.is(v, many[i][j])),
            `${what}: ${i === one.length - 1 ? "scores" : `parameter ${i}`} differ`,
          ),
        );
      }
    });
  }
}

test("the engine reports its threads; without shared memory it falls back to one thread and says why", async () => {
  const e = initEngine({ threads: 2, spawnWorker });
  const why = sharedMemoryUnavailable();
  if (why) {
    assert.is(e.threads, 1);
    assert.is(e.pool, null);
    assert.match(e.threading, /^1 thread \(asked for 2: .*cross-origin isolat/);
  } else {
    assert.is(e.threads, 2);
    assert.is(e.threading, "2 threads over a shared memory");
    await engineReady();
  }
  e.pool?.close();
  initEngine();
  assert.is(engine().threading, "1 thread");
});

test("threads > 1 without a spawn function is refused", () => {
  assert.throws(() => initEngine({ threads: 2 }), /spawnWorker/);
  initEngine();
});

test.run();
