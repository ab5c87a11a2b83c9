// Runtime smoke test body: imports the built library as a user would and runs a
// small matmul plus backward, printing one JSON line. Run under Node, Deno and
// Bun by smoke-runtimes.ts; imports nothing runtime-specific.

import { Tensor, ops, backward, engine, Rng } from "../../src/index.js";

const rng = new Rng(7);
const a = Tensor.from(Array.from({ length: 12 }, () => rng.normal()), [3, 4]);
const b = Tensor.from(Array.from({ length: 8 }, () => rng.normal()), [4, 2]);
a.requiresGrad = true;
b.requiresGrad = true;
const loss = ops.sum(ops.relu(ops.matmul(a, b)));
backward(loss);
console.log(JSON.stringify({
  variant: engine().variant,
  loss: loss.item(),
  gradA: Array.from(a.grad!.toArray()),
  gradB: Array.from(b.grad!.toArray()),
}));
