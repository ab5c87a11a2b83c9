// The tiled partial-sums baseline on simulated crossbars: ideal tiles reproduce
// the digital network; the per-tile partial-sum ADC converges to it as bits grow
// and ruins it at very few bits.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { endStep } from "../src/engine.js";
import { Tensor } from "../src/tensor.js";
import { noGrad } from "../src/autograd/tape.js";
import { DenseBaseline } from "../src/nn/dense-baseline.js";
import { DenseCrossbar } from "../src/sim/crossbar-dense.js";
import { CROSSBAR_DEFAULTS } from "../src/sim/options.js";
import { randomArray } from "./helpers/reference.js";

function setup() {
  endStep();
  const model = new DenseBaseline({ sizes: [40, 70, 30], classes: 3, groupSize: 10, bias: true, initSeed: 2 });
  const sim = new DenseCrossbar(model, 16); // tiles of 16: 3 x 5 and 5 x 2, with partial tiles at the edges
  const x = randomArray(5 * 40, { s: 4 }, 0, 1);
  const run = (m: { scores(x: Tensor): Tensor }) =>
    noGrad(() => {
      const s = m.scores(Tensor.from(x, [5, 40])).toArray();
      endStep();
      return s;
    });
  return { model, sim, x, run };
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

test("ideal tiles (either mapping) reproduce the digital baseline", () => {
  const { model, sim, run } = setup();
  const ref = run(model);
  sim.program({ ...CROSSBAR_DEFAULTS, mapping: "differential" });
  assert.ok(maxDiff(run(sim), ref) < 1e-5);
  assert.is(sim.tiles(), 3 * 5 + 5 * 2);
});

test("the partial-sum ADC: error falls with bits; 1 bit is far off", () => {
  const { model, sim, x, run } = setup();
  const ref = run(model);
  const err = (bits: number) => {
    sim.program({ ...CROSSBAR_DEFAULTS, mapping: "differential", adcBits: bits });
    sim.calibrate([x]);
    return maxDiff(run(sim), ref);
  };
  const e = [1, 4, 8, 16].map(err);
  assert.ok(e[0] > e[1] && e[1] > e[2] && e[2] > e[3], `errors ${e}`);
  assert.ok(e[3] < 1e-3, `16 bits ${e[3]}`);
});

test.run();
