// The crossbar simulation proves the mechanism: (1) ideal single-conductance
// inference equals the digital forward pass; (2) on an unbalanced routing the
// same mapping is clearly wrong (the offset no longer cancels), while the
// differential pair still matches; (3) each non-ideality moves the outputs in
// the expected direction and amount on hand-built cases. All draws seeded.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { endStep } from "../src/engine.js";
import { Tensor } from "../src/tensor.js";
import { noGrad } from "../src/autograd/tape.js";
import * as ops from "../src/ops/index.js";
import { ScrrambleMlp, SCRRAMBLE_MLP_DEFAULTS, type ScrrambleMlpConfig } from "../src/nn/scrramble-mlp.js";
import { routingFromArrays, type Routing } from "../src/routing/routing.js";
import { ScrrambleCrossbar } from "../src/sim/crossbar.js";
import { CROSSBAR_DEFAULTS, type CrossbarOptions } from "../src/sim/options.js";
import { conductanceLevels } from "../src/sim/devices.js";
import { randomArray } from "./helpers/reference.js";

const N = 32,
  S = 8;
const cfg: ScrrambleMlpConfig = {
  ...SCRRAMBLE_MLP_DEFAULTS,
  cores: [2, 4, 3],
  coreSize: N,
  slotSize: S,
  classes: 3,
  p: 0.4,
  init: "glorot-core",
  routingSeed: 5,
  initSeed: 6,
};

function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

function setup(config = cfg, routings?: Routing[]) {
  endStep();
  const model = new ScrrambleMlp(config, routings);
  const sim = new ScrrambleCrossbar(model);
  const x = randomArray(6 * model.inputSize, { s: 9 }, 0, 1);
  return { model, sim, x };
}

function digital(model: ScrrambleMlp, x: Float32Array): Float32Array {
  return noGrad(() => model.forward(Tensor.from(x, [x.length / model.inputSize, model.inputSize])).toArray());
}

function simulated(sim: ScrrambleCrossbar, x: Float32Array, opts: Partial<CrossbarOptions> = {}): Float32Array {
  sim.program({ ...CROSSBAR_DEFAULTS, ...opts });
  return noGrad(() => sim.forward(Tensor.from(x, [x.length / sim.inputSize, sim.inputSize])).toArray());
}

test("ideal single-conductance crossbar equals the digital forward pass (and so does the differential pair)", () => {
  const { model, sim, x } = setup();
  const ref = digital(model, x);
  assert.ok(
    ref.some((v) => v > 0),
    "the test model must produce non-zero outputs",
  );
  const single = simulated(sim, x, { mapping: "single" });
  assert.ok(relErr(single, ref) < 1e-5, `single: ${relErr(single, ref)}`);
  const diff = simulated(sim, x, { mapping: "differential" });
  assert.ok(relErr(diff, ref) < 1e-5, `differential: ${relErr(diff, ref)}`);
  assert.is(sim.conductances("single") * 2, sim.conductances("differential"));
});

test("the ideal converter is the model's own activation: qrelu- and binary-trained models equal their digital pass", () => {
  for (const extra of [
    { activation: "qrelu" as const, adcBits: 3, adcMax: 0.5 },
    { activation: "binary" as const, steWidth: 1 },
  ]) {
    const { model, sim, x } = setup({ ...cfg, ...extra });
    const ref = digital(model, x);
    assert.ok(ref.some((v) => v > 0) && ref.some((v) => v === 0), `${extra.activation}: outputs on both sides`);
    const got = simulated(sim, x, { mapping: "single" });
    // quantised outputs: a value on a step edge may flip under f32 round-off; allow a few
    const differ = got.reduce((n, v, i) => n + (Math.abs(v - ref[i]) > 1e-5 ? 1 : 0), 0);
    assert.ok(differ <= Math.max(2, got.length * 0.002), `${extra.activation}: ${differ} of ${got.length} outputs differ`);
    if (extra.activation === "binary") {
      // hidden layers fire 0 / 1; the class capsules keep relu
      const hidden = noGrad(() => model.activate(Tensor.from([-1, 0, 0.3, 2], [1, 4]), 0).toArray());
      assert.equal(Array.from(hidden), [0, 0, 1, 1]);
      assert.ok(
        got.some((v) => v > 0 && v !== 1),
        "capsules are relu outputs",
      );
    }
  }
});

test("on an unbalanced routing the single-conductance mapping is clearly wrong; the differential pair is not", () => {
  // Same shapes, every destination slot receives +1 from one source slot: no -1 partner.
  const K = N / S;
  const mk = (src: number, dst: number) =>
    routingFromArrays({
      srcCores: src,
      dstCores: dst,
      slotsPerCore: K,
      dstPtr: Array.from({ length: dst * K + 1 }, (_, d) => d),
      srcSlot: Array.from({ length: dst * K }, (_, d) => d % (src * K)),
      coef: Array.from({ length: dst * K }, () => 1),
    });
  const { model, sim, x } = setup(cfg, [mk(2, 4), mk(4, 3)]);
  const ref = digital(model, x);
  const single = simulated(sim, x, { mapping: "single" });
  assert.ok(relErr(single, ref) > 0.5, `single on unbalanced routing should be far off, got ${relErr(single, ref)}`);
  const diff = simulated(sim, x, { mapping: "differential" });
  assert.ok(relErr(diff, ref) < 1e-5, `differential: ${relErr(diff, ref)}`);
});

test("drift scales every layer by (t/t0)^-nu, so two layers by its square", () => {
  const { model, sim, x } = setup();
  const ref = digital(model, x);
  const out = simulated(sim, x, { driftNu: 0.1, driftTime: 100 });
  const d = 100 ** -0.1;
  for (let i = 0; i < ref.length; i++)
    if (Math.abs(out[i] - d * d * ref[i]) > 1e-5 * (1 + Math.abs(ref[i])))
      assert.unreachable(`drift at ${i}: ${out[i]} vs ${d * d * ref[i]}`);
});

/** Layer-1 pre-activation error of the sim against the digital layer. */
function layer1Error(opts: Partial<CrossbarOptions>) {
  const { model, sim, x } = setup();
  const B = x.length / model.inputSize;
  const ref = noGrad(() =>
    ops.scrrambleLayer(Tensor.from(x, [B, model.inputSize]), model.layers[0].weight, model.layers[0].buffers).toArray(),
  );
  sim.program({ ...CROSSBAR_DEFAULTS, ...opts });
  const got = noGrad(() => sim.layerOutputs(Tensor.from(x, [B, model.inputSize]))[0]);
  // |routed| per (sample, core): the scale of read / programming noise at the output.
  const routedNorm = new Float64Array(B * 4);
  noGrad(() => {
    const w = Tensor.from(
      new Float32Array(4 * N * N).map((_, i) => (Math.floor(i / N) % N === i % N ? 1 : 0)),
      [4, N, N],
    ); // identity cores
    const routed = ops.scrrambleLayer(Tensor.from(x, [B, model.inputSize]), w, model.layers[0].buffers).toArray();
    for (let b = 0; b < B; b++)
      for (let c = 0; c < 4; c++) {
        let s = 0;
        for (let m = 0; m < N; m++) s += routed[b * 4 * N + c * N + m] ** 2;
        routedNorm[b * 4 + c] = Math.sqrt(s);
      }
  });
  return { sim, ref, got, B, routedNorm };
}

test("programming noise: output error has the predicted std sigma * span / alpha * |v|", () => {
  const sigma = 0.02;
  const { sim, ref, got, B, routedNorm } = layer1Error({ progNoise: sigma });
  let s2 = 0,
    n = 0;
  for (let b = 0; b < B; b++)
    for (let c = 0; c < 4; c++)
      for (let j = 0; j < N; j++) {
        const i = b * 4 * N + c * N + j;
        const pred = ((sigma * 0.9) / sim.alpha(0, c)) * routedNorm[b * 4 + c];
        s2 += ((got[i] - ref[i]) / pred) ** 2;
        n++;
      }
  const ratio = Math.sqrt(s2 / n);
  assert.ok(ratio > 0.8 && ratio < 1.2, `normalised error std ${ratio}`);
});

test("read noise: fresh every evaluation, with the predicted std", () => {
  const sigma = 0.01;
  const { sim, ref, got, B, routedNorm } = layer1Error({ readNoise: sigma });
  const again = noGrad(() => sim.layerOutputs(Tensor.from(randomArray(B * sim.inputSize, { s: 9 }, 0, 1), [B, sim.inputSize]))[0]);
  assert.ok(
    again.some((v, i) => v !== got[i]),
    "a second read must draw new noise",
  );
  let s2 = 0,
    n = 0;
  for (let b = 0; b < B; b++)
    for (let c = 0; c < 4; c++)
      for (let j = 0; j < N; j++) {
        const i = b * 4 * N + c * N + j;
        s2 += ((got[i] - ref[i]) / (((sigma * 0.9) / sim.alpha(0, c)) * routedNorm[b * 4 + c])) ** 2;
        n++;
      }
  const ratio = Math.sqrt(s2 / n);
  assert.ok(ratio > 0.8 && ratio < 1.2, `normalised error std ${ratio}`);
});

test("finite levels: error within half a level step, shrinking as levels grow", () => {
  const errs = [4, 16, 256].map((levels) => {
    const { sim, ref, got, B, routedNorm } = layer1Error({ levels });
    const step = 0.9 / (levels - 1);
    let worst = 0,
      mean = 0;
    for (let b = 0; b < B; b++)
      for (let c = 0; c < 4; c++)
        for (let j = 0; j < N; j++) {
          const i = b * 4 * N + c * N + j;
          // |sum e v| <= (step/2) * sum |v| <= (step/2) * sqrt(N) |v|
          const bound = (step / 2 / sim.alpha(0, c)) * Math.sqrt(N) * routedNorm[b * 4 + c];
          worst = Math.max(worst, Math.abs(got[i] - ref[i]) / bound);
          mean += Math.abs(got[i] - ref[i]);
        }
    assert.ok(worst <= 1 + 1e-5, `levels ${levels}: error exceeds the bound (${worst})`);
    return mean;
  });
  assert.ok(errs[0] > errs[1] && errs[1] > errs[2], `errors ${errs}`);
  const lv = conductanceLevels({ ...CROSSBAR_DEFAULTS, levels: 5, levelSpacing: "log" });
  assert.ok(Math.abs(lv[0] - 0.1) < 1e-12 && Math.abs(lv[4] - 1) < 1e-12 && Math.abs(lv[2] - Math.sqrt(0.1)) < 1e-12);
  const dev = conductanceLevels({ ...CROSSBAR_DEFAULTS, levels: 5, levelSpacing: "device" });
  assert.ok(dev[1] - dev[0] > dev[4] - dev[3], "the device curve saturates: steps shrink towards g_max");
});

test("stuck devices: more stuck devices, larger error", () => {
  const err = (f: number) => {
    const { ref, got } = layer1Error({ stuckMax: f, seed: 3 });
    return got.reduce((a, v, i) => a + Math.abs(v - ref[i]), 0);
  };
  const [e0, e1, e2] = [0, 0.02, 0.2].map(err);
  assert.is(e0 < 1e-3, true);
  assert.ok(e1 > e0 && e2 > e1, `${e0} ${e1} ${e2}`);
});

test("ADC: outputs lie on the grid of 2^bits - 1 steps over [0, max]; DAC limits the input resolution", () => {
  const { sim, x } = setup();
  const out = simulated(sim, x, { adcBits: 3, adcMax: 0.5 });
  for (const v of out) {
    const k = v / (0.5 / 7);
    assert.ok(v >= 0 && v <= 0.5 + 1e-6 && Math.abs(k - Math.round(k)) < 1e-4, `off-grid ${v}`);
  }
  const { model } = setup();
  const ref = digital(model, x);
  const withDac = (bits: number) => {
    sim.program({ ...CROSSBAR_DEFAULTS, dacBits: bits }); // full scale calibrated below
    sim.calibrate([x]);
    return noGrad(() => sim.forward(Tensor.from(x, [x.length / sim.inputSize, sim.inputSize])).toArray());
  };
  const coarse = relErr(withDac(3), ref);
  const fine = relErr(withDac(12), ref);
  assert.ok(coarse > 10 * fine && fine < 1e-2, `DAC errors coarse ${coarse}, fine ${fine}`);
});

test("calibration sets the DAC / ADC full scale from data", () => {
  const { sim, x } = setup();
  sim.program({ ...CROSSBAR_DEFAULTS, adcBits: 4, dacBits: 8 });
  sim.calibrate([x]);
  const r = sim.ranges();
  assert.ok(
    r.every((l) => l.adcMax > 0 && l.adcMax !== 1 && l.dacMax > 0 && l.dacMax !== 1),
    JSON.stringify(r),
  );
  assert.throws(() => sim.program({ ...CROSSBAR_DEFAULTS, levels: 1 }), /levels/);
  assert.throws(
    () => sim.program({ ...CROSSBAR_DEFAULTS, gMin: 1, gMax: 0.5 }),
    /gMax must be above gMin .*the conductance range is empty/,
  );
});

test.run();
