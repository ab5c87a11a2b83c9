// Tests for dataset helpers, image transforms and DataLoader: each sample once
// per epoch, seeded order (same seed + epoch = same order, epochs differ), shifts
// are circular (pixel multiset kept), the resize index formula on a hand-computed
// case, quantisation and buffer reuse. Uses small synthetic datasets only.

import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Dataset } from "../src/data/dataset.js";
import { classCounts, concatDatasets, splitValidation, subset } from "../src/data/dataset.js";
import { expandShifted, quantise8bit, resizeNearest, shiftCircular } from "../src/data/transforms.js";
import { DataLoader } from "../src/data/loader.js";
import { Rng } from "../src/rng.js";

/** n images of h x w x c; sample i's pixels are (i * 1000 + k) / 1e6 so every value is unique. */
function toy(n: number, h = 4, w = 5, c = 1, classes = 10): Dataset {
  const f = h * w * c;
  const images = new Float32Array(n * f);
  for (let i = 0; i < n; i++) for (let k = 0; k < f; k++) images[i * f + k] = (i * 1000 + k) / 1e6;
  const labels = Uint8Array.from({ length: n }, (_, i) => i % classes);
  return { name: "toy", images, labels, n, height: h, width: w, channels: c, classes };
}

/** Sample id recovered from the first pixel of an unshifted toy image. */
const idOf = (x: Float32Array, k: number, f: number): number => Math.round(x[k * f] * 1e6 / 1000);

function epochIds(loader: DataLoader, epoch: number): number[] {
  const ids: number[] = [];
  for (const b of loader.batches(epoch)) for (let k = 0; k < b.size; k++) ids.push(idOf(b.x, k, loader.featureSize));
  return ids;
}

test("subset, splitValidation, concat, classCounts", () => {
  const ds = toy(10);
  const s = subset(ds, [9, 0, 3]);
  assert.equal(Array.from(s.labels), [9, 0, 3]);
  assert.equal(Array.from(s.images.subarray(0, 20)), Array.from(ds.images.subarray(180, 200)));
  const { train, val } = splitValidation(ds, 3);
  assert.equal([train.n, val.n], [7, 3]);
  assert.equal(Array.from(val.labels), [7, 8, 9]);
  assert.equal(Array.from(val.images), Array.from(ds.images.subarray(140)));
  assert.equal(Array.from(concatDatasets("all", [train, val]).images), Array.from(ds.images));
  assert.equal(classCounts(toy(23, 2, 2, 1, 4)), [6, 6, 6, 5]);
  assert.throws(() => splitValidation(ds, 11));
  assert.throws(() => subset(ds, [10]));
});

test("resizeNearest matches floor((i + 0.5) * h / outH) on a hand-computed case", () => {
  // 2x3 -> 4x4: rows read [0,0,1,1]; cols floor((j+.5)*3/4) = [0,1,1,2]
  const src = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const out = resizeNearest(src, 2, 3, 1, 4, 4);
  assert.equal(Array.from(out), [1, 2, 2, 3, 1, 2, 2, 3, 4, 5, 5, 6, 4, 5, 5, 6]);
  // 28 -> 32 row map from the spec formula
  const rows = Float32Array.from({ length: 28 }, (_, i) => i);
  const col = resizeNearest(rows, 28, 1, 1, 32, 1);
  assert.equal(Array.from(col), Array.from({ length: 32 }, (_, i) => Math.floor(((i + 0.5) * 28) / 32)));
  // channels stay together (HWC): 1x2x2 -> 1x1x2 picks column floor(0.5 * 2 / 1) = 1
  assert.equal(Array.from(resizeNearest(Float32Array.from([1, 2, 3, 4]), 1, 2, 2, 1, 1)), [3, 4]);
});

test("shiftCircular moves content with wraparound and keeps the multiset", () => {
  const src = Float32Array.from([1, 2, 3, 4, 5, 6]); // 2x3
  const out = new Float32Array(6);
  shiftCircular(src, 2, 3, 1, 1, 0, out);
  assert.equal(Array.from(out), [3, 1, 2, 6, 4, 5]);
  shiftCircular(src, 2, 3, 1, -1, 1, out);
  assert.equal(Array.from(out), [5, 6, 4, 2, 3, 1]);
  shiftCircular(src, 2, 3, 1, 3, -4, out); // full periods: identity
  assert.equal(Array.from(out), Array.from(src));
});

test("quantise8bit snaps to k/255 and clamps", () => {
  assert.is(quantise8bit(0.5), 128 / 255);
  assert.is(quantise8bit(0.1), 26 / 255);
  assert.is(quantise8bit(-0.2), 0);
  assert.is(quantise8bit(1.7), 1);
});

test("expandShifted: original plus copies, shifts within range, labels kept", () => {
  const ds = toy(5, 8, 8, 1);
  const aug = expandShifted(ds, 4, 3, new Rng(7));
  assert.is(aug.n, 25);
  const f = 64;
  for (let i = 0; i < 5; i++) {
    const orig = Array.from(ds.images.subarray(i * f, (i + 1) * f));
    assert.equal(Array.from(aug.images.subarray(i * 5 * f, (i * 5 + 1) * f)), orig);
    for (let k = 0; k < 5; k++) {
      assert.is(aug.labels[i * 5 + k], ds.labels[i]);
      const copy = aug.images.subarray((i * 5 + k) * f, (i * 5 + k + 1) * f);
      // pixel 0 of the source lands at (dy mod 8, dx mod 8) with |dx|, |dy| <= 3, so never row/col 4
      const at = Array.from(copy).indexOf(orig[0]);
      const y = Math.floor(at / 8), x = at % 8;
      assert.ok(y !== 4 && x !== 4, `shift to (${y}, ${x}) out of range`);
      assert.equal(Array.from(copy), Array.from(shiftCircular(Float32Array.from(orig), 8, 8, 1, x, y, new Float32Array(f))));
      assert.equal(Array.from(copy).sort(), [...orig].sort());
    }
  }
  assert.equal(Array.from(expandShifted(ds, 4, 3, new Rng(7)).images), Array.from(aug.images));
});

test("every sample exactly once per epoch; batch count and sizes", () => {
  const ds = toy(23);
  for (const dropLast of [false, true]) {
    const loader = new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 3, dropLast });
    assert.is(loader.numBatches, dropLast ? 4 : 5);
    const sizes = [...loader.batches(0)].map((b) => b.size);
    assert.equal(sizes, dropLast ? [5, 5, 5, 5] : [5, 5, 5, 5, 3]);
    const ids = epochIds(loader, 0);
    assert.is(new Set(ids).size, ids.length);
    if (!dropLast) assert.equal([...ids].sort((a, b) => a - b), Array.from({ length: 23 }, (_, i) => i));
  }
  const plain = new DataLoader(ds, { batchSize: 4, shuffle: false, seed: 0 });
  assert.equal(epochIds(plain, 5), Array.from({ length: 23 }, (_, i) => i));
});

test("labels travel with their images", () => {
  const ds = toy(17);
  const loader = new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 1 });
  for (const b of loader.batches(2)) {
    for (let k = 0; k < b.size; k++) assert.is(b.y[k], ds.labels[idOf(b.x, k, loader.featureSize)]);
  }
});

test("same seed + epoch = same order regardless of history; epochs and seeds differ", () => {
  const ds = toy(40);
  const a = new DataLoader(ds, { batchSize: 8, shuffle: true, seed: 11 });
  const b = new DataLoader(ds, { batchSize: 8, shuffle: true, seed: 11 });
  const e3 = epochIds(a, 3);
  epochIds(b, 0);
  epochIds(b, 1);
  assert.equal(epochIds(b, 3), e3);
  assert.equal(epochIds(a, 3), e3);
  assert.not.equal(epochIds(a, 4), e3);
  assert.not.equal(epochIds(new DataLoader(ds, { batchSize: 8, shuffle: true, seed: 12 }), 3), e3);
});

test("buffers are reused between batches", () => {
  const loader = new DataLoader(toy(12), { batchSize: 4, shuffle: true, seed: 0 });
  const xs = [...loader.batches(0)].map((b) => b.x.buffer);
  assert.ok(xs.every((buf) => buf === xs[0]));
});

test("shift: circular per sample, pixel multiset kept, deterministic per epoch", () => {
  const ds = toy(9, 7, 6, 2);
  const f = 84;
  const loader = new DataLoader(ds, { batchSize: 9, shuffle: false, seed: 5, shift: 2 });
  const [batch] = [...loader.batches(0)];
  const x0 = batch.x.slice();
  let moved = 0;
  for (let k = 0; k < 9; k++) {
    const got = Array.from(x0.subarray(k * f, (k + 1) * f));
    const orig = Array.from(ds.images.subarray(k * f, (k + 1) * f));
    assert.equal([...got].sort(), [...orig].sort());
    // find the shift: pixel (0,0) of the source moved to (dy, dx)
    const at = got.indexOf(orig[0]) / 2;
    const dy = Math.floor(at / 6), dx = at % 6;
    const ref = shiftCircular(ds.images.subarray(k * f, (k + 1) * f), 7, 6, 2, dx, dy, new Float32Array(f));
    assert.equal(got, Array.from(ref));
    assert.ok((dy <= 2 || dy >= 5) && (dx <= 2 || dx >= 4), `shift (${dx}, ${dy}) out of range`);
    if (at !== 0) moved++;
  }
  assert.ok(moved > 0);
  assert.equal(Array.from([...loader.batches(0)][0].x), Array.from(x0));
  assert.not.equal(Array.from([...loader.batches(1)][0].x), Array.from(x0));
});

test("resize in the loader (with and without shift) and quantise8", () => {
  const ds = toy(3, 28, 28, 1);
  const loader = new DataLoader(ds, { batchSize: 3, shuffle: false, seed: 0, resize: { height: 32, width: 32 }, quantise8: true });
  assert.is(loader.featureSize, 1024);
  const [b] = [...loader.batches(0)];
  for (let k = 0; k < 3; k++) {
    const q = ds.images.subarray(k * 784, (k + 1) * 784).map(quantise8bit);
    assert.equal(Array.from(b.x.subarray(k * 1024, (k + 1) * 1024)), Array.from(resizeNearest(q, 28, 28, 1, 32, 32)));
  }
  const shifted = new DataLoader(ds, { batchSize: 3, shuffle: false, seed: 0, shift: 3, resize: { height: 32, width: 32 } });
  const [s] = [...shifted.batches(0)];
  // each output must equal resize(shift(original)) for some |dx|, |dy| <= 3
  for (let k = 0; k < 3; k++) {
    const img = ds.images.subarray(k * 784, (k + 1) * 784);
    const got = Array.from(s.x.subarray(k * 1024, (k + 1) * 1024));
    let found = false;
    for (let dy = -3; dy <= 3 && !found; dy++) {
      for (let dx = -3; dx <= 3 && !found; dx++) {
        const ref = resizeNearest(shiftCircular(img, 28, 28, 1, dx, dy, new Float32Array(784)), 28, 28, 1, 32, 32);
        found = ref.every((v, i) => v === got[i]);
      }
    }
    assert.ok(found, `sample ${k} is not a resized shift`);
  }
  assert.ok(ds.images.every((v, i) => v === Math.fround((Math.floor(i / 784) * 1000 + (i % 784)) / 1e6)), "source dataset was modified");
});

test.run();
