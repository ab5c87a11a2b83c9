// The arena allocator against a fake memory: alignment, growth, region rules,
// generations; and the engine's promise that memory stops growing after the
// first training step of a small model.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Arena, type MemoryLike } from "../src/wasm/arena.js";
import { engine, endStep } from "../src/engine.js";
import { Tensor } from "../src/tensor.js";
import { parameter } from "../src/nn/parameter.js";
import { AdamW } from "../src/optim/adam.js";
import { backward } from "../src/autograd/backward.js";
import * as ops from "../src/ops/index.js";

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

test("a tiny model's training memory does not grow after the first step", () => {
  endStep();
  const w1 = parameter([32, 16], "w1"),
    b1 = parameter([32], "b1"),
    w2 = parameter([4, 32], "w2");
  w1.set(Array.from({ length: w1.size }, (_, i) => Math.sin(i) * 0.3));
  w2.set(Array.from({ length: w2.size }, (_, i) => Math.cos(i) * 0.3));
  const opt = new AdamW([w1, b1, w2], { lr: 1e-2 });
  const x = Array.from({ length: 8 * 16 }, (_, i) => Math.sin(i * 0.7));
  const y = [0, 1, 2, 3, 0, 1, 2, 3];
  const sizes: number[] = [];
  const losses: number[] = [];
  for (let step = 0; step < 20; step++) {
    opt.zeroGrad();
    const h = ops.relu(ops.linear(Tensor.from(x, [8, 16]), w1, b1));
    const loss = ops.softmaxCrossEntropy(ops.linear(h, w2), y);
    losses.push(loss.item());
    backward(loss);
    opt.step();
    endStep();
    sizes.push(engine().memory.buffer.byteLength);
  }
  assert.ok(
    sizes.every((s) => s === sizes[0]),
    `memory sizes ${sizes}`,
  );
  assert.ok(losses[19] < losses[0] * 0.5, `loss falls: ${losses[0]} -> ${losses[19]}`);
});

test.run();
