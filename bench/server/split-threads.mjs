// Where a ScRRAMBLe training step's time goes at each thread count (batch 64, AdamW as the
// library's default; FUSE=1: fused into the weight gradient, as `scrramble train`): every
// pooled kernel run timed on the main thread, with the time the main thread spent on its own
// share (the rest is waiting for the slowest worker); kernels on the main thread alone; the JS
// between; and the cost of an empty hand-over (one empty call per thread).
// Usage: node --experimental-wasm-relaxed-simd split-threads.mjs BUILD_DIR [threads,...]
import { pathToFileURL } from "node:url";
import { join } from "node:path";

const root = process.argv[2];
const threadList = (process.argv[3] ?? "1,2").split(",").map(Number);
const imp = (p) => import(pathToFileURL(join(root, p)).href);
const lib = await imp("dist/src/index.js");
const { spawnNodeWorker } = await imp("dist/src/node/threads.js");
const { parallelParts } = await imp("dist/src/engine.js");
const B = 64;

/** Microseconds per parallelParts() of one empty call per thread, median of 5 runs of 400. */
function emptyHandOver(threads) {
  if (threads < 2) return 0;
  const parts = Array.from({ length: threads }, () => [["fill", 0, 0, 0]]);
  for (let i = 0; i < 200; i++) parallelParts(parts);
  const us = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 400; i++) parallelParts(parts);
    us.push(((performance.now() - t0) / 400) * 1000);
  }
  return +us.sort((a, b) => a - b)[2].toFixed(2);
}

for (const threads of threadList) {
  lib.initEngine(threads > 1 ? { threads, spawnWorker: spawnNodeWorker } : { threads: 1 });
  await lib.engineReady();
  const model = new lib.ScrrambleMlp({ ...lib.SCRRAMBLE_MLP_DEFAULTS });
  const opt = new lib.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 1e-4, fuseGradients: process.env.FUSE === "1" });
  const rng = new lib.Rng(5);
  const x = Float32Array.from({ length: B * model.inputSize }, () => rng.uniform());
  const y = Array.from({ length: B }, () => rng.int(10));
  const e = lib.engine();
  const raw = e.k;
  const wall = {};
  const own = {};
  let pooled = false;
  const timed = {};
  for (const [name, f] of Object.entries(raw)) {
    if (typeof f !== "function") {
      timed[name] = f;
      continue;
    }
    timed[name] = (...a) => {
      if (pooled) return f(...a);
      const t = performance.now();
      f(...a);
      wall[name] = (wall[name] ?? 0) + performance.now() - t;
    };
  }
  e.k = timed;
  const run = e.pool?.run.bind(e.pool);
  if (e.pool)
    e.pool.run = (parts, local) => {
      const key = `${parts[0]?.[0]?.[0]} x${parts.length}`;
      const mine = (list) => {
        const t = performance.now();
        local(list);
        own[key] = (own[key] ?? 0) + performance.now() - t;
      };
      pooled = true;
      const t = performance.now();
      try {
        run(parts, mine);
      } finally {
        pooled = false;
        wall[key] = (wall[key] ?? 0) + performance.now() - t;
      }
    };
  const step = () => {
    opt.zeroGrad();
    const { loss } = model.loss({ x: lib.Tensor.from(x, [B, model.inputSize]), labels: y });
    lib.backward(loss);
    opt.step();
    loss.item();
    lib.endStep();
  };
  for (let i = 0; i < 10; i++) step();
  for (const t of [wall, own]) for (const k of Object.keys(t)) delete t[k];
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 1500 || n < 20) (step(), n++);
  const stepMs = (performance.now() - t0) / n;
  const per = (v) => +(v / n).toFixed(3);
  const kernels = Object.entries(wall)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => (k in own ? [k, per(v), per(own[k])] : [k, per(v)]));
  const waiting = Object.keys(own).reduce((a, k) => a + wall[k] - own[k], 0) / n;
  const kernelMs = Object.values(wall).reduce((a, v) => a + v, 0) / n;
  e.k = raw;
  if (e.pool) e.pool.run = run;
  const line = { threads, steps: n, step_ms: +stepMs.toFixed(3), waiting_ms: +waiting.toFixed(3), js_ms: +(stepMs - kernelMs).toFixed(3) };
  console.log(JSON.stringify({ ...line, empty_hand_over_us: emptyHandOver(threads), kernels }));
  e.pool?.close();
}
process.exit(0);
