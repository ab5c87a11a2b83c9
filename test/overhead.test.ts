// The slides' traffic overhead model: the arithmetic the issue pins (MNIST
// 4-50-10 per-layer O 0.0768 / 0.0448, network 1 - O near 94.6 %, CIFAR near 70 %),
// the options (fixed chunks, bits per value), the FC baseline and the contour map.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { addressBits, overheadContourSvg, overheadFraction, overheadGrid, overheadModel, OVERHEAD_DEFAULTS } from "../src/sim/overhead.js";
import { networkRoutings } from "../src/routing/network.js";
import { hardwareReport, reportMarkdown } from "../src/sim/report.js";

const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

function net(cores: number[], slotSize: number, p: number, seed = 0) {
  const shape = { cores, coreSize: 256, slotSize, p, routingSeed: seed };
  return { ...shape, routings: networkRoutings(shape) };
}

test("per-layer O of MNIST 4-50-10 (s 64, p 0.2): A = log2(C_dst p), D = s", () => {
  const m = overheadModel(net([4, 50, 10], 64, 0.2));
  const [l1, l2] = m.layers;
  assert.is(l1.chunks, 200);
  near(l1.addressBits, Math.log2(40), 1e-12, "A layer 1");
  assert.is(l1.dataBits, 64);
  near(l1.overhead, Math.log2(40) / (Math.log2(40) + 64), 1e-12, "O layer 1");
  near(l1.overhead, 0.0768, 5e-5, "O layer 1 (issue)");
  assert.is(l2.chunks, 40);
  assert.is(l2.addressBits, 3);
  assert.is(l2.overhead, 3 / 67);
  near(l2.overhead, 0.0448, 5e-5, "O layer 2 (issue)");
});

test("network O is the packet-weighted mean; 1 - O is about 94.6 % for any routing seed", () => {
  for (const seed of [0, 1, 2]) {
    const m = overheadModel(net([4, 50, 10], 64, 0.2, seed));
    const [l1, l2] = m.layers;
    near(m.overhead, (l1.packets * l1.overhead + l2.packets * l2.overhead) / (l1.packets + l2.packets), 1e-15, "weighted mean");
    near(m.reduction, 0.946, 0.002, `1 - O, seed ${seed}`);
  }
  const m = overheadModel(net([4, 50, 10], 64, 0.2));
  const [l1, l2] = m.layers;
  const expected = (l1.expectedPackets * l1.overhead + l2.expectedPackets * l2.overhead) / (l1.expectedPackets + l2.expectedPackets);
  assert.is(m.overheadExpected, expected);
  near(1 - m.overheadExpected, 0.9461, 5e-4, "closed-form 1 - O");
});

test("the fully connected baseline: A = log2(S_dst N), D = 1 bit, packets = every (source value, destination row)", () => {
  const m = overheadModel(net([4, 50, 10], 64, 0.2));
  const [l1, l2] = m.layers;
  assert.is(l1.fcAddressBits, Math.log2(12800));
  assert.is(l1.fcOverhead, Math.log2(12800) / (Math.log2(12800) + 1));
  assert.is(l1.fcPackets, 1024 * 12800);
  assert.is(l2.fcPackets, 12800 * 2560);
  const fc = (l1.fcPackets * l1.fcOverhead + l2.fcPackets * l2.fcOverhead) / (l1.fcPackets + l2.fcPackets);
  near(m.fcOverhead, fc, 1e-15, "O_FC");
  near(m.reductionVsFc, 1 - m.overhead / fc, 1e-15, "1 - O / O_FC");
  near(m.reductionVsFc, 0.941, 0.003, "1 - O / O_FC value");
});

test("the CIFAR settings give about 70 %, not > 97 %", () => {
  const c10 = overheadModel(net([8, 50, 10], 16, 0.2));
  near(c10.layers[0].overhead, Math.log2(160) / (Math.log2(160) + 16), 1e-12, "CIFAR-10 layer 1");
  assert.is(c10.layers[1].overhead, 5 / 21);
  near(c10.reduction, 0.72, 0.03, "CIFAR-10 1 - O");
  const c100 = overheadModel(net([8, 20, 10], 16, 0.75));
  near(c100.layers[0].overhead, Math.log2(240) / (Math.log2(240) + 16), 1e-12, "CIFAR-100 layer 1");
  near(c100.reduction, 0.68, 0.03, "CIFAR-100 1 - O");
  assert.ok(c10.reduction < 0.97 && c100.reduction < 0.97);
});

test("options: a fixed chunk count and bits per value", () => {
  const m = overheadModel(net([4, 50, 10], 64, 0.2), { chunks: 1024, valueBits: 8 });
  for (const l of m.layers) {
    assert.is(l.chunks, 1024);
    near(l.addressBits, Math.log2(1024 * 0.2), 1e-12, "A");
    assert.is(l.dataBits, 512);
    assert.is(l.fcOverhead, l.fcAddressBits / (l.fcAddressBits + 8));
  }
  assert.throws(() => overheadModel(net([4, 50, 10], 64, 0.2), { chunks: 0, valueBits: 1 }), /chunks/);
  assert.throws(() => overheadModel(net([4, 50, 10], 64, 0.2), { chunks: "slots", valueBits: 0 }), /bits per value/);
  assert.is(addressBits(10, 0.05), 0, "fewer than one chunk: no address bits");
  assert.is(overheadFraction(0, 0), 0);
});

test("contour grid and SVG: log axes over s 1..256 and p 0.001..1, model and FC marked", () => {
  const o = { ...OVERHEAD_DEFAULTS, dstCores: 50, coreSize: 256, slotSize: 64, p: 0.2, resolution: 9 };
  const g = overheadGrid(o);
  assert.is(g.slotSizes[0], 1);
  near(g.slotSizes[8], 256, 1e-9, "s max");
  near(g.densities[0], 0.001, 1e-15, "p min");
  near(g.densities[8], 1, 1e-12, "p max");
  near(g.slotSizes[4], 16, 1e-9, "log-spaced s");
  // corner (s 1, p 1) is the FC layer of 50 destination cores
  near(g.values[8][0], Math.log2(12800) / (Math.log2(12800) + 1), 1e-12, "FC corner");
  // O falls with the slot size at fixed p
  for (let i = 1; i < 9; i++) assert.ok(g.values[8][i] < g.values[8][i - 1]);
  const svg = overheadContourSvg(o);
  assert.match(svg, /^<svg/);
  assert.is((svg.match(/class="cell"/g) ?? []).length, 81);
  assert.ok((svg.match(/class="contour"/g) ?? []).length >= 3, "iso-lines drawn");
  assert.match(svg, /model \(s 64, p 0.2\): 7.7 %/);
  assert.match(svg, /FC \(s 1, p 1\): 93 %/);
});

test("the report carries the overhead model and prints it, labelled as the slides' model", () => {
  const r = hardwareReport({ ...net([4, 50, 10], 64, 0.2), seeds: 2 });
  near(r.overhead.layers[0].overhead, 0.0768, 5e-5, "report layer 1");
  const md = reportMarkdown(r);
  assert.match(md, /## Overhead model \(ICRC 2025 slides; not confirmed as the paper's definition\)/);
  assert.match(md, /1 - O = 94\.[56] %/);
});

test.run();
