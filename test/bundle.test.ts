// The edge bundle: each kind's forward plan against the model and a float64
// interpreter; the int8 kernels against a naive reference; bundles (f32, int8,
// crossbar levels) against the library and the simulator; input errors; the
// engine's size budget.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { endStep } from "../src/engine.js";
import { Tensor } from "../src/tensor.js";
import { noGrad } from "../src/autograd/tape.js";
import { createModel, forwardPlan } from "../src/nn/registry.js";
import type { Model } from "../src/nn/model.js";
import { predictBatch } from "../src/infer.js";
import { bundleOf, BUNDLE_DEFAULTS, type BundleOptions } from "../src/deploy/bundle.js";
import type { BundleModel } from "../src/deploy/bundle-runtime.js";
import { forwardWasm } from "../src/deploy/engine.generated.js";
import { crossbarFor } from "../src/sim/simulators.js";
import { CROSSBAR_DEFAULTS } from "../src/sim/options.js";
import { DEVICE_DEFAULTS } from "../src/sim/devices.js";
import { runPlan } from "./helpers/plan-reference.js";
import { randomArray } from "./helpers/reference.js";

const tmp = mkdtempSync(join(tmpdir(), "scrramble-bundle-"));
const SMALL = { cores: [4, 6, 10], coreSize: 64, slotSize: 16, init: "glorot-core", routingSeed: 3, initSeed: 4 };
const models: [string, () => Model][] = [
  ["scrramble-mlp", () => createModel("scrramble-mlp", SMALL)],
  ["scrramble-mlp qrelu", () => createModel("scrramble-mlp", { ...SMALL, activation: "qrelu", adcBits: 3, adcMax: 0.5 })],
  ["dense-baseline", () => createModel("dense-baseline", { sizes: [256, 40, 30], classes: 10, groupSize: 3, initSeed: 2 })],
];

function scoresOf(model: Model, x: Float32Array, B: number): Float32Array {
  return noGrad(() => {
    const s = model.scores(Tensor.from(x, [B, model.inputSize])).toArray();
    endStep();
    return s;
  });
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / (den || 1);
}

let files = 0;
async function loadBundle(model: Model, o: Partial<BundleOptions> = {}): Promise<{ m: BundleModel; engineBytes: number; source: string }> {
  const b = bundleOf(model, { ...BUNDLE_DEFAULTS, ...o });
  const file = join(tmp, `model-${files++}.mjs`);
  writeFileSync(file, b.source);
  const mod = (await import(pathToFileURL(file).href)) as { load: () => Promise<BundleModel>; default: unknown };
  assert.is(mod.default, mod.load, "the default export is load");
  return { m: await mod.load(), engineBytes: b.engineBytes, source: b.source };
}

for (const [name, make] of models) {
  test(`${name}: the forward plan gives the model's scores (float64 interpreter)`, () => {
    const model = make();
    const B = 3;
    const x = randomArray(B * model.inputSize, { s: 9 }, 0, 1);
    const want = scoresOf(model, x, B);
    const got = runPlan(forwardPlan(model), x, B);
    assert.ok(relErr(got, want) < 1e-5, `plan vs model ${relErr(got, want)}`);
  });

  test(`${name}: the f32 bundle predicts as the library, for model-size and 28 x 28 images`, async () => {
    const model = make();
    const { m } = await loadBundle(model, { weights: "f32" });
    assert.is(m.kind, model.kind);
    assert.equal([m.engine.threads, m.engine.kernels], [1, "simd128"]);
    for (const side of [16, 28, 7]) {
      const n = 70; // more than one chunk of 64
      const px = Uint8Array.from(randomArray(n * side * side, { s: side }, 0, 255), (v) => Math.floor(v));
      const lib = predictBatch(model, px, n, { height: side, width: side, channels: 1 });
      const got = m.predictBatch(px, n);
      assert.ok(relErr(got.scores, lib.scores) < 1e-5, `side ${side}: ${relErr(got.scores, lib.scores)}`);
      assert.equal(Array.from(got.labels), Array.from(lib.labels));
    }
    const one = new Float32Array(model.inputSize).fill(0.5);
    const r = m.predict(one);
    const want = predictBatch(model, one, 1);
    assert.is(r.label, want.labels[0]);
    assert.ok(relErr(r.scores, want.scores) < 1e-5);
  });

  test(`${name}: the int8 bundle stays close to the float model`, async () => {
    const model = make();
    const { m } = await loadBundle(model, { weights: "int8" });
    const n = 40;
    const x = randomArray(n * model.inputSize, { s: 11 }, 0, 1);
    const want = scoresOf(model, x, n);
    const got = m.predictBatch(x, n);
    const err = relErr(got.scores, want);
    assert.ok(err < 0.03 && err > 0, `int8 vs float relative error ${err}`);
  });
}

test("the bundle's kernel module holds the forward kernels only (no backward, optimiser or simulation kernels)", () => {
  const bytes = Uint8Array.from(atob(forwardWasm), (c) => c.charCodeAt(0));
  const names = WebAssembly.Module.exports(new WebAssembly.Module(bytes))
    .map((e) => e.name)
    .sort();
  const forward = [
    "ABI_VERSION",
    "addBias",
    "capsuleLengths",
    "gemmNT",
    "gemmNTi8",
    "heapBase",
    "memory",
    "qrelu",
    "quantizeRowsI16",
    "relu",
    "routeGather",
  ];
  assert.equal(names, forward);
  assert.ok(bytes.length < 16 * 1024, `forward module ${bytes.length} bytes`);
});

test("int8 kernels: row quantiser and gemmNTi8 (tails, blocks over 2048, offsets) match a naive reference", async () => {
  const bytes = Uint8Array.from(atob(forwardWasm), (c) => c.charCodeAt(0));
  const memory = new WebAssembly.Memory({ initial: 256 });
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory, abort: () => {} } });
  const k = instance.exports as unknown as Record<string, (...a: number[]) => void> & { heapBase(): number };
  for (const [M, J, I] of [
    [1, 4, 16],
    [5, 7, 37],
    [2, 9, 4100],
    [4, 3, 1],
  ]) {
    const x = randomArray(M * I, { s: M + J + I }, -2, 2);
    const w = Int8Array.from(randomArray(J * I, { s: 3 }, -127.99, 127.99), (v) => Math.trunc(v));
    const ws = randomArray(J, { s: 4 }, 0.001, 0.01);
    const wo = randomArray(J, { s: 5 }, -0.1, 0.1);
    let at = (k.heapBase() + 15) & ~15;
    const put = (a: Float32Array | Int8Array) => {
      const p = at;
      new Uint8Array(memory.buffer, p, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      at = (at + a.byteLength + 15) & ~15;
      return p;
    };
    const px = put(x),
      pw = put(w),
      pws = put(ws),
      pwo = put(wo);
    const pq = put(new Int8Array(M * I * 2)),
      ps = put(new Float32Array(M)),
      py = put(new Float32Array(M * J));
    k.quantizeRowsI16(pq, I, ps, px, I, M, I);
    const q = new Int16Array(memory.buffer, pq, M * I);
    const s = new Float32Array(memory.buffer, ps, M);
    for (let m = 0; m < M; m++) {
      let big = 0;
      for (let i = 0; i < I; i++) big = Math.max(big, Math.abs(x[m * I + i]));
      assert.ok(Math.abs(s[m] - big / 16383) <= 1e-7 * big, "row scale");
      for (let i = 0; i < I; i++) assert.ok(Math.abs(q[m * I + i] - x[m * I + i] / s[m]) <= 0.5 + 1e-3, "code rounds to nearest");
    }
    for (const offset of [0, pwo]) {
      k.gemmNTi8(M, J, I, pq, I, ps, pw, I, pws, offset, py, J);
      const y = new Float32Array(memory.buffer, py, M * J);
      for (let m = 0; m < M; m++)
        for (let j = 0; j < J; j++) {
          let dot = 0,
            sum = 0;
          for (let i = 0; i < I; i++) {
            dot += q[m * I + i] * w[j * I + i];
            sum += q[m * I + i];
          }
          const want = s[m] * ws[j] * dot + (offset ? wo[j] * s[m] * sum : 0);
          assert.ok(Math.abs(y[m * J + j] - want) <= 1e-5 * (Math.abs(want) + s[m] * ws[j] * 127 * 16383), `[${M},${J},${I}] y[${m},${j}]`);
        }
    }
  }
});

test("a levels bundle computes what the crossbar simulator computes with the same levels (linear and log)", async () => {
  const model = createModel("scrramble-mlp", SMALL);
  const n = 16;
  const x = randomArray(n * model.inputSize, { s: 21 }, 0, 1);
  for (const levelSpacing of ["linear", "log"] as const) {
    const device = { ...DEVICE_DEFAULTS, levels: 8, levelSpacing };
    const { m } = await loadBundle(model, { weights: "levels", device });
    const sim = crossbarFor(model);
    sim.program({ ...CROSSBAR_DEFAULTS, ...device, mapping: "single" });
    const want = scoresOf(sim, x, n);
    const got = m.predictBatch(x, n).scores;
    assert.ok(relErr(got, want) < 2e-3, `${levelSpacing}: bundle vs simulator ${relErr(got, want)}`);
    const float = scoresOf(model, x, n);
    assert.ok(relErr(got, float) > 1e-3, "8 levels change the scores");
  }
});

test("wrong input type or length gives a clear error", async () => {
  const { m } = await loadBundle(models[0][1]());
  const cases: [() => unknown, RegExp][] = [
    [() => m.predict([1, 2, 3] as unknown as Uint8Array), /pixels must be a Uint8Array \(0\.\.255\) or a Float32Array.*got Array/],
    [() => m.predict(new Float64Array(256) as unknown as Float32Array), /got Float64Array/],
    [() => m.predict(undefined as unknown as Uint8Array), /got undefined/],
    [() => m.predict(new Uint8Array(700)), /700 values per image is not a square image/],
    [() => m.predictBatch(new Uint8Array(1569), 2), /1569 values do not split into 2 images/],
    [() => m.predictBatch(new Uint8Array(784), 0), /image count must be a positive integer/],
    [() => m.predict(new Uint8Array(784), { height: 20, width: 20 }), /784 values per image do not make 20 x 20/],
    [() => m.predict(new Float32Array(256).fill(NaN)), /pixel 0 is NaN/],
  ];
  for (const [f, re] of cases) assert.throws(f, re);
  assert.is(typeof m.predict(new Uint8Array(784)).label, "number");
});

test("the engine part of a bundle (runtime JS + kernel module) is under 60 KB; the bundle is one module with no imports", async () => {
  const { engineBytes, source } = await loadBundle(models[0][1]());
  assert.ok(engineBytes < 60 * 1024, `engine ${engineBytes} bytes`);
  assert.ok(engineBytes > 10 * 1024, "the engine holds the kernels");
  assert.not.match(source, /^\s*import\s/m);
  assert.not.match(source, /\bimport\(/);
});

test.run();
