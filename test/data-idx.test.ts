// Tests for IDX parsing, gunzip and loadIdxDir: exact parse results on small
// hand-built files (raw, gzipped, dot-named) and one error per failure mode, each
// naming the offending file. Builds its fixtures in a fresh temp dir; must not
// depend on any downloaded dataset.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { idxDeclaredBytes, idxToDataset, maybeGunzip, parseIdx, MAX_DATA_FILE_BYTES } from "../src/data/idx.js";
import { loadIdxDir } from "../src/node/data-files.js";
import { DataLoader } from "../src/data/loader.js";

/** IDX bytes: magic 0 0 dtype ndims, big-endian u32 dims, then data. */
function idx(dims: number[], data: ArrayLike<number>, dtype = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, dtype, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

const N = 3,
  H = 2,
  W = 3;
const pixels = Array.from({ length: N * H * W }, (_, i) => (i * 15) % 256);
const labels = [7, 0, 9];
const testPixels = Array.from({ length: 2 * H * W }, (_, i) => 255 - i);
const testLabels = [1, 2];

const dirs: string[] = [];
function makeDir(files: Record<string, Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), "scrramble-idx-"));
  dirs.push(dir);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

function standardFiles(gz: boolean, dot = false): Record<string, Uint8Array> {
  const z = (b: Uint8Array) => (gz ? new Uint8Array(gzipSync(b)) : b);
  const sep = dot ? "." : "-";
  const ext = gz ? ".gz" : "";
  return {
    [`train-images${sep}idx3-ubyte${ext}`]: z(idx([N, H, W], pixels)),
    [`train-labels${sep}idx1-ubyte${ext}`]: z(idx([N], labels)),
    [`t10k-images${sep}idx3-ubyte${ext}`]: z(idx([2, H, W], testPixels)),
    [`t10k-labels${sep}idx1-ubyte${ext}`]: z(idx([2], testLabels)),
  };
}

async function rejects(p: Promise<unknown>, ...parts: string[]): Promise<string> {
  try {
    await p;
  } catch (e) {
    const msg = (e as Error).message;
    for (const part of parts) assert.ok(msg.includes(part), `expected "${part}" in: ${msg}`);
    return msg;
  }
  assert.unreachable("expected a rejection");
  return "";
}

test("parseIdx reads dims and data exactly", () => {
  const { dims, data } = parseIdx(idx([N, H, W], pixels), "x");
  assert.equal(dims, [N, H, W]);
  assert.equal(Array.from(data), pixels);
  const one = parseIdx(idx([4], [1, 2, 3, 4]), "y");
  assert.equal(one.dims, [4]);
  assert.equal(Array.from(one.data), [1, 2, 3, 4]);
});

test("parseIdx errors: magic, dtype, ndims, truncated, over-long", async () => {
  const good = idx([N, H, W], pixels);
  const badMagic = good.slice();
  badMagic[1] = 7;
  await rejects(
    Promise.resolve().then(() => parseIdx(badMagic, "f.idx")),
    "f.idx",
    "magic",
  );
  await rejects(
    Promise.resolve().then(() => parseIdx(new Uint8Array([0, 0]), "short.idx")),
    "short.idx",
  );
  await rejects(
    Promise.resolve().then(() => parseIdx(idx([2], [0, 0, 0, 0, 0, 0, 0, 0], 0x0d), "f32.idx")),
    "f32.idx",
    "0x0d",
    "float32",
  );
  await rejects(
    Promise.resolve().then(() => parseIdx(idx([], []), "zero.idx")),
    "zero.idx",
    "0 dimensions",
  );
  await rejects(
    Promise.resolve().then(() => parseIdx(idx([1, 1, 1, 1, 1], [0]), "five.idx")),
    "five.idx",
    "5 dimensions",
  );
  const msg = await rejects(
    Promise.resolve().then(() => parseIdx(good.subarray(0, good.length - 5), "t.idx")),
    "t.idx",
    "truncated",
  );
  assert.ok(msg.includes(`${N} x ${H} x ${W} = ${N * H * W} bytes`) && msg.includes(`only ${N * H * W - 5} present`), msg);
  await rejects(
    Promise.resolve().then(() => parseIdx(good.subarray(0, 9), "hdr.idx")),
    "hdr.idx",
    "truncated",
  );
  const long = new Uint8Array(good.length + 2);
  long.set(good);
  await rejects(
    Promise.resolve().then(() => parseIdx(long, "long.idx")),
    "long.idx",
    "too long",
  );
});

test("maybeGunzip: passthrough, round trip, corrupt data named", async () => {
  const raw = idx([N], labels);
  assert.is(await maybeGunzip(raw, "raw"), raw);
  const gz = new Uint8Array(gzipSync(raw));
  assert.equal(Array.from(await maybeGunzip(gz, "a.gz")), Array.from(raw));
  await rejects(maybeGunzip(gz.subarray(0, gz.length - 6), "cut.gz"), "cut.gz", "corrupt gzip");
  const garbage = gz.slice();
  for (let i = 10; i < garbage.length; i++) garbage[i] = 0xff;
  await rejects(maybeGunzip(garbage, "bad.gz"), "bad.gz", "corrupt gzip");
});

test("gunzip stops at a limit: a number, or the size the IDX header declares", async () => {
  const raw = idx([N, H, W], pixels);
  const gz = new Uint8Array(gzipSync(raw));
  assert.equal(Array.from(await maybeGunzip(gz, "ok.gz", idxDeclaredBytes)), Array.from(raw), "exactly the declared size passes");
  const longer = new Uint8Array(gzipSync(new Uint8Array([...raw, 1, 2, 3])));
  await rejects(maybeGunzip(longer, "long.gz", idxDeclaredBytes), "long.gz", `expands beyond ${raw.length} bytes`);
  const zeros = new Uint8Array(gzipSync(new Uint8Array(8 << 20)));
  const msg = await rejects(maybeGunzip(zeros, "z.gz", 1000), "z.gz", "expands beyond 1000 bytes; stopped after");
  assert.ok(Number(/stopped after (\d+)/.exec(msg)![1]) < 1 << 20, msg);
  // the declared size is read once the header is complete; not IDX: stop at once
  assert.is(idxDeclaredBytes(raw.subarray(0, 3)), null);
  assert.is(idxDeclaredBytes(raw.subarray(0, 10)), null);
  assert.is(idxDeclaredBytes(raw.subarray(0, 16)), 16 + N * H * W);
  assert.is(idxDeclaredBytes(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0])), 6);
  const huge = idx([65536, 65536, 2], []);
  assert.is(idxDeclaredBytes(huge), 16 + MAX_DATA_FILE_BYTES);
  await rejects(
    Promise.resolve().then(() => parseIdx(huge, "huge.idx")),
    "huge.idx",
    `more than the ${MAX_DATA_FILE_BYTES} this reader accepts`,
  );
});

test("images of 0 x 0 or 0 x W pixels are refused, naming the file", async () => {
  const labs = parseIdx(idx([2], [0, 1]), "l");
  for (const [h, w] of [
    [0, 0],
    [0, 28],
    [28, 0],
  ]) {
    await rejects(
      Promise.resolve().then(() =>
        idxToDataset(parseIdx(idx([2, h, w], []), "i"), labs, { name: "x", imagesName: "imgs", labelsName: "l" }),
      ),
      "imgs",
      `images are ${h} x ${w} pixels; each needs at least 1 x 1`,
    );
  }
});

test("idxToDataset keeps the pixel bytes (a view), copies labels, and checks shapes", async () => {
  const imgs = parseIdx(idx([N, H, W], pixels), "i");
  const labs = parseIdx(idx([N], labels), "l");
  const ds = idxToDataset(imgs, labs, { name: "toy", imagesName: "i", labelsName: "l" });
  assert.equal([ds.n, ds.height, ds.width, ds.channels, ds.classes, ds.name], [N, H, W, 1, 10, "toy"]);
  assert.is(ds.images.constructor, Uint8Array);
  assert.equal(Array.from(ds.images), pixels);
  // documented: the images are a view of the parsed bytes (no second copy) ...
  assert.ok(ds.images.buffer === imgs.data.buffer && ds.images.byteOffset === imgs.data.byteOffset);
  // ... while the labels are an independent copy
  assert.equal(Array.from(ds.labels), labels);
  labs.data[0] = 1;
  assert.is(ds.labels[0], labels[0]);
  labs.data[0] = labels[0];
  // the model sees byte / 255, exactly, as float32
  const [batch] = [...new DataLoader(ds, { batchSize: N, shuffle: false, seed: 0 }).batches(0)];
  assert.equal(
    Array.from(batch.x),
    pixels.map((p) => Math.fround(p / 255)),
  );
  const opts = { name: "toy", imagesName: "imgs.idx", labelsName: "labs.idx" };
  await rejects(
    Promise.resolve().then(() => idxToDataset(imgs, parseIdx(idx([2], [1, 2]), "x"), opts)),
    "imgs.idx",
    "labs.idx",
    `${N} images`,
    "2 labels",
  );
  await rejects(
    Promise.resolve().then(() => idxToDataset(imgs, labs, { ...opts, classes: 8 })),
    "labs.idx",
    "label 9",
  );
  await rejects(
    Promise.resolve().then(() => idxToDataset(labs, labs, opts)),
    "imgs.idx",
    "3-D",
  );
  await rejects(
    Promise.resolve().then(() => idxToDataset(imgs, imgs, opts)),
    "labs.idx",
    "1-D",
  );
});

for (const [label, gz, dot] of [
  ["raw", false, false],
  ["gzipped", true, false],
  ["dot-named", false, true],
] as const) {
  test(`loadIdxDir reads ${label} files`, async () => {
    const dir = makeDir(standardFiles(gz, dot));
    const { train, test: t } = await loadIdxDir(dir, { name: "toy" });
    assert.is(train.name, "toy:train");
    assert.equal([train.n, train.height, train.width, train.channels], [N, H, W, 1]);
    // plain Uint8Array bytes (not a Node Buffer, whose slice() would be a view)
    assert.is(train.images.constructor, Uint8Array);
    assert.is(train.labels.constructor, Uint8Array);
    assert.equal(Array.from(train.images), pixels);
    assert.equal(Array.from(train.labels), labels);
    assert.is(t.n, 2);
    assert.equal(Array.from(t.images), testPixels);
    assert.equal(Array.from(t.labels), testLabels);
  });
}

test("loadIdxDir errors name the file", async () => {
  const files = standardFiles(false);
  const missing = { ...files };
  delete missing["t10k-labels-idx1-ubyte"];
  delete missing["train-images-idx3-ubyte"];
  const dir = makeDir(missing);
  await rejects(loadIdxDir(dir), dir, "t10k-labels-idx1-ubyte", "train-images-idx3-ubyte");

  const cut = files["t10k-images-idx3-ubyte"];
  await rejects(
    loadIdxDir(makeDir({ ...files, "t10k-images-idx3-ubyte": cut.subarray(0, cut.length - 1) })),
    "t10k-images-idx3-ubyte",
    "truncated",
  );
  await rejects(loadIdxDir(makeDir({ ...files, "train-labels-idx1-ubyte": idx([N], [1, 2, 10]) })), "train-labels-idx1-ubyte", "label 10");
  await rejects(
    loadIdxDir(makeDir({ ...files, "train-labels-idx1-ubyte": idx([N + 1], [1, 2, 3, 4]) })),
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    `${N} images`,
    `${N + 1} labels`,
  );
  const { "train-images-idx3-ubyte": _dropped, ...rest } = files;
  const corrupt = new Uint8Array(gzipSync(files["train-images-idx3-ubyte"])).subarray(0, 20);
  await rejects(loadIdxDir(makeDir({ ...rest, "train-images-idx3-ubyte.gz": corrupt })), "train-images-idx3-ubyte.gz", "corrupt gzip");
  const wrongType = idx([N, H, W], new Array(N * H * W).fill(0), 0x0c);
  await rejects(
    loadIdxDir(makeDir({ ...files, "train-images-idx3-ubyte": wrongType })),
    "train-images-idx3-ubyte",
    "unsupported IDX data type",
  );
  const bad = files["t10k-labels-idx1-ubyte"].slice();
  bad[0] = 1;
  await rejects(loadIdxDir(makeDir({ ...files, "t10k-labels-idx1-ubyte": bad })), "t10k-labels-idx1-ubyte", "magic");
  assert.ok((await loadIdxDir(makeDir({ ...files, "train-labels-idx1-ubyte": idx([N], [1, 2, 10]) }), { classes: 11 })).train.n === N);
});

test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test.run();
