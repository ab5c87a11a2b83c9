// Tests for the CIFAR-10 / CIFAR-100 binary parser and loadCifarDir: exact
// planar -> HWC conversion on hand-built records, fine / coarse labels, both
// folder layouts, and errors (bad length, bad label, missing files) naming the
// file. Fixtures are generated in a temp dir; no real CIFAR download is used.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parseCifar } from "../src/data/cifar.js";
import { loadCifarDir } from "../src/node/data-files.js";
import { DataLoader } from "../src/data/loader.js";

/** Deterministic pixel byte for record r, channel c, position p (= y * 32 + x). */
const px = (r: number, c: number, p: number): number => (r * 31 + c * 101 + p * 7) % 256;

/** Records: label bytes then planar R, G, B planes of 1024 bytes each. */
function records(labelRows: number[][], first = 0): Uint8Array {
  const lb = labelRows[0]?.length ?? 1;
  const rec = lb + 3072;
  const out = new Uint8Array(labelRows.length * rec);
  labelRows.forEach((ls, i) => {
    out.set(ls, i * rec);
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) out[i * rec + lb + c * 1024 + p] = px(first + i, c, p);
  });
  return out;
}

/** images hold exactly the record bytes, moved from planar to HWC. */
function expectHwc(images: Uint8Array, count: number, first = 0): void {
  assert.is(images.constructor, Uint8Array);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < 1024; p++) {
      for (let c = 0; c < 3; c++) {
        const got = images[i * 3072 + p * 3 + c];
        const want = px(first + i, c, p);
        if (got !== want) assert.unreachable(`image ${i} pixel ${p} channel ${c}: ${got} != ${want}`);
      }
    }
  }
}

function throwsWith(fn: () => unknown, ...parts: string[]): void {
  try {
    fn();
  } catch (e) {
    const msg = (e as Error).message;
    for (const part of parts) assert.ok(msg.includes(part), `expected "${part}" in: ${msg}`);
    return;
  }
  assert.unreachable("expected an error");
}

async function rejects(p: Promise<unknown>, ...parts: string[]): Promise<void> {
  try {
    await p;
  } catch (e) {
    const msg = (e as Error).message;
    for (const part of parts) assert.ok(msg.includes(part), `expected "${part}" in: ${msg}`);
    return;
  }
  assert.unreachable("expected a rejection");
}

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), "scrramble-cifar-"));
  dirs.push(d);
  return d;
};

test("cifar10: planar records become HWC bytes with labels; batches are byte / 255", () => {
  const ds = parseCifar(records([[3], [9], [0]]), "data_batch_1.bin", { variant: "cifar10" });
  assert.equal([ds.n, ds.height, ds.width, ds.channels, ds.classes], [3, 32, 32, 3, 10]);
  assert.equal(Array.from(ds.labels), [3, 9, 0]);
  assert.is(ds.images.length, 3 * 3072);
  expectHwc(ds.images, 3);
  // pixel (y=1, x=2) of image 1, green channel
  assert.is(ds.images[3072 + (1 * 32 + 2) * 3 + 1], px(1, 1, 34));
  const [batch] = [...new DataLoader(ds, { batchSize: 3, shuffle: false, seed: 0 }).batches(0)];
  assert.is(batch.x.length, 3 * 3072);
  for (let k = 0; k < batch.x.length; k++) {
    if (batch.x[k] !== Math.fround(ds.images[k] / 255)) assert.unreachable(`batch value ${k}: ${batch.x[k]} != ${ds.images[k]} / 255`);
  }
  assert.is(batch.x[3072 + (1 * 32 + 2) * 3 + 1], Math.fround(px(1, 1, 34) / 255));
});

test("cifar100: fine by default, coarse on request", () => {
  const bytes = records([
    [4, 99],
    [19, 0],
  ]);
  const fine = parseCifar(bytes, "train.bin", { variant: "cifar100" });
  assert.equal([fine.n, fine.classes], [2, 100]);
  assert.equal(Array.from(fine.labels), [99, 0]);
  expectHwc(fine.images, 2);
  const coarse = parseCifar(bytes, "train.bin", { variant: "cifar100", label: "coarse" });
  assert.equal([coarse.n, coarse.classes], [2, 20]);
  assert.equal(Array.from(coarse.labels), [4, 19]);
});

test("parseCifar errors name the file", () => {
  const good = records([[1], [2]]);
  throwsWith(
    () => parseCifar(good.subarray(0, good.length - 1), "data_batch_2.bin", { variant: "cifar10" }),
    "data_batch_2.bin",
    "whole number",
  );
  const long = new Uint8Array(good.length + 10);
  long.set(good);
  throwsWith(() => parseCifar(long, "long.bin", { variant: "cifar10" }), "long.bin", "10 bytes left over");
  throwsWith(() => parseCifar(new Uint8Array(0), "empty.bin", { variant: "cifar10" }), "empty.bin", "empty");
  throwsWith(() => parseCifar(records([[10]]), "lab.bin", { variant: "cifar10" }), "lab.bin", "label 10");
  throwsWith(() => parseCifar(records([[20, 5]]), "c.bin", { variant: "cifar100", label: "coarse" }), "c.bin", "label 20");
  // a CIFAR-10 file read as CIFAR-100 has the wrong record size
  throwsWith(() => parseCifar(records([[1], [2]]), "test.bin", { variant: "cifar100" }), "test.bin", "3074");
});

test("loadCifarDir cifar10: five batches + test, nested folder, gz accepted", async () => {
  const root = tempDir();
  const dir = join(root, "cifar-10-batches-bin");
  mkdirSync(dir);
  for (let b = 1; b <= 5; b++) writeFileSync(join(dir, `data_batch_${b}.bin`), records([[b], [b + 1]], 2 * (b - 1)));
  writeFileSync(join(dir, "test_batch.bin.gz"), gzipSync(records([[7]], 100)));
  for (const where of [dir, root]) {
    const { train, test: t } = await loadCifarDir(where, "cifar10");
    assert.is(train.name, "cifar10:train");
    assert.is(train.n, 10);
    assert.equal(Array.from(train.labels), [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
    expectHwc(train.images, 10);
    assert.is(t.n, 1);
    assert.equal(Array.from(t.labels), [7]);
    expectHwc(t.images, 1, 100);
  }
});

test("loadCifarDir cifar100 and missing-file errors", async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, "train.bin"),
    records([
      [1, 50],
      [2, 60],
    ]),
  );
  await rejects(loadCifarDir(dir, "cifar100"), dir, "test.bin");
  writeFileSync(join(dir, "test.bin"), records([[3, 70]], 2));
  const fine = await loadCifarDir(dir, "cifar100");
  assert.equal([fine.train.n, fine.test.n, fine.train.classes], [2, 1, 100]);
  assert.equal(Array.from(fine.train.labels), [50, 60]);
  expectHwc(fine.test.images, 1, 2);
  const coarse = await loadCifarDir(dir, "cifar100", { label: "coarse" });
  assert.equal(Array.from(coarse.test.labels), [3]);
  assert.is(coarse.train.classes, 20);
  const empty = tempDir();
  await rejects(loadCifarDir(empty, "cifar10"), empty, "data_batch_1.bin", "data_batch_5.bin", "test_batch.bin");
  writeFileSync(join(dir, "test.bin"), records([[3, 70]]).subarray(0, 100));
  await rejects(loadCifarDir(dir, "cifar100"), "test.bin", "whole number");
});

test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test.run();
