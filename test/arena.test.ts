// The arena allocator against a fake memory: alignment, growth, region rules,
// generations, size checks; and the engine's promise that persistent and
// peak step memory stay constant after the first training step.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Arena, type MemoryLike } from "../src/wasm/arena.js";
import { engine, endStep } from "../src/engine.js";
import { Tensor } from "../src/tensor.js";
import { parameter } from "../src/nn/parameter.js";
import { AdamW } from "../src/optim/adam.js";
import { backward } from "../src/autograd/backward.js";
import * as ops from "../src/ops/index.js";
import { ScrrambleMlp, SCRRAMBLE_MLP_DEFAULTS } from "../src/nn/scrramble-mlp.js";
import { randomArray } from "./helpers/reference.js";

class FakeMemory implements MemoryLike {
  buffer = new ArrayBuffer(65536);
  grows = 0;
  grow(pages: number): number {
    const old = this.buffer.byteLength / 65536;
    const next = new ArrayBuffer(this.buffer.byteLength + pages * 65536);
    new Uint8Array(next).set(new Uint8Array(this.buffer));
    this.buffer = next;
    this.grows++;
    return old;
  }
}

test("allocations are 16-byte aligned, above the heap base, never at 0", () => {
  const m = new FakeMemory();
  const a = new Arena(m, 0);
  const p1 = a.allocPersistent(3);
  const p2 = a.allocPersistent(5);
  assert.ok(p1 > 0);
  assert.is(p1 % 16, 0);
  assert.is(p2 % 16, 0);
  assert.ok(p2 >= p1 + 16);
  const b = new Arena(m, 1000);
  assert.ok(b.allocPersistent(1) >= 1000);
});

test("memory grows on demand, step region resets and bumps the generation", () => {
  const m = new FakeMemory();
  const a = new Arena(m, 16);
  a.allocPersistent(1000);
  const s1 = a.allocStep(200000);
  assert.ok(m.buffer.byteLength >= s1 + 200000);
  const g = a.generation;
  a.resetStep();
  assert.is(a.generation, g + 1);
  const s2 = a.allocStep(10);
  assert.is(s2, s1, "the step region restarts at the same address");
  assert.throws(() => a.allocPersistent(8), /while a step is open/);
  a.resetStep();
  a.allocPersistent(8);
  assert.is(a.stats().stepBytes, 0);
});

test("sizes must be safe non-negative integers; a bad one names the caller and moves nothing", () => {
  const m = new FakeMemory();
  const a = new Arena(m, 16);
  const p = a.allocPersistent(32, "weights");
  for (const bad of [NaN, -1, 1.5, 2 ** 53, Infinity, "8" as unknown as number]) {
    assert.throws(
      () => a.allocStep(bad, "gemm scratch"),
      (e: Error) =>
        e.message.startsWith("gemm scratch: allocation size must be a safe non-negative integer") && !/need NaN/.test(e.message),
      String(bad),
    );
    assert.throws(() => a.allocPersistent(bad, "routing coef"), /^routing coef: allocation size/);
  }
  assert.is(a.stats().stepBytes, 0, "no step pointer moved");
  assert.is(a.allocPersistent(16), p + 32, "the persistent top did not move");
  assert.throws(() => a.allocStep(2 ** 40, "huge"), /out of WASM memory: huge needs/);
  assert.is(a.stats().stepBytes, 0);
  // a label given as a function is made only for an error
  let made = 0;
  const label = () => `lazy label ${++made}`;
  a.allocStep(64, label);
  assert.is(made, 0);
  assert.throws(() => a.allocStep(NaN, label), /^lazy label 1: allocation size/);
  assert.throws(() => a.allocStep(2 ** 40, label), /out of WASM memory: lazy label 2 needs/);
  endStep();
  assert.throws(() => Tensor.empty([2 ** 20, 2 ** 20]), /out of WASM memory: step tensor \[1048576, 1048576\] needs/);
  assert.throws(() => Tensor.persistent([2 ** 20, 2 ** 20], "big"), /out of WASM memory: tensor \[1048576, 1048576\] "big" needs/);
  endStep();
});

/** Per step: persistent bytes after the step and the step region's peak during it. */
function trainMemory(steps: number, step: () => void): { persistent: number[]; peak: number[]; memory: number[] } {
  const arena = engine().arena;
  const out = { persistent: [] as number[], peak: [] as number[], memory: [] as number[] };
  for (let s = 0; s < steps; s++) {
    arena.resetPeak();
    step();
    endStep();
    const st = arena.stats();
    out.persistent.push(st.persistentBytes);
    out.peak.push(st.peakStepBytes);
    out.memory.push(st.memoryBytes);
  }
  return out;
}

function assertConstantAfterFirst(what: string, m: { persistent: number[]; peak: number[]; memory: number[] }): void {
  for (const key of ["persistent", "peak", "memory"] as const) {
    const v = m[key];
    assert.ok(
      v.slice(1).every((x) => x === v[1]),
      `${what}: ${key} bytes change after step 1: ${v.join(", ")}`,
    );
  }
  assert.ok(m.peak[1] > 0);
}

test("linear layers + AdamW: persistent and peak step bytes are constant after step 1", () => {
  endStep();
  const w1 = parameter([32, 16], "w1"),
    b1 = parameter([32], "b1"),
    w2 = parameter([4, 32], "w2");
  w1.set(Array.from({ length: w1.size }, (_, i) => Math.sin(i) * 0.3));
  w2.set(Array.from({ length: w2.size }, (_, i) => Math.cos(i) * 0.3));
  const opt = new AdamW([w1, b1, w2], { lr: 1e-2 });
  const x = Array.from({ length: 8 * 16 }, (_, i) => Math.sin(i * 0.7));
  const y = [0, 1, 2, 3, 0, 1, 2, 3];
  const losses: number[] = [];
  const m = trainMemory(20, () => {
    opt.zeroGrad();
    const h = ops.relu(ops.linear(Tensor.from(x, [8, 16]), w1, b1));
    const loss = ops.softmaxCrossEntropy(ops.linear(h, w2), y);
    losses.push(loss.item());
    backward(loss);
    opt.step();
  });
  assertConstantAfterFirst("linear", m);
  assert.ok(losses[19] < losses[0] * 0.5, `loss falls: ${losses[0]} -> ${losses[19]}`);
});

test("ScRRAMBLe MLP: persistent and peak step bytes are constant after step 1", () => {
  endStep();
  const model = new ScrrambleMlp({
    ...SCRRAMBLE_MLP_DEFAULTS,
    cores: [4, 6, 10],
    coreSize: 32,
    slotSize: 8,
    init: "glorot-core",
  });
  const opt = new AdamW(model.parameters(), { lr: 1e-3 });
  const B = 6;
  const x = randomArray(B * model.inputSize, { s: 3 }, 0, 1);
  const labels = [0, 1, 2, 3, 4, 5];
  const m = trainMemory(12, () => {
    opt.zeroGrad();
    const { loss } = model.loss({ x: Tensor.from(x, [B, model.inputSize]), labels });
    backward(loss);
    opt.step();
  });
  assertConstantAfterFirst("scrramble", m);
});

/** The message of the assertion fn fails with ("" when it passes; uvu's throws() lets assertion failures through). */
function failureOf(fn: () => void): string {
  try {
    fn();
    return "";
  } catch (e) {
    return (e as Error).message;
  }
}

test("the check catches a planted leak: 100 KB persistent per step, or a step region that grows 100 KB per step", () => {
  endStep();
  const w = parameter([16, 16], "w");
  w.set(Array.from({ length: w.size }, (_, i) => Math.sin(i) * 0.3));
  const opt = new AdamW([w], { lr: 1e-2 });
  const x = Array.from({ length: 4 * 16 }, (_, i) => Math.cos(i));
  const step = (leak: () => void) => () => {
    opt.zeroGrad();
    backward(ops.sum(ops.relu(ops.matmul(Tensor.from(x, [4, 16]), w))));
    opt.step();
    leak();
  };
  const a = engine().arena;
  const persistentLeak = trainMemory(
    6,
    step(() => {
      endStep();
      a.allocPersistent(100_000, "planted leak");
    }),
  );
  assert.match(
    failureOf(() => assertConstantAfterFirst("persistent leak", persistentLeak)),
    /persistent bytes change after step 1/,
  );
  let grow = 0;
  const stepLeak = trainMemory(
    6,
    step(() => a.allocStep((grow += 100_000), "planted growth")),
  );
  assert.match(
    failureOf(() => assertConstantAfterFirst("step leak", stepLeak)),
    /peak bytes change after step 1/,
  );
});

test.run();
