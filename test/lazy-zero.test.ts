// Lazily zeroed gradients: zeroGrad() writes nothing; the first backward
// kernel overwrites, later ones add; reading a pending gradient, or stepping a
// parameter no gradient reached, sees zeros. Results equal eager zeroing.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { endStep, engine } from "../src/engine.js";
import { Tensor } from "../src/tensor.js";
import { backward } from "../src/autograd/backward.js";
import { parameter } from "../src/nn/parameter.js";
import { AdamW } from "../src/optim/adam.js";
import { SGD } from "../src/optim/sgd.js";
import * as ops from "../src/ops/index.js";

function setup() {
  endStep();
  const w = parameter([3, 4], "w");
  const unused = parameter([5], "unused");
  w.set([0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8, 0.9, 1.0, -1.1, 1.2]);
  unused.set([1, 2, 3, 4, 5]);
  return { w, unused };
}

test("zeroGrad writes nothing; a read sees zeros", () => {
  const { w } = setup();
  const opt = new SGD([w], { lr: 0.1 });
  engine().k.fill(w.grad!.ptr, w.size, 7);
  opt.zeroGrad();
  assert.ok(w.grad!.pendingZero);
  assert.is(new Float32Array(engine().memory.buffer, w.grad!.ptr, w.size)[0], 7, "no fill yet");
  assert.equal(Array.from(w.grad!.toArray()), new Array(12).fill(0));
  assert.not.ok(w.grad!.pendingZero);
});

test("two uses of a parameter in one step: the first overwrites, the second adds", () => {
  const { w } = setup();
  const opt = new SGD([w], { lr: 0.1 });
  engine().k.fill(w.grad!.ptr, w.size, 99); // stale values a wrong overwrite / add would expose
  opt.zeroGrad();
  const x = Tensor.from([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]);
  const y = ops.add(ops.linear(x, w), ops.linear(x, w)); // dW = 2 * gy^T x
  backward(ops.sum(y));
  const g = w.grad!.toArray();
  // d/dW of sum(x W^T) twice: every row of dW is 2 * (column sums of x) = 2 * [6, 8, 10, 12].
  for (let o = 0; o < 3; o++) assert.equal(Array.from(g.slice(o * 4, o * 4 + 4)), [12, 16, 20, 24]);
  endStep();
});

test("a parameter no gradient reached steps as with a zero gradient", () => {
  const { w, unused } = setup();
  const opt = new AdamW([w, unused], { lr: 0.1, weightDecay: 0.5 });
  engine().k.fill(unused.grad!.ptr, unused.size, 1e6);
  opt.zeroGrad();
  backward(ops.sum(ops.linear(Tensor.from([1, 1, 1, 1], [1, 4]), w)));
  opt.step();
  // AdamW with g = 0: only the decoupled decay moves it: p *= 1 - lr * wd.
  const u = unused.toArray();
  [1, 2, 3, 4, 5].forEach((v, i) => assert.ok(Math.abs(u[i] - v * (1 - 0.05)) < 1e-6, `unused[${i}] = ${u[i]}`));
  endStep();
});

test.run();
