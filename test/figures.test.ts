// The paper's figures of a trained model: the learned effective connectivity
// against a naive dense construction of the layer's effective matrix, the PNG
// encoder against zlib, the reconstruction grid, and the heat map's iso-lines.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { inflateSync } from "node:zlib";
import { generateRouting } from "../src/routing/routing.js";
import { effectiveConnectivity, reconstructionGridSvg, connectivitySvg } from "../src/sim/figures.js";
import { base64, crc32, pngGrey } from "../src/plot/png.js";
import { isoSegments, cellIndex } from "../src/plot/heatmap.js";
import { randomArray } from "./helpers/reference.js";

test("effective connectivity: RMS of each (source slot -> destination slot) block of W . routing, built naively", () => {
  const N = 8,
    K = 4,
    s = 2;
  const r = generateRouting({ srcCores: 2, dstCores: 3, slotsPerCore: K, p: 0.5, seed: 4 });
  const W = randomArray(3 * N * N, { s: 3 });
  // naive: the dense effective matrix M [dst values, src values] = W[cj] (rows) . routing (columns)
  const srcVals = 2 * N,
    dstVals = 3 * N;
  const M = Array.from({ length: dstVals }, () => new Float64Array(srcVals));
  for (let cj = 0; cj < 3; cj++)
    for (let sj = 0; sj < K; sj++) {
      const d = cj * K + sj;
      for (let e = r.dstPtr[d]; e < r.dstPtr[d + 1]; e++)
        for (let row = 0; row < N; row++)
          for (let m = 0; m < s; m++) M[cj * N + row][r.srcSlot[e] * s + m] += r.coef[e] * W[cj * N * N + row * N + sj * s + m];
    }
  const E = effectiveConnectivity(r, W, N);
  assert.is(E.length, 3 * K);
  assert.is(E[0].length, 2 * K);
  let nonzero = 0;
  for (let ds = 0; ds < 3 * K; ds++)
    for (let ss = 0; ss < 2 * K; ss++) {
      let sq = 0;
      for (let l = 0; l < s; l++) for (let m = 0; m < s; m++) sq += M[ds * s + l][ss * s + m] ** 2;
      const want = Math.sqrt(sq / (s * s));
      assert.ok(Math.abs(E[ds][ss] - want) < 1e-6, `(${ds}, ${ss}): ${E[ds][ss]} vs ${want}`);
      if (want > 0) nonzero++;
    }
  assert.ok(nonzero > 0 && nonzero < 3 * K * 2 * K, "sparse: some slots connected, not all");
  const svg = connectivitySvg(E, r, "t");
  assert.is((svg.match(/class="cell"/g) ?? []).length, 3 * K * 2 * K);
});

test("PNG: a valid greyscale file whose zlib stream inflates to the rows", () => {
  const w = 300,
    h = 250; // more than one stored block (65535 bytes)
  const px = Uint8Array.from({ length: w * h }, (_, i) => (i * 7) % 256);
  const png = pngGrey(w, h, px);
  assert.equal(Array.from(png.subarray(0, 8)), [137, 80, 78, 71, 13, 10, 26, 10]);
  const dv = new DataView(png.buffer, png.byteOffset);
  assert.is(dv.getUint32(16), w);
  assert.is(dv.getUint32(20), h);
  // walk the chunks, check every CRC, collect IDAT
  let at = 8;
  const idat: Uint8Array[] = [];
  const types: string[] = [];
  while (at < png.length) {
    const len = dv.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    types.push(type);
    assert.is(dv.getUint32(at + 8 + len), crc32(png, at + 4, at + 8 + len), `${type} CRC`);
    if (type === "IDAT") idat.push(png.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  assert.equal(types, ["IHDR", "IDAT", "IEND"]);
  const raw = inflateSync(Buffer.concat(idat));
  assert.is(raw.length, h * (w + 1));
  for (let y = 0; y < h; y++) {
    assert.is(raw[y * (w + 1)], 0, "filter none");
    assert.ok(Buffer.from(px.subarray(y * w, (y + 1) * w)).equals(raw.subarray(y * (w + 1) + 1, (y + 1) * (w + 1))));
  }
  assert.is(base64(new Uint8Array([77, 97, 110, 1])), Buffer.from([77, 97, 110, 1]).toString("base64"));
  assert.throws(() => pngGrey(2, 2, new Uint8Array(3)), /3 pixels for 2 x 2/);
});

test("reconstruction grid: one embedded PNG of originals above reconstructions", () => {
  const n = 5,
    h = 4,
    w = 3;
  const a = randomArray(n * h * w, { s: 1 }, 0, 1),
    b = randomArray(n * h * w, { s: 2 }, 0, 1);
  const svg = reconstructionGridSvg(a, b, { n, height: h, width: w, columns: 4 });
  const m = /href="data:image\/png;base64,([^"]+)"/.exec(svg);
  assert.ok(m, "embedded PNG");
  const png = Buffer.from(m![1], "base64");
  assert.is(png.readUInt32BE(16), 4 * (w + 2) + 2, "4 columns");
  assert.is(png.readUInt32BE(20), 2 * (2 * (h + 2) + 2) + 2, "2 pairs of rows");
  assert.throws(() => reconstructionGridSvg(a, b, { n: 6, height: h, width: w }), /need 6 images/);
});

test("heat map helpers: iso-segments cross cells where the level lies between corners; log interpolation of positions", () => {
  // a ramp 0, 1, 2 along x: the level 1.5 crosses between columns 1 and 2 in every row
  const segs = isoSegments(
    [
      [0, 1, 2],
      [0, 1, 2],
    ],
    1.5,
  );
  assert.is(segs.length, 1);
  assert.equal(segs[0], [1.5, 0, 1.5, 1]);
  assert.is(cellIndex([1, 10, 100], 10, true), 1);
  assert.ok(Math.abs(cellIndex([1, 10, 100], Math.sqrt(10), true) - 0.5) < 1e-12);
  assert.is(cellIndex([1, 2, 3], 2.5), 1.5);
});

test.run();
