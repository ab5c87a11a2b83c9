// The training loop on tiny synthetic data: it learns, it is reproducible from
// the seed, the cosine schedule ends at zero, the reconstruction head and the
// quantised-ReLU (ADC) activation train through it; it stops at the first
// non-finite loss or weight, refuses data and batches that cannot train, and a
// saved training state resumes to the same bits.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { endStep, engine } from "../src/engine.js";
import { Tensor } from "../src/tensor.js";
import { backward } from "../src/autograd/backward.js";
import { ScrrambleMlp, SCRRAMBLE_MLP_DEFAULTS, type ScrrambleMlpConfig } from "../src/nn/scrramble-mlp.js";
import { trainModel, learningRateAt, Trainer, TrainingDiverged, stepMemory } from "../src/train/trainer.js";
import { DenseBaseline } from "../src/nn/dense-baseline.js";
import { loadTrainingState, trainingStateParts } from "../src/io/training-state.js";
import { evaluate } from "../src/train/evaluate.js";
import { TRAIN_DEFAULTS } from "../src/train/options.js";
import type { Dataset } from "../src/data/dataset.js";
import { Rng } from "../src/rng.js";

/** 3 classes of 8x8 images: a bright row band at a class-specific place, plus noise. */
function toy(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const images = new Uint8Array(n * 64);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const y = i % 3;
    labels[i] = y;
    for (let p = 0; p < 64; p++) {
      const row = p >> 3;
      images[i * 64 + p] = Math.min(255, (row >= y * 3 && row < y * 3 + 2 ? 200 : 0) + rng.int(40));
    }
  }
  return { name: `toy${seed}`, images, labels, n, height: 8, width: 8, channels: 1, classes: 3 };
}

const cfg: ScrrambleMlpConfig = {
  ...SCRRAMBLE_MLP_DEFAULTS,
  cores: [4, 6, 3],
  coreSize: 16,
  slotSize: 4,
  classes: 3,
  p: 0.5,
  init: "glorot-core",
  reconstructionSize: 64,
};
const opts = { ...TRAIN_DEFAULTS, epochs: 6, batchSize: 16, shift: 0, lr: 1e-2 };

function weights(m: ScrrambleMlp): number[] {
  return m.parameters().flatMap((p) => Array.from(p.toArray().slice(0, 20)));
}

test("learns a toy task well above chance, reproducibly from the seed", () => {
  endStep();
  const train = toy(240, 1),
    held = toy(90, 2);
  const a = new ScrrambleMlp(cfg);
  trainModel(a, train, null, opts);
  const acc = evaluate(a, held).accuracy;
  assert.ok(acc > 0.9, `accuracy ${acc}`);
  const b = new ScrrambleMlp(cfg);
  trainModel(b, train, null, opts);
  assert.equal(weights(b), weights(a));
  const c = new ScrrambleMlp(cfg);
  trainModel(c, train, null, { ...opts, seed: 1 });
  assert.not.equal(weights(c), weights(a));
});

test("cosine schedule starts at lr and ends at 0", () => {
  assert.is(learningRateAt(0.1, 0, 100), 0.1);
  assert.ok(Math.abs(learningRateAt(0.1, 50, 100) - 0.05) < 1e-12);
  assert.ok(learningRateAt(0.1, 100, 100) < 1e-12);
});

test("the reconstruction head and the qrelu (ADC) activation train", () => {
  endStep();
  const train = toy(240, 3),
    held = toy(90, 4);
  const rec = new ScrrambleMlp({ ...cfg, reconstruction: 1e-2 });
  assert.is(rec.head.length, 3);
  const steps: number[] = [];
  trainModel(rec, train, null, { ...opts, epochs: 3 }, { onStep: (s) => steps.push(s.loss) });
  assert.ok(steps.every(Number.isFinite));
  assert.ok(evaluate(rec, held).accuracy > 0.6);
  const q = new ScrrambleMlp({ ...cfg, activation: "qrelu", adcBits: 4, adcMax: 2 });
  trainModel(q, train, null, opts);
  const acc = evaluate(q, held).accuracy;
  assert.ok(acc > 0.8, `qrelu accuracy ${acc}`);
});

function diverges(run: () => void, re: RegExp): void {
  try {
    run();
    assert.unreachable("training went on");
  } catch (e) {
    assert.ok(e instanceof TrainingDiverged, `not a TrainingDiverged: ${(e as Error).message}`);
    assert.match((e as Error).message, re);
    assert.ok((e as TrainingDiverged).step >= 1);
  }
  endStep();
}

test("a non-finite loss or weight stops training, naming the step and the likely cause", () => {
  endStep();
  const train = toy(96, 5);
  const quick = { ...opts, epochs: 3 };
  diverges(
    () => trainModel(new ScrrambleMlp(cfg), train, null, { ...quick, lr: 1e6 }),
    new RegExp(
      "^training diverged at step \\d+ \\(epoch \\d\\): (the loss is NaN|the held-out loss is NaN|" +
        'parameter "layers\\.\\d\\.weight" became NaN or infinite); likely cause: the learning rate 1000000 is too high$',
    ),
  );
  diverges(
    () => trainModel(new ScrrambleMlp(cfg), train, null, { ...quick, optimizer: "sgd", lr: 1e6 }),
    /training diverged at step \d+ .*likely cause: the learning rate 1000000 is too high/,
  );
  diverges(
    () => trainModel(new ScrrambleMlp(cfg), train, null, { ...quick, weightDecay: 1e30 }),
    /training diverged at step \d+ \(epoch 1\): .*; likely cause: the weight decay 1e\+30 is too high$/,
  );
  const dense = new DenseBaseline({ sizes: [64, 40, 30], classes: 3, groupSize: 10, initSeed: 1, bias: true });
  diverges(() => trainModel(dense, train, null, { ...quick, lr: 1e6 }), /training diverged at step \d+ .*learning rate 1000000/);
  // A NaN already in the weights: the first loss is NaN, and the step is not applied.
  const m = new ScrrambleMlp(cfg);
  m.parameters()[0].data()[3] = NaN;
  const before = m.parameters()[1].toArray();
  diverges(() => trainModel(m, train, null, quick), /^training diverged at step 1 \(epoch 1\): the loss is NaN;/);
  assert.equal(Array.from(m.parameters()[1].toArray()), Array.from(before), "the diverged step changed nothing");
});

test("empty data, a batch larger than the training set and a batch beyond kernel memory are refused", () => {
  endStep();
  const train = toy(40, 6);
  const empty = { ...train, name: "nothing", images: new Uint8Array(0), labels: new Uint8Array(0), n: 0 };
  const make = () => new ScrrambleMlp(cfg);
  assert.throws(() => trainModel(make(), empty, null, opts), /dataset "nothing" is empty: nothing to train on/);
  assert.throws(() => trainModel(make(), train, empty, opts), /held-out dataset "nothing" is empty/);
  assert.throws(
    () => trainModel(make(), train, null, { ...opts, batchSize: 41 }),
    /batch size 41 is larger than the 40 samples of "toy6": an epoch would have no full batch/,
  );
  // 1 x 1 images: two million samples are 2 MB, a batch of them far more than 4 GiB of activations.
  const n = 2_000_000;
  const tiny: Dataset = {
    name: "dots",
    images: new Uint8Array(n),
    labels: new Uint8Array(n),
    n,
    height: 1,
    width: 1,
    channels: 1,
    classes: 3,
  };
  const dense = new DenseBaseline({ sizes: [1, 2048, 30], classes: 3, groupSize: 10, initSeed: 1, bias: true });
  assert.throws(
    () => trainModel(dense, tiny, null, { ...opts, batchSize: n }),
    new RegExp(
      "batch size 2000000 needs about \\d+ MB of kernel memory per step beside the model's [\\d.]+ MB, " +
        "above the \\d+ MB limit; at most about \\d+ samples per batch fit",
    ),
  );
  const m = stepMemory(dense, 64, 1);
  assert.ok(m.maxBatch > 10_000 && m.maxBatch < n, `max batch ${m.maxBatch}`);
  endStep();
});

test("step memory: the estimate from batches of 4 and 8 is within 10 % of a measured batch of 64", () => {
  endStep();
  const dense = new DenseBaseline({ sizes: [64, 300, 30], classes: 3, groupSize: 10, initSeed: 1, bias: true });
  const est = stepMemory(dense, 64, 64).step;
  const scr = new ScrrambleMlp(cfg);
  const estScr = stepMemory(scr, 64, 64).step;
  const measure = (m: { loss: ScrrambleMlp["loss"]; inputSize: number }) => {
    const arena = engine().arena;
    arena.resetPeak();
    const { loss } = m.loss({ x: Tensor.zeros([64, m.inputSize]), labels: new Uint8Array(64) });
    backward(loss);
    const peak = arena.stats().peakStepBytes;
    endStep();
    return peak;
  };
  for (const [what, e, real] of [
    ["dense", est, measure(dense)],
    ["scrramble", estScr, measure(scr)],
  ] as const) {
    assert.ok(Math.abs(e - real) <= 0.1 * real, `${what}: estimated ${e}, measured ${real}`);
  }
});

test("a training state taken mid-epoch resumes to the same weights as an unbroken run", () => {
  endStep();
  const train = toy(100, 7),
    held = toy(30, 8);
  const o = { ...opts, epochs: 3, batchSize: 16, shift: 1, evalEvery: 4 };
  const run = (stopAt: number | null) => {
    const model = new ScrrambleMlp(cfg);
    const t = new Trainer(model, train, held, o);
    while (!t.done && t.step !== stopAt) t.next();
    return { model, t };
  };
  const straight = run(null);
  assert.is(straight.t.step, 18, "6 batches of 16 per epoch, 3 epochs");
  for (const stopAt of [3, 6, 11]) {
    const { t: first } = run(stopAt);
    const bytes = trainingStateParts(first.state(), { kind: "k", config: "{}", train: "{}" });
    const whole = new Uint8Array(bytes.reduce((a, b) => a + b.length, 0));
    bytes.reduce((at, b) => (whole.set(b, at), at + b.length), 0);
    const { state } = loadTrainingState(whole, "state.safetensors");
    const model = new ScrrambleMlp({ ...cfg, initSeed: 99 }); // other weights: the state must replace them all
    const resumed = new Trainer(model, train, held, o);
    resumed.restore(state);
    while (resumed.next());
    straight.model
      .parameters()
      .forEach((p, i) =>
        assert.equal(Array.from(model.parameters()[i].toArray()), Array.from(p.toArray()), `stopped at ${stopAt}: parameter ${i}`),
      );
  }
  const t = new Trainer(new ScrrambleMlp(cfg), train, held, o);
  const s = straight.t.state();
  assert.throws(() => t.restore({ ...s, step: 5 }), /training state: position \(epoch 2, batch 6\) is not step 5/);
  assert.throws(() => t.restore({ ...s, params: {} }), /parameter "layers\.0\.weight" is missing/);
});

test("the trainer's time per part: each part counts its own work, and the parts fit in the wall time", () => {
  endStep();
  const train = toy(100, 7),
    held = toy(30, 8);
  const o = { ...opts, epochs: 1, batchSize: 16, evalEvery: 2 };
  let handlerMs = 0;
  const busy = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end);
    handlerMs += ms;
  };
  // The handlers wait 3 ms a step and 5 ms an evaluation: that time is the handlers', not the step's.
  const t = new Trainer(new ScrrambleMlp(cfg), train, held, o, { onStep: () => busy(3), onEval: () => busy(5) });
  const t0 = performance.now();
  while (t.next());
  const wall = (performance.now() - t0) / 1000;
  const p = t.timing;
  assert.is(t.step, 6);
  for (const [k, v] of Object.entries(p)) assert.ok(Number.isFinite(v) && v >= 0, `${k}: ${v}`);
  assert.ok(p.steps > 0 && p.evaluation > 0, JSON.stringify(p));
  // A browser without cross-origin isolation rounds performance.now() to 0.1 ms: allow a tick per part.
  const tick = 1e-4;
  assert.ok(p.handlers >= handlerMs / 1000 - 18 * tick, `handlers ${p.handlers} s, at least the ${handlerMs} ms they waited`);
  assert.ok(p.steps + p.data + p.evaluation + p.handlers <= wall + 4 * tick, `${JSON.stringify(p)} within ${wall} s`);
  const copy = t.timing;
  copy.steps = -1;
  assert.ok(t.timing.steps > 0, "timing is a copy");
  const alone = new Trainer(new ScrrambleMlp(cfg), train, null, o);
  while (alone.next());
  assert.is(alone.timing.evaluation, 0, "no held-out set: no evaluation time");
});

test.run();
