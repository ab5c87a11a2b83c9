// The ScRRAMBLe-ResNet on tiny settings: structure (separate vs shared batch norms, width and depth
// multipliers, both heads), gradients through the whole model by finite differences, training vs
// evaluation statistics, checkpoint round trip (running statistics, regenerated projection), the
// crossbar simulation of its head (ideal = digital), and memory that stops growing after a step.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { endStep, engine } from "../src/engine.js";
import { Tensor } from "../src/tensor.js";
import { noGrad } from "../src/autograd/tape.js";
import { backward } from "../src/autograd/backward.js";
import { AdamW } from "../src/optim/adam.js";
import { ScrrambleResnet, SCRRAMBLE_RESNET_DEFAULTS, frontEndSize, type ScrrambleResnetConfig } from "../src/nn/scrramble-resnet.js";
import { createModel, modelConfig } from "../src/nn/registry.js";
import { loadCheckpoint, saveCheckpoint } from "../src/io/checkpoint.js";
import { crossbarFor } from "../src/sim/simulators.js";
import { CROSSBAR_DEFAULTS } from "../src/sim/options.js";
import { hardwareReport, reportMarkdown } from "../src/sim/report.js";
import { gradCheck, randomArray } from "./helpers/reference.js";

const TINY: ScrrambleResnetConfig = {
  ...SCRRAMBLE_RESNET_DEFAULTS,
  imageSize: 8,
  inputChannels: 3,
  channels: [4, 8],
  blocks: [1, 1],
  cores: [2, 3, 2],
  coreSize: 16,
  slotSize: 4,
  p: 0.5,
  classes: 4,
  routingSeed: 3,
  initSeed: 4,
};

const batch = (n: number, seed = 1) => ({
  x: randomArray(n * 8 * 8 * 3, { s: seed }, 0, 1),
  labels: Array.from({ length: n }, (_, i) => i % 4),
});

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let num = 0,
    den = 1e-12;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

test.after.each(() => endStep());

test("structure: stages, blocks and batch norms follow the config; the shared form has one norm per block", () => {
  endStep();
  const sep = new ScrrambleResnet(TINY);
  const names = sep.namedParameters().map(([n]) => n);
  assert.ok(names.includes("front.stage0.proj.weight") && names.includes("front.stage1.block0.conv2.bias"));
  assert.ok(names.includes("front.stage0.block0.bn1.gamma") && names.includes("front.stage0.block0.bn2.beta"));
  assert.ok(names.includes("head.layers.1.weight") && names.includes("head.norms.0.gamma"));
  assert.equal(sep.front.namedParameters().find(([n]) => n === "front.stage1.block0.conv1.weight")![1].shape, [3, 3, 8, 8]);
  assert.equal(sep.projection.shape, [32, 2 * 2 * 8]);
  const shared = new ScrrambleResnet({ ...TINY, bn: "shared" });
  const bnCount = (m: ScrrambleResnet) => m.namedParameters().filter(([n]) => n.includes(".bn")).length;
  assert.is(bnCount(sep), 2 * bnCount(shared));
  assert.equal(Object.keys(shared.storedTensors()).sort(), [
    "front.stage0.block0.bn.runningMean",
    "front.stage0.block0.bn.runningVar",
    "front.stage1.block0.bn.runningMean",
    "front.stage1.block0.bn.runningVar",
  ]);
  assert.equal(frontEndSize({ ...SCRRAMBLE_RESNET_DEFAULTS, width: 0.25, depth: 0.34 }), { channels: [16, 32, 64], blocks: [1, 1, 2] });
  assert.match(sep.routedNetwork().digital!, /convolutional front end \(4\/8 channels, 1\/1 blocks\), fixed projection 32 -> 32/);
  const dense = new ScrrambleResnet({ ...TINY, head: "dense" });
  assert.equal(dense.classifier!.w.shape, [4, 32]);
  assert.is(dense.norms[0].gamma.data()[0], 1, "unit layer-norm scale before a dense classifier");
  assert.ok(Math.abs(sep.norms[0].gamma.data()[0] - 0.25) < 1e-7, "1/sqrt(N) before class capsules");
});

test("the registry: context defaults (CIFAR-100 head, the small front end for 1-channel data) and config errors", () => {
  const c100 = modelConfig("resnet", {}, { classes: 100, seed: 2, input: { height: 32, width: 32, channels: 3 } })
    .config as ScrrambleResnetConfig;
  assert.equal([c100.cores, c100.p, c100.head, c100.width, c100.normInit], [[8, 20, 10], 0.75, "dense", 1, "unit"]);
  const digits = modelConfig("resnet", {}, { classes: 10, seed: 0, input: { height: 28, width: 28, channels: 1 } })
    .config as ScrrambleResnetConfig;
  assert.equal([digits.width, digits.depth, digits.inputChannels, digits.head], [0.25, 0.34, 1, "capsule"]);
  assert.throws(
    () => modelConfig("resnet", { "image-size": "20" }, { classes: 10, seed: 0, input: { height: 32, width: 32, channels: 3 } }),
    /not divisible by 2\^3/,
  );
  assert.throws(() => createModel("resnet", { ...TINY, blocks: [1] }), /must name the same number of stages/);
  assert.throws(() => createModel("resnet", { ...TINY, classes: 5 }), /do not split into 5 class capsules/);
});

test("gradients of the whole model's training loss by finite differences (conv, batch norm, head, layer norm)", () => {
  endStep();
  const m = new ScrrambleResnet({ ...TINY, head: "dense" });
  const { x, labels } = batch(6);
  const named = Object.fromEntries(m.namedParameters());
  const params = [
    "front.stage0.block0.conv1.weight",
    "front.stage1.block0.bn2.gamma",
    "front.stage0.proj.bias",
    "head.layers.0.weight",
    "head.norms.0.beta",
  ].map((n) => named[n]);
  const r = gradCheck(params, () => m.loss({ x: Tensor.from(x, [6, m.inputSize]), labels, training: true }).loss, {
    eps: 2e-3,
    atol: 3e-3,
    rtol: 5e-2,
    samples: 6,
  });
  assert.ok(r.ok, `worst ${JSON.stringify(r.worst)}`);
});

test("training steps move the running statistics; evaluation uses them ('running') or each batch's own ('batch')", () => {
  endStep();
  const m = new ScrrambleResnet(TINY);
  const mb = new ScrrambleResnet({ ...TINY, bnEval: "batch" });
  const { x, labels } = batch(8);
  const before = Array.from(m.storedTensors()["front.stage0.block0.bn1.runningMean"].data);
  const trainOut = m.forward(Tensor.from(x, [8, m.inputSize]), true).toArray();
  const after = m.storedTensors()["front.stage0.block0.bn1.runningMean"].data;
  assert.ok(Array.from(after).some((v, i) => v !== before[i]));
  endStep();
  const evalRunning = noGrad(() => m.forward(Tensor.from(x, [8, m.inputSize])).toArray());
  const evalBatch = noGrad(() => mb.forward(Tensor.from(x, [8, mb.inputSize])).toArray());
  assert.equal(Array.from(evalBatch), Array.from(trainOut), "batch statistics at evaluation = the training forward");
  assert.ok(maxRelDiff(evalRunning, trainOut) > 1e-3, "running statistics give other outputs");
});

test("checkpoint round trip: parameters, running statistics and the regenerated projection give the same scores", () => {
  endStep();
  const m = new ScrrambleResnet({ ...TINY, bn: "shared" });
  const opt = new AdamW(m.parameters(), { lr: 1e-2 });
  const { x, labels } = batch(8);
  for (let s = 0; s < 3; s++) {
    opt.zeroGrad();
    backward(m.loss({ x: Tensor.from(x, [8, m.inputSize]), labels, training: true }).loss);
    opt.step();
    endStep();
  }
  const want = noGrad(() => m.scores(Tensor.from(x, [8, m.inputSize])).toArray());
  endStep();
  const bytes = saveCheckpoint(m);
  const { model } = loadCheckpoint(bytes, "tiny.safetensors");
  assert.is(model.kind, "scrramble-resnet");
  const got = noGrad(() => model.scores(Tensor.from(x, [8, model.inputSize])).toArray());
  assert.equal(Array.from(got), Array.from(want));
  assert.equal(Array.from((model as ScrrambleResnet).projection.toArray()), Array.from(m.projection.toArray()));
});

test("simulated crossbars: ideal single-conductance cores reproduce the digital head; a 2-bit ADC does not", () => {
  for (const cfg of [TINY, { ...TINY, head: "dense" as const, headNorm: "layer" as const }]) {
    endStep();
    const m = new ScrrambleResnet(cfg);
    const sim = crossbarFor(m);
    const { x } = batch(5, 7);
    const digital = noGrad(() => m.scores(Tensor.from(x, [5, m.inputSize])).toArray());
    endStep();
    sim.program({ ...CROSSBAR_DEFAULTS });
    const ideal = noGrad(() => sim.scores(Tensor.from(x, [5, m.inputSize])).toArray());
    assert.ok(maxRelDiff(ideal, digital) < 1e-4, `${cfg.head}: ${maxRelDiff(ideal, digital)}`);
    endStep();
    sim.program({ ...CROSSBAR_DEFAULTS, adcBits: 2 });
    sim.calibrate([x]);
    const coarse = noGrad(() => sim.scores(Tensor.from(x, [5, m.inputSize])).toArray());
    assert.ok(maxRelDiff(coarse, digital) > 1e-3);
    assert.is(sim.conductances("single"), (3 + 2) * 16 * 16);
  }
});

test("the traffic report covers the ScRRAMBLe layers and says the front end stays digital", () => {
  endStep();
  const m = new ScrrambleResnet(TINY);
  const md = reportMarkdown(hardwareReport({ ...m.routedNetwork(), seeds: 2 }));
  assert.match(md, /Digital, not on crossbar cores and not counted below: convolutional front end/);
  assert.match(md, /Model cores 2 -> 3 -> 2, N = 16, s = 4/);
});

test("training memory stops growing after the first step (convolution scratch is released per call)", () => {
  endStep();
  const m = new ScrrambleResnet(TINY);
  const opt = new AdamW(m.parameters(), { lr: 1e-3 });
  const { x, labels } = batch(8);
  const sizes: number[] = [];
  const peaks: number[] = [];
  for (let s = 0; s < 4; s++) {
    opt.zeroGrad();
    backward(m.loss({ x: Tensor.from(x, [8, m.inputSize]), labels, training: true }).loss);
    opt.step();
    endStep();
    sizes.push(engine().memory.buffer.byteLength);
    peaks.push(engine().arena.stats().peakStepBytes);
  }
  assert.ok(
    sizes.every((v) => v === sizes[0]),
    `${sizes}`,
  );
  assert.ok(
    peaks.every((v) => v === peaks[0]),
    `${peaks}`,
  );
});

test.run();
