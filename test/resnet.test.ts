// The ScRRAMBLe-ResNet on tiny settings: structure (separate vs shared batch norms, width and depth
// multipliers, both heads), gradients through the whole model by finite differences, training vs
// evaluation statistics, checkpoint round trip (running statistics, regenerated projection), the
// crossbar simulation of its head (ideal = digital), memory that stops growing after a step, a training
// state that resumes to the same bits (running statistics and augmentation generators included), and
// checkpoints held to the strict rules (every config key, finite running statistics).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { endStep, engine } from "../src/engine.js";
import { Tensor } from "../src/tensor.js";
import { noGrad } from "../src/autograd/tape.js";
import { backward } from "../src/autograd/backward.js";
import { AdamW } from "../src/optim/adam.js";
import { ScrrambleResnet, SCRRAMBLE_RESNET_DEFAULTS, frontEndSize, type ScrrambleResnetConfig } from "../src/nn/scrramble-resnet.js";
import { createModel, forwardPlan, modelConfig } from "../src/nn/registry.js";
import { loadCheckpoint, saveCheckpoint } from "../src/io/checkpoint.js";
import { crossbarFor } from "../src/sim/simulators.js";
import { CROSSBAR_DEFAULTS } from "../src/sim/options.js";
import { hardwareReport, reportMarkdown } from "../src/sim/report.js";
import { gradCheck, randomArray } from "./helpers/reference.js";
import { Trainer } from "../src/train/trainer.js";
import { TRAIN_DEFAULTS } from "../src/train/options.js";
import { loadTrainingState, trainingStateParts } from "../src/io/training-state.js";
import { decodeSafetensors, encodeSafetensors } from "../src/io/safetensors.js";
import type { Dataset } from "../src/data/dataset.js";

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

/** A CIFAR-10-named set of 8 x 8 x 3 images, so that --augment auto draws the CIFAR-10 float transforms. */
function tinyCifar(n: number, seed: number): Dataset {
  const x = randomArray(n * 8 * 8 * 3, { s: seed }, 0, 1);
  return {
    name: "cifar10:train",
    images: Uint8Array.from(x, (v) => Math.round(v * 255)),
    labels: Uint8Array.from({ length: n }, (_, i) => i % 4),
    n,
    height: 8,
    width: 8,
    channels: 3,
    classes: 4,
  };
}

test("a training state taken mid-epoch resumes to the same bits: weights, running statistics, augmentation", () => {
  endStep();
  const train = tinyCifar(24, 11);
  const o = { ...TRAIN_DEFAULTS, epochs: 2, batchSize: 8, lr: 1e-2, augment: "auto", shift: 1, evalEvery: 0 };
  const run = (stopAt: number | null) => {
    const model = new ScrrambleResnet(TINY);
    const t = new Trainer(model, train, null, o);
    while (!t.done && t.step !== stopAt) t.next();
    return { model, t };
  };
  const straight = run(null);
  assert.is(straight.t.step, 6, "3 batches of 8 per epoch, 2 epochs");
  const runningStats = (m: ScrrambleResnet) => m.trainingBuffers();
  for (const stopAt of [2, 4]) {
    const { t: first } = run(stopAt);
    const saved = first.state();
    assert.ok(
      Object.keys(saved.buffers).some((k) => k.endsWith("runningMean")),
      "running statistics are in the state",
    );
    assert.ok(saved.position.augment, "the float-space augmentation generator is in the state");
    const parts = trainingStateParts(saved, { kind: "scrramble-resnet", config: "{}", train: "{}" });
    const whole = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
    parts.reduce((at, b) => (whole.set(b, at), at + b.length), 0);
    const { state } = loadTrainingState(whole, "state.safetensors");
    // The run's own config (its fixed projection comes from the seed), every parameter and statistic scrambled:
    // the state must replace them all.
    const model = new ScrrambleResnet(TINY);
    model.parameters().forEach((p, i) => p.set(randomArray(p.size, { s: 50 + i }, -1, 1)));
    const junk = model.trainingBuffers();
    for (const k of Object.keys(junk)) junk[k].fill(0.5);
    model.loadTrainingBuffers(junk);
    const resumed = new Trainer(model, train, null, o);
    resumed.restore(state);
    while (resumed.next());
    straight.model
      .parameters()
      .forEach((p, i) =>
        assert.equal(Array.from(model.parameters()[i].toArray()), Array.from(p.toArray()), `stopped at ${stopAt}: parameter ${i}`),
      );
    const want = runningStats(straight.model),
      got = runningStats(model);
    for (const k of Object.keys(want)) assert.equal(Array.from(got[k]), Array.from(want[k]), `stopped at ${stopAt}: ${k}`);
  }
  const t = new Trainer(new ScrrambleResnet(TINY), train, null, o);
  const s = straight.t.state();
  const { [Object.keys(s.buffers)[0]]: _gone, ...fewer } = s.buffers;
  assert.throws(() => t.restore({ ...s, buffers: fewer }), /training state: model buffer ".*running(Mean|Var)" is missing/);
  assert.throws(() => t.restore({ ...s, buffers: { ...s.buffers, extra: new Float32Array(1) } }), /unexpected model buffer "extra"/);
});

test("checkpoints: every config key required, running statistics must be finite, and the kind cannot be exported", () => {
  endStep();
  const file = decodeSafetensors(saveCheckpoint(new ScrrambleResnet(TINY)), "r.safetensors");
  assert.is(file.metadata.version, "2");
  const stats = Object.keys(file.tensors).filter((k) => /running(Mean|Var)$/.test(k));
  assert.ok(stats.length >= 2, "running statistics are stored");
  const config = JSON.parse(file.metadata.config);
  delete config.bn;
  assert.throws(
    () => loadCheckpoint(encodeSafetensors(file.tensors, { ...file.metadata, config: JSON.stringify(config) }), "r.safetensors"),
    /r\.safetensors: .*bn/,
  );
  const bad = Float32Array.from(file.tensors[stats[0]].data as ArrayLike<number>);
  bad[1] = NaN;
  const tensors = { ...file.tensors, [stats[0]]: { ...file.tensors[stats[0]], data: bad } };
  assert.throws(
    () => loadCheckpoint(encodeSafetensors(tensors, file.metadata), "r.safetensors"),
    new RegExp(`r\\.safetensors: tensor "${stats[0]}" holds a value that is not finite \\(NaN at index 1\\)`),
  );
  const params = { ...file.tensors };
  const w = Object.keys(params).find((k) => k.startsWith("head.layers.0"))!;
  const inf = Float32Array.from(params[w].data as ArrayLike<number>);
  inf[0] = Infinity;
  params[w] = { ...params[w], data: inf };
  assert.throws(() => loadCheckpoint(encodeSafetensors(params, file.metadata), "r.safetensors"), /not finite/);
  assert.throws(
    () => forwardPlan(new ScrrambleResnet(TINY)),
    /model kind "scrramble-resnet" cannot be exported yet: .*convolutional front end/,
  );
});

test.run();
