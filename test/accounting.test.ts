// The accounting formulas of docs/accounting.md on hand-computed cases, and the
// closed-form expected packets against the mean over many routing seeds.

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  ACCOUNTING_DEFAULTS,
  denseLayerAccount,
  expectedPackets,
  reductions,
  scrrambleLayerAccount,
  scrrambleNetwork,
  denseNetwork,
  sparseNetwork,
  log2ceil,
} from "../src/sim/accounting.js";
import { generateRouting, routingFromArrays } from "../src/routing/routing.js";
import { hardwareReport, reportMarkdown } from "../src/sim/report.js";

const p = ACCOUNTING_DEFAULTS;

test("ScRRAMBLe layer: packets, values, headers, ADC, conductances by hand", () => {
  // 1 -> 2 cores, K = 4 (s = 64): 3 entries, one with coefficient 2.
  const r = routingFromArrays({
    srcCores: 1,
    dstCores: 2,
    slotsPerCore: 4,
    dstPtr: [0, 1, 2, 2, 2, 3, 3, 3, 3],
    srcSlot: [0, 0, 1],
    coef: [2, -1, 1],
  });
  const a = scrrambleLayerAccount("l", r, p);
  assert.is(a.packets, 3);
  assert.is(a.values, 3 * 64);
  assert.is(a.payloadBits, 3 * 64 * 8);
  // header: ceil(log2(2 * 4)) = 3 address bits + 1 + ceil(log2 2) = 2 coefficient bits
  assert.is(a.headerBits, 3 * 5);
  assert.equal(a.adc, [{ conversions: 2 * 256, bits: 8 }]);
  assert.ok(Math.abs(a.adcEnergyJ - 2 * 256 * 10e-15 * 256) < 1e-20);
  assert.is(a.conductances, 2 * 256 * 256);
});

test("dense tiled layer by hand, with and without the accumulator in a tile", () => {
  const a = denseLayerAccount("l", 1024, 512, p); // 4 x 2 tiles
  assert.is(a.cores, 8);
  assert.is(a.broadcastValues, 4 * 256 * 2);
  assert.is(a.partialSumValues, 8 * 256);
  assert.is(a.payloadBits, 2048 * 8 + 2048 * 24);
  assert.is(a.headerBits, 16 * log2ceil(8));
  assert.equal(a.adc, [{ conversions: 8 * 256, bits: 24 }]);
  assert.is(a.conductances, 2 * 8 * 256 * 256);
  const b = denseLayerAccount("l", 1024, 512, { ...p, accumulatorInTile: true });
  assert.is(b.partialSumValues, 3 * 2 * 256);
  const c = denseLayerAccount("l", 1024, 512, { ...p, partialSumBits: 12 });
  assert.is(c.payloadBits, 2048 * 8 + 2048 * 12);
});

test("closed-form E[packets] matches the mean over 300 routing seeds", () => {
  for (const [s, d, K, prob] of [
    [4, 50, 4, 0.2],
    [50, 10, 4, 0.2],
    [8, 20, 16, 0.75],
    [3, 5, 2, 0.5],
  ] as const) {
    const xs = Array.from(
      { length: 300 },
      (_, seed) => generateRouting({ srcCores: s, dstCores: d, slotsPerCore: K, p: prob, seed }).coef.length,
    );
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
    const e = expectedPackets(s, d, K, prob);
    assert.ok(Math.abs(mean - e) < (4 * sd) / Math.sqrt(xs.length) + 1e-9, `${s}->${d} K${K} p${prob}: mean ${mean} vs E ${e} (sd ${sd})`);
  }
  assert.is(expectedPackets(4, 5, 4, 0), 0);
});

test("networks, sparse baseline and reductions are consistent", () => {
  const rs = [
    generateRouting({ srcCores: 4, dstCores: 50, slotsPerCore: 4, p: 0.2, seed: 1 }),
    generateRouting({ srcCores: 50, dstCores: 10, slotsPerCore: 4, p: 0.2, seed: 2 }),
  ];
  const ours = scrrambleNetwork(rs, p);
  const sparse = sparseNetwork(rs, p);
  assert.is(sparse.total.values, ours.total.values);
  assert.is(sparse.total.packets, ours.total.values);
  const dense = denseNetwork("d", [1024, 12800, 2560], p);
  assert.is(dense.total.cores, 4 * 50 + 50 * 10);
  const red = reductions(ours, dense);
  assert.ok(Math.abs(red.values - (1 - ours.total.values / dense.total.values)) < 1e-12);
  const rep = hardwareReport({
    cores: [4, 50, 10],
    slotSize: 64,
    p: 0.2,
    routingSeed: 0,
    denseSizes: [1024, 2048, 512, 256],
    seeds: 3,
    params: p,
  });
  assert.is(rep.baselines.length, 3);
  assert.is(rep.seedSpread.layers.length, 2);
  const md = reportMarkdown(rep);
  assert.match(md, /## Reductions/);
  assert.match(md, /E\[packets\]/);
});

test.run();
