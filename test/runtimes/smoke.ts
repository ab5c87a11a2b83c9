// Runtime smoke test body: imports the built library as a user would and runs a
// small matmul plus backward, printing one JSON line. Run under Node, Deno and
// Bun by smoke-runtimes.ts; imports nothing runtime-specific.

import {
  Tensor,
  ops,
  backward,
  engine,
  Rng,
  generateRouting,
  initEngine,
  engineReady,
  spawnWebWorker,
  createModel,
} from "../../src/index.js";
import { endStep, noGrad } from "../../src/index.js";

const rng = new Rng(7);
const a = Tensor.from(
  Array.from({ length: 12 }, () => rng.normal()),
  [3, 4],
);
const b = Tensor.from(
  Array.from({ length: 8 }, () => rng.normal()),
  [4, 2],
);
a.requiresGrad = true;
b.requiresGrad = true;
const loss = ops.sum(ops.relu(ops.matmul(a, b)));
backward(loss);
// The RNG stream and a routing must be identical, to the bit, in every runtime.
const r = new Rng(42);
const stream = [r.nextU32(), r.nextU32(), r.int(1000), r.uniform(), r.normal(), r.normal(), r.binomial(200, 0.2)];
const routing = generateRouting({ srcCores: 4, dstCores: 50, slotsPerCore: 4, p: 0.2, seed: 7 });
let h = 0x811c9dc5;
for (const arr of [routing.dstPtr, routing.srcSlot, routing.coef]) for (const v of arr) h = Math.imul(h ^ (v & 0xffff), 0x01000193) >>> 0;
const result = {
  variant: engine().variant,
  stream,
  routingHash: h,
  routes: routing.coef.length,
  loss: loss.item(),
  gradA: Array.from(a.grad!.toArray()),
  gradB: Array.from(b.grad!.toArray()),
};
// Web Worker kernel threads where the runtime has Web Workers (Deno, Bun): a forward pass on
// two threads must equal the one-thread pass to the bit.
let webWorkers = "no Web Workers";
if (typeof Worker !== "undefined") {
  endStep();
  const scores = () => {
    const model = createModel("scrramble-mlp", { cores: [4, 8, 10], coreSize: 64, slotSize: 16, init: "glorot-core" });
    const x = Tensor.from(
      Array.from({ length: 8 * 256 }, (_, i) => (i % 13) / 13),
      [8, 256],
    );
    const s = noGrad(() => model.scores(x).toArray());
    endStep();
    return s;
  };
  const one = scores();
  initEngine({ threads: 2, spawnWorker: spawnWebWorker });
  await engineReady();
  const two = scores();
  const e = engine();
  webWorkers = `${e.threading}: ${one.every((v, i) => v === two[i]) ? "identical" : "DIFFERENT"}`;
  e.pool?.close();
  initEngine();
}
console.log(JSON.stringify({ ...result, webWorkers }));
