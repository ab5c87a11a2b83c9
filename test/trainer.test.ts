// The training loop on tiny synthetic data: it learns, it is reproducible from
// the seed, the cosine schedule ends at zero, the reconstruction head and the
// quantised-ReLU (ADC) activation train through it.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { endStep } from "../src/engine.js";
import { ScrrambleMlp, SCRRAMBLE_MLP_DEFAULTS, type ScrrambleMlpConfig } from "../src/nn/scrramble-mlp.js";
import { trainModel, learningRateAt } from "../src/train/trainer.js";
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

test.run();
