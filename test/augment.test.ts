// Augmentation: spec parsing (presets, switches, values, errors), each transform's effect on known
// images (flips exact, zoom 1 / rotation 0 identity, brightness and contrast ranges, erasing area),
// reproducibility from the seed through the DataLoader, and the warmup-cosine schedule.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { augmentImage, NO_AUGMENTATION, parseAugmentation, type AugmentPolicy } from "../src/data/augment.js";
import { DataLoader } from "../src/data/loader.js";
import { Rng } from "../src/rng.js";
import { scheduledRate } from "../src/train/trainer.js";
import { TRAIN_DEFAULTS } from "../src/train/options.js";
import { RECIPES } from "../src/train/recipes.js";
import type { Dataset } from "../src/data/dataset.js";

const cifar = { name: "cifar10:train" },
  digits = { name: "mnist-bundled:train" };

test("specs: presets, auto by dataset, switches and values, later entries win", () => {
  assert.equal(parseAugmentation("auto", digits, 2), { ...NO_AUGMENTATION, shift: 2 });
  const c10 = parseAugmentation("auto", cifar, 2);
  assert.equal(c10, { ...NO_AUGMENTATION, hflip: true, vflip: true, rotate: 0.05, zoom: 0.1, brightness: 0.2, contrast: 0.2 });
  assert.equal(parseAugmentation("auto", { name: "cifar100-fine:train" }, 2), {
    ...NO_AUGMENTATION,
    erase: 0.3,
    hflip: true,
    zoom: 0.1,
    brightness: 0.2,
    contrast: 0.2,
  });
  assert.equal(parseAugmentation("cifar10,zoom=0.25,shift=1", digits, 2), { ...c10, zoom: 0.25, shift: 1 });
  assert.equal(parseAugmentation("none", cifar, 2), NO_AUGMENTATION);
  assert.equal(parseAugmentation("hflip, erase=0.5", digits, 0), { ...NO_AUGMENTATION, hflip: true, erase: 0.5 });
  assert.throws(() => parseAugmentation("mirror", digits, 0), /--augment: unknown entry "mirror"/);
  assert.throws(() => parseAugmentation("erase=2", digits, 0), /--augment: erase must be a number in \[0, 1\], got "2"/);
  assert.throws(() => parseAugmentation("shift=1.5", digits, 0), /shift must be an integer >= 0/);
});

/** A 4 x 6 image with 2 channels, value = distinct per position and channel. */
function ramp(): Float32Array {
  return Float32Array.from({ length: 4 * 6 * 2 }, (_, i) => (i % 97) / 100);
}

function apply(p: Partial<AugmentPolicy>, img: Float32Array, seed: number): Float32Array {
  const out = img.slice();
  augmentImage(out, 4, 6, 2, { ...NO_AUGMENTATION, ...p }, new Rng(seed), new Float32Array(out.length));
  return out;
}

test("flips mirror exactly (bilinear at pixel centres, no zoom or rotation); the draw decides per image", () => {
  const img = ramp();
  let flipped = 0,
    kept = 0;
  for (let seed = 0; seed < 20; seed++) {
    const out = apply({ hflip: true }, img, seed);
    const mirrored = Float32Array.from(img, (_, i) => {
      const c = i % 2,
        q = (i - c) / 2,
        y = Math.floor(q / 6),
        x = q % 6;
      return img[(y * 6 + (5 - x)) * 2 + c];
    });
    if (out.every((v, i) => Math.abs(v - mirrored[i]) < 1e-6)) flipped++;
    else if (out.every((v, i) => v === img[i])) kept++;
    else assert.unreachable(`seed ${seed}: neither flipped nor kept`);
  }
  assert.ok(flipped > 3 && kept > 3, `${flipped} flipped, ${kept} kept`);
});

test("brightness and contrast stay within their ranges and clip to [0, 1]; rotation and zoom move pixels", () => {
  const img = Float32Array.from({ length: 48 }, (_, i) => 0.3 + 0.01 * (i % 20));
  for (let seed = 0; seed < 10; seed++) {
    const b = apply({ brightness: 0.2 }, img, seed);
    const d = b[0] - img[0];
    assert.ok(Math.abs(d) <= 0.2 + 1e-6 && b.every((v, i) => Math.abs(v - img[i] - d) < 1e-5), `seed ${seed}`);
    const c = apply({ contrast: 0.2 }, img, seed);
    assert.ok(c.every((v) => v >= 0 && v <= 1));
    const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(sum(c) - sum(img)) < 1e-3, "contrast keeps each channel's mean");
  }
  const bright = apply({ brightness: 10 }, img, 3);
  assert.ok(bright.every((v) => v === 0 || v === 1));
  const r = apply({ rotate: 0.25 }, ramp(), 1);
  assert.ok(r.some((v, i) => Math.abs(v - ramp()[i]) > 1e-3));
});

test("random erasing fills a rectangle of 2-33 % of the image with noise, with the set probability", () => {
  const img = new Float32Array(32 * 32).fill(0.5);
  let erased = 0;
  for (let seed = 0; seed < 200; seed++) {
    const out = img.slice();
    augmentImage(out, 32, 32, 1, { ...NO_AUGMENTATION, erase: 0.3 }, new Rng(seed), new Float32Array(out.length));
    const changed = out.filter((v) => v !== 0.5).length;
    if (changed > 0) {
      erased++;
      assert.ok(changed >= 0.015 * 1024 && changed <= 0.4 * 1024, `seed ${seed}: ${changed} pixels`);
    }
  }
  assert.ok(erased > 40 && erased < 80, `${erased} of 200 erased`);
});

test("the DataLoader's augmented batches are reproducible from seed and epoch, and differ across epochs", () => {
  const ds: Dataset = {
    name: "cifar10:train",
    images: Uint8Array.from({ length: 6 * 8 * 8 * 3 }, (_, i) => (i * 37) % 256),
    labels: new Uint8Array(6),
    n: 6,
    height: 8,
    width: 8,
    channels: 3,
    classes: 10,
  };
  const policy = parseAugmentation("auto", ds, 0);
  const batch = (seed: number, epoch: number) => {
    const l = new DataLoader(ds, { batchSize: 6, shuffle: true, seed, augment: policy });
    return [...l.batches(epoch)][0].x.slice();
  };
  assert.equal(Array.from(batch(4, 0)), Array.from(batch(4, 0)));
  assert.not.equal(Array.from(batch(4, 0)), Array.from(batch(4, 1)));
  const plain = new DataLoader(ds, { batchSize: 6, shuffle: false, seed: 0 });
  assert.ok([...plain.batches(0)][0].x.every((v, i) => v === ds.images[i] / 255 || Math.abs(v - ds.images[i] / 255) < 1e-7));
});

test("warmup-cosine: from lr/10 to 1.3 lr over the warmup, cosine to the final rate at the decay step", () => {
  const o = { ...TRAIN_DEFAULTS, ...RECIPES.paper.train };
  assert.ok(Math.abs(scheduledRate(o, 0, 50000) - 3e-5) < 1e-12);
  assert.ok(Math.abs(scheduledRate(o, 500, 50000) - (3e-5 + (3.9e-4 - 3e-5) / 2)) < 1e-12);
  assert.ok(Math.abs(scheduledRate(o, 1000, 50000) - 3.9e-4) < 1e-12);
  assert.ok(Math.abs(scheduledRate(o, 25500, 50000) - (1e-6 + (3.9e-4 - 1e-6) / 2)) < 1e-12);
  assert.ok(Math.abs(scheduledRate(o, 50000, 50000) - 1e-6) < 1e-15);
  assert.ok(Math.abs(scheduledRate(o, 60000, 70000) - 1e-6) < 1e-15);
  // decaySteps 0 ends the cosine at the run's last step
  assert.ok(Math.abs(scheduledRate({ ...o, decaySteps: 0 }, 2000, 2000) - 1e-6) < 1e-15);
  assert.is(scheduledRate({ ...o, lrSchedule: "constant" }, 7, 10), 3e-4);
});

test.run();
