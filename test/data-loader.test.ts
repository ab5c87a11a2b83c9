// Tests for dataset helpers, image transforms and DataLoader: each sample once
// per epoch, seeded order (same seed + epoch = same order, epochs differ), shifts
// are circular (pixel multiset kept), the resize index formula on a hand-computed
// case, transforms keep the array kind (bytes or floats), batches are exactly
// byte / 255 as float32, buffer reuse, and a position inside an epoch resumes
// the same batches. Uses small synthetic byte datasets only.

import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Dataset } from "../src/data/dataset.js";
import { checkDataset, classCounts, concatDatasets, splitValidation, subset } from "../src/data/dataset.js";
import { expandShifted } from "../src/data/transforms.js";
import { trainingSet } from "../src/train/trainer.js";
import { TRAIN_DEFAULTS } from "../src/train/options.js";
import { resizeNearest, shiftCircular, shiftZero } from "../src/pixels.js";
import { DataLoader } from "../src/data/loader.js";
import { Rng } from "../src/rng.js";

/** Pixel byte k of toy sample i: first pixel = i; 7 is odd, so the bytes of one image are distinct while f <= 256. */
const toyByte = (i: number, k: number): number => (i + 7 * k) % 256;

/** n byte images of h x w x c (n <= 256) with pixel k of sample i = toyByte(i, k). */
function toy(n: number, h = 4, w = 5, c = 1, classes = 10): Dataset {
  const f = h * w * c;
  const images = new Uint8Array(n * f);
  for (let i = 0; i < n; i++) for (let k = 0; k < f; k++) images[i * f + k] = toyByte(i, k);
  const labels = Uint8Array.from({ length: n }, (_, i) => i % classes);
  return { name: "toy", images, labels, n, height: h, width: w, channels: c, classes };
}

/** What a batch must hold for these bytes: byte / 255 rounded to float32. */
const unit = (bytes: ArrayLike<number>): number[] => Array.from(bytes, (b) => Math.fround(b / 255));

/** Sample id recovered from the first value (id / 255) of an unshifted toy image in a batch. */
const idOf = (x: Float32Array, k: number, f: number): number => Math.round(x[k * f] * 255);

function epochIds(loader: DataLoader, epoch: number): number[] {
  const ids: number[] = [];
  for (const b of loader.batches(epoch)) for (let k = 0; k < b.size; k++) ids.push(idOf(b.x, k, loader.featureSize));
  return ids;
}

test("subset and concat copy bytes; splitValidation gives views (no copy); classCounts", () => {
  const ds = toy(10);
  const s = subset(ds, [9, 0, 3]);
  assert.equal(Array.from(s.labels), [9, 0, 3]);
  assert.ok(s.images instanceof Uint8Array && s.images.length === 60);
  assert.equal(Array.from(s.images.subarray(0, 20)), Array.from(ds.images.subarray(180, 200)));
  assert.equal(
    Array.from(s.images.subarray(0, 20)),
    Array.from({ length: 20 }, (_, k) => toyByte(9, k)),
  );
  const { train, val } = splitValidation(ds, 3);
  assert.equal([train.n, val.n], [7, 3]);
  assert.equal(Array.from(val.labels), [7, 8, 9]);
  assert.equal(Array.from(val.images), Array.from(ds.images.subarray(140)));
  assert.equal(Array.from(train.images), Array.from(ds.images.subarray(0, 140)));
  for (const part of [train, val]) {
    assert.ok(part.images instanceof Uint8Array && part.images.buffer === ds.images.buffer, "split parts are views of the source bytes");
  }
  const all = concatDatasets("all", [train, val]);
  assert.ok(all.images instanceof Uint8Array);
  assert.equal(Array.from(all.images), Array.from(ds.images));
  assert.equal(classCounts(toy(23, 2, 2, 1, 4)), [6, 6, 6, 5]);
  assert.throws(() => splitValidation(ds, 11));
  assert.throws(() => subset(ds, [10]));
});

test("checkDataset accepts byte images and rejects floats and size mismatches", () => {
  const ds = toy(4);
  assert.is(checkDataset(ds), ds);
  const floats = { ...ds, images: Float32Array.from(ds.images, (b) => b / 255) } as unknown as Dataset;
  assert.throws(() => checkDataset(floats), /Uint8Array/);
  assert.throws(() => checkDataset({ ...ds, images: ds.images.subarray(1) }), /expected n \* h \* w \* c = 80/);
  assert.throws(() => checkDataset({ ...ds, classes: 2 }), /label 2 at sample 2/);
});

test("resizeNearest matches floor((i + 0.5) * h / outH) on a hand-computed case", () => {
  // 2x3 -> 4x4: rows read [0,0,1,1]; cols floor((j+.5)*3/4) = [0,1,1,2]
  const src = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const out = resizeNearest(src, 2, 3, 1, 4, 4);
  assert.equal(Array.from(out), [1, 2, 2, 3, 1, 2, 2, 3, 4, 5, 5, 6, 4, 5, 5, 6]);
  // 28 -> 32 row map from the spec formula
  const rows = Float32Array.from({ length: 28 }, (_, i) => i);
  const col = resizeNearest(rows, 28, 1, 1, 32, 1);
  assert.equal(
    Array.from(col),
    Array.from({ length: 32 }, (_, i) => Math.floor(((i + 0.5) * 28) / 32)),
  );
  // channels stay together (HWC): 1x2x2 -> 1x1x2 picks column floor(0.5 * 2 / 1) = 1
  assert.equal(Array.from(resizeNearest(Float32Array.from([1, 2, 3, 4]), 1, 2, 2, 1, 1)), [3, 4]);
  // bytes in, bytes out, same index map
  const bytes = resizeNearest(Uint8Array.from([10, 20, 30, 40, 50, 255]), 2, 3, 1, 4, 4);
  assert.ok(bytes instanceof Uint8Array);
  assert.equal(Array.from(bytes), [10, 20, 20, 30, 10, 20, 20, 30, 40, 50, 50, 255, 40, 50, 50, 255]);
  const into = new Uint8Array(16);
  assert.is(resizeNearest(Uint8Array.from([1, 2, 3, 4, 5, 6]), 2, 3, 1, 4, 4, into), into);
  assert.equal(Array.from(into), [1, 2, 2, 3, 1, 2, 2, 3, 4, 5, 5, 6, 4, 5, 5, 6]);
  assert.throws(() => resizeNearest(src as never, 2, 3, 1, 4, 4, new Uint8Array(16) as never), /both must be bytes or both floats/);
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
  // bytes in, bytes out
  const bytes = new Uint8Array(6);
  assert.is(shiftCircular(Uint8Array.from([1, 2, 3, 4, 5, 255]), 2, 3, 1, -1, 1, bytes), bytes);
  assert.equal(Array.from(bytes), [5, 255, 4, 2, 3, 1]);
  assert.throws(
    () => shiftCircular(Uint8Array.from([1, 2, 3, 4, 5, 6]) as never, 2, 3, 1, 1, 0, new Float32Array(6) as never),
    /both must be bytes or both floats/,
  );
});

test("a shift reads the image from an offset in a larger buffer as it reads that image alone, and refuses one that does not fit", () => {
  const many = Uint8Array.from({ length: 4 * 12 }, (_, i) => (i * 37) % 251); // four 3x4 images
  for (const fn of [shiftCircular, shiftZero])
    for (const [dx, dy] of [
      [1, 0],
      [-2, 1],
      [0, -1],
    ])
      for (let img = 0; img < 4; img++) {
        const alone = fn(many.slice(img * 12, (img + 1) * 12), 3, 4, 1, dx, dy, new Uint8Array(12));
        assert.equal(Array.from(fn(many, 3, 4, 1, dx, dy, new Uint8Array(12), img * 12)), Array.from(alone), `${fn.name} image ${img}`);
      }
  assert.throws(
    () => shiftZero(many, 3, 4, 1, 1, 0, new Uint8Array(12), 37),
    /an image of 12 values from 37 does not fit in src \(48 values\)/,
  );
  assert.throws(() => shiftCircular(many, 3, 4, 1, 1, 0, new Uint8Array(12), -1), /from -1 does not fit/);
});

test("expandShifted: original plus copies, shifts within range, labels kept", () => {
  const ds = toy(5, 8, 8, 1);
  const aug = expandShifted(ds, 4, 3, new Rng(7));
  assert.is(aug.n, 25);
  assert.ok(aug.images instanceof Uint8Array && aug.images.length === 25 * 64);
  const f = 64;
  for (let i = 0; i < 5; i++) {
    const orig = Array.from(ds.images.subarray(i * f, (i + 1) * f));
    assert.equal(Array.from(aug.images.subarray(i * 5 * f, (i * 5 + 1) * f)), orig);
    for (let k = 0; k < 5; k++) {
      assert.is(aug.labels[i * 5 + k], ds.labels[i]);
      const copy = aug.images.subarray((i * 5 + k) * f, (i * 5 + k + 1) * f);
      // pixel 0 of the source lands at (dy mod 8, dx mod 8) with |dx|, |dy| <= 3, so never row/col 4
      const at = Array.from(copy).indexOf(orig[0]);
      const y = Math.floor(at / 8),
        x = at % 8;
      assert.ok(y !== 4 && x !== 4, `shift to (${y}, ${x}) out of range`);
      assert.equal(Array.from(copy), Array.from(shiftCircular(Uint8Array.from(orig), 8, 8, 1, x, y, new Uint8Array(f))));
      assert.equal(Array.from(copy).sort(), [...orig].sort());
    }
  }
  assert.equal(Array.from(expandShifted(ds, 4, 3, new Rng(7)).images), Array.from(aug.images));
});

test("trainingSet: --shifted-copies expands the training set in the chosen mode, seeded; 0 copies is the data itself", () => {
  const ds = toy(4, 8, 8, 1);
  const base = { ...TRAIN_DEFAULTS, shiftedCopies: 0 };
  assert.is(trainingSet(ds, base), ds);
  const circ = trainingSet(ds, { ...base, shiftedCopies: 4, copyShift: 3, shiftMode: "circular", seed: 2 });
  assert.is(circ.n, 20);
  assert.equal(Array.from(circ.images), Array.from(expandShifted(ds, 4, 3, new Rng(2).fork("shifted-copies"), "circular").images));
  const zero = trainingSet(ds, { ...base, shiftedCopies: 4, copyShift: 3, shiftMode: "zero", seed: 2 });
  assert.equal(Array.from(zero.images), Array.from(expandShifted(ds, 4, 3, new Rng(2).fork("shifted-copies"), "zero").images));
  // zero fill loses pixels (sum falls or stays), circular keeps them all
  for (let k = 0; k < 20; k++) {
    const sum = (a: Uint8Array) => a.subarray(k * 64, (k + 1) * 64).reduce((x, y) => x + y, 0);
    const orig = ds.images.subarray(Math.floor(k / 5) * 64, (Math.floor(k / 5) + 1) * 64).reduce((x, y) => x + y, 0);
    assert.is(sum(circ.images), orig);
    assert.ok(sum(zero.images) <= orig);
  }
  assert.not.equal(Array.from(zero.images), Array.from(circ.images));
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
    if (!dropLast)
      assert.equal(
        [...ids].sort((a, b) => a - b),
        Array.from({ length: 23 }, (_, i) => i),
      );
  }
  const plain = new DataLoader(ds, { batchSize: 4, shuffle: false, seed: 0 });
  assert.equal(
    epochIds(plain, 5),
    Array.from({ length: 23 }, (_, i) => i),
  );
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

test("batches hold byte / 255 as float32, exactly, for every byte value", () => {
  // two 16x16 images holding all 256 byte values, forwards and backwards
  const images = new Uint8Array(512);
  for (let k = 0; k < 256; k++) {
    images[k] = k;
    images[256 + k] = 255 - k;
  }
  const ds: Dataset = { name: "bytes", images, labels: Uint8Array.from([3, 4]), n: 2, height: 16, width: 16, channels: 1, classes: 10 };
  const loader = new DataLoader(ds, { batchSize: 2, shuffle: false, seed: 0 });
  assert.is(loader.featureSize, 256);
  const [b] = [...loader.batches(0)];
  assert.ok(b.x instanceof Float32Array && b.x.length === 512);
  assert.equal(Array.from(b.x), unit(images));
  assert.equal([b.x[0], b.x[255], b.x[256], b.x[128]], [0, 1, 1, Math.fround(128 / 255)]);
  assert.equal(Array.from(b.y), [3, 4]);
  // no resize: no index map, the loader reads the dataset's own bytes
  assert.is((loader as unknown as { resizeIndex: Int32Array | null }).resizeIndex, null);
  // a partial last batch is a view of the same buffer with the same conversion
  const parts = [...new DataLoader(ds, { batchSize: 3, shuffle: false, seed: 0 }).batches(0)];
  assert.is(parts.length, 1);
  assert.is(parts[0].size, 2);
  assert.equal(Array.from(parts[0].x), unit(images));
});

test("shift: circular per sample, pixel multiset kept, deterministic per epoch", () => {
  const ds = toy(9, 7, 6, 2);
  const f = 84;
  const loader = new DataLoader(ds, { batchSize: 9, shuffle: false, seed: 5, shift: 2, shiftMode: "circular" });
  const [batch] = [...loader.batches(0)];
  const x0 = batch.x.slice();
  let moved = 0;
  for (let k = 0; k < 9; k++) {
    const got = Array.from(x0.subarray(k * f, (k + 1) * f));
    const orig = ds.images.subarray(k * f, (k + 1) * f);
    assert.equal([...got].sort(), unit(orig).sort());
    // find the shift: pixel (0,0) of the source moved to (dy, dx)
    const at = got.indexOf(Math.fround(orig[0] / 255)) / 2;
    const dy = Math.floor(at / 6),
      dx = at % 6;
    const ref = shiftCircular(orig, 7, 6, 2, dx, dy, new Uint8Array(f));
    assert.equal(got, unit(ref));
    assert.ok((dy <= 2 || dy >= 5) && (dx <= 2 || dx >= 4), `shift (${dx}, ${dy}) out of range`);
    if (at !== 0) moved++;
  }
  assert.ok(moved > 0);
  assert.equal(Array.from([...loader.batches(0)][0].x), Array.from(x0));
  assert.not.equal(Array.from([...loader.batches(1)][0].x), Array.from(x0));
});

test("shiftZero translates with zero fill: content leaving the frame is lost, never wrapped", () => {
  // 2 x 3, one channel: [[1, 2, 3], [4, 5, 6]]
  const src = Uint8Array.from([1, 2, 3, 4, 5, 6]);
  const out = new Uint8Array(6);
  assert.equal(Array.from(shiftZero(src, 2, 3, 1, 1, 0, out)), [0, 1, 2, 0, 4, 5]);
  assert.equal(Array.from(shiftZero(src, 2, 3, 1, -1, 1, out)), [0, 0, 0, 2, 3, 0]);
  assert.equal(Array.from(shiftZero(src, 2, 3, 1, 0, 0, out)), [1, 2, 3, 4, 5, 6]);
  assert.equal(Array.from(shiftZero(src, 2, 3, 1, 3, 0, out)), [0, 0, 0, 0, 0, 0], "a full-width shift empties the frame");
  // two channels move together; floats work the same
  const f = Float32Array.from([1, -1, 2, -2, 3, -3, 4, -4]);
  assert.equal(Array.from(shiftZero(f, 2, 2, 2, 0, 1, new Float32Array(8))), [0, 0, 0, 0, 1, -1, 2, -2]);
  // against a naive definition on a random 7 x 6 image
  const img = Uint8Array.from({ length: 42 }, (_, i) => (i * 53 + 7) % 251);
  for (const [dx, dy] of [
    [2, -3],
    [-4, 1],
    [5, 5],
  ]) {
    const got = shiftZero(img, 7, 6, 1, dx, dy, new Uint8Array(42));
    for (let y = 0; y < 7; y++)
      for (let x = 0; x < 6; x++) {
        const sy = y - dy,
          sx = x - dx;
        assert.is(got[y * 6 + x], sy >= 0 && sy < 7 && sx >= 0 && sx < 6 ? img[sy * 6 + sx] : 0);
      }
  }
  assert.throws(
    () => new DataLoader(toy(2, 4, 4, 1), { batchSize: 1, shuffle: false, seed: 0, shift: 1, shiftMode: "mirror" as never }),
    /shiftMode/,
  );
});

test("resize in the loader (with and without shift) works on bytes, batches are byte / 255", () => {
  const ds = toy(3, 28, 28, 1);
  const loader = new DataLoader(ds, { batchSize: 3, shuffle: false, seed: 0, resize: { height: 32, width: 32 } });
  assert.is(loader.featureSize, 1024);
  // resizing keeps no resized copy of the data: an index map of one sample's 1024 output values
  const index = (loader as unknown as { resizeIndex: Int32Array }).resizeIndex;
  assert.ok(index instanceof Int32Array && index.length === 1024, "the resize is an index map");
  const [b] = [...loader.batches(0)];
  for (let k = 0; k < 3; k++) {
    const img = ds.images.subarray(k * 784, (k + 1) * 784);
    assert.equal(Array.from(b.x.subarray(k * 1024, (k + 1) * 1024)), unit(resizeNearest(img, 28, 28, 1, 32, 32)));
  }
  const shifted = new DataLoader(ds, { batchSize: 3, shuffle: false, seed: 0, shift: 3, resize: { height: 32, width: 32 } });
  const [s] = [...shifted.batches(0)];
  // each output must equal resize(zero-fill shift(original)) / 255 for some |dx|, |dy| <= 3 (zero fill is the default)
  let unshifted = 0;
  for (let k = 0; k < 3; k++) {
    const img = ds.images.subarray(k * 784, (k + 1) * 784);
    const got = Array.from(s.x.subarray(k * 1024, (k + 1) * 1024));
    let found = false;
    for (let dy = -3; dy <= 3 && !found; dy++) {
      for (let dx = -3; dx <= 3 && !found; dx++) {
        const ref = unit(resizeNearest(shiftZero(img, 28, 28, 1, dx, dy, new Uint8Array(784)), 28, 28, 1, 32, 32));
        found = ref.every((v, i) => v === got[i]);
        if (found && dx === 0 && dy === 0) unshifted++;
      }
    }
    assert.ok(found, `sample ${k} is not a resized shift`);
  }
  assert.ok(unshifted < 3, "shift had no effect");
  assert.ok(
    ds.images.every((v, i) => v === toyByte(Math.floor(i / 784), i % 784)),
    "source dataset was modified",
  );
});

test("a position taken inside an epoch resumes the same batches, augmentation included", () => {
  const ds = toy(50, 6, 6);
  for (const shift of [0, 2]) {
    const loader = new DataLoader(ds, { batchSize: 8, shuffle: true, seed: 3, shift, dropLast: true });
    const all = Array.from(loader.batches(1), (b) => Array.from(b.x)); // copied as they come: the buffer is reused
    for (const at of [0, 2, 5, 6]) {
      const it = loader.epoch(1);
      for (let k = 0; k < at; k++) it.next();
      const pos = JSON.parse(JSON.stringify(it.position())); // through JSON, as a state file keeps it
      assert.is(pos.batch, at);
      const rest = loader.epoch(1, pos);
      for (let k = at; k < all.length; k++) assert.equal(Array.from(rest.next()!.x), all[k], `shift ${shift}, from ${at}: batch ${k}`);
      assert.is(rest.next(), null);
      assert.is(rest.position().batch, loader.numBatches);
    }
    assert.throws(() => loader.epoch(2, { epoch: 1, batch: 0, shift: null }), /position is in epoch 1, not 2/);
    assert.throws(() => loader.epoch(1, { epoch: 1, batch: 99, shift: null }), /position batch 99 outside/);
  }
});

test.run();
