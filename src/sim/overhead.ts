// The traffic "overhead model" of packet-switched links from the first author's
// ICRC 2025 slides: address bits A = log2(destination chunks x density), data
// bits D = slot size x bits per value, overhead O = A / (A + D); per layer, for
// the network (packet-weighted mean), against a fully connected network (slot 1,
// p 1), and the contour map of O over (s, p). Not confirmed as the paper's
// definition. Pure arithmetic: no engine, no models.

import type { Routing } from "../routing/routing.js";
import { heatmapSvg } from "../plot/heatmap.js";
import { expectedPackets } from "./accounting.js";

export interface OverheadOptions {
  /** Destination chunks a packet addresses: "slots" (the layer's destination slots, S_dst K) or a fixed count (e.g. 1024). */
  chunks: "slots" | number;
  /** Bits per routed value in D (1 as on the slides, or b_a). */
  valueBits: number;
}

export const OVERHEAD_DEFAULTS: OverheadOptions = { chunks: "slots", valueBits: 1 };

/** Address bits log2(chunks x p), 0 when fewer than one chunk is addressed. */
export function addressBits(chunks: number, p: number): number {
  return chunks * p > 1 ? Math.log2(chunks * p) : 0;
}

/** O = A / (A + D). */
export function overheadFraction(a: number, d: number): number {
  return a + d > 0 ? a / (a + d) : 0;
}

export interface LayerOverhead {
  layer: number;
  srcCores: number;
  dstCores: number;
  slotSize: number;
  p: number;
  chunks: number;
  addressBits: number;
  dataBits: number;
  overhead: number;
  /** Non-zero routing entries of this routing (the weight in the network mean). */
  packets: number;
  /** Their closed-form expectation. */
  expectedPackets: number;
  /** The fully connected layer: A = log2(S_dst N), D = value bits, one packet per (source value, destination row). */
  fcAddressBits: number;
  fcOverhead: number;
  fcPackets: number;
}

export interface OverheadModel {
  options: OverheadOptions;
  layers: LayerOverhead[];
  /** Packet-weighted mean O over the layers (measured packets). */
  overhead: number;
  /** The same weighted by the closed-form expected packets (routing-seed free). */
  overheadExpected: number;
  /** 1 - O. */
  reduction: number;
  /** O of the fully connected network (packet-weighted). */
  fcOverhead: number;
  /** 1 - O / O_FC. */
  reductionVsFc: number;
}

/** The network's shape: cores per layer (input first), core and slot size, p and its routings. */
export interface OverheadInput {
  cores: number[];
  coreSize: number;
  slotSize: number;
  p: number;
  routings: Routing[];
}

/**
 * The overhead model of a ScRRAMBLe network.
 * @example
 * const o = overheadModel(model.routedNetwork(), OVERHEAD_DEFAULTS);
 * o.layers.map((l) => l.overhead); // 4-50-10, s 64, p 0.2: [0.0768, 0.0448]
 */
export function overheadModel(net: OverheadInput, o: OverheadOptions = OVERHEAD_DEFAULTS): OverheadModel {
  if (!(o.valueBits >= 1)) throw new Error(`overhead model: bits per value must be >= 1, got ${o.valueBits}`);
  if (o.chunks !== "slots" && !(Number.isInteger(o.chunks) && o.chunks >= 1))
    throw new Error(`overhead model: chunks must be "slots" or a positive integer, got ${o.chunks}`);
  const N = net.coreSize,
    s = net.slotSize,
    K = N / s;
  const layers = net.routings.map((r, i): LayerOverhead => {
    const chunks = o.chunks === "slots" ? r.dstCores * K : o.chunks;
    const a = addressBits(chunks, net.p);
    const d = s * o.valueBits;
    const fcA = Math.log2(r.dstCores * N);
    return {
      layer: i + 1,
      srcCores: r.srcCores,
      dstCores: r.dstCores,
      slotSize: s,
      p: net.p,
      chunks,
      addressBits: a,
      dataBits: d,
      overhead: overheadFraction(a, d),
      packets: r.coef.length,
      expectedPackets: expectedPackets(r.srcCores, r.dstCores, K, net.p),
      fcAddressBits: fcA,
      fcOverhead: overheadFraction(fcA, o.valueBits),
      fcPackets: r.srcCores * N * r.dstCores * N,
    };
  });
  const mean = (w: (l: LayerOverhead) => number, v: (l: LayerOverhead) => number) => {
    const total = layers.reduce((a, l) => a + w(l), 0);
    return total > 0 ? layers.reduce((a, l) => a + w(l) * v(l), 0) / total : 0;
  };
  const overhead = mean(
    (l) => l.packets,
    (l) => l.overhead,
  );
  const fcOverhead = mean(
    (l) => l.fcPackets,
    (l) => l.fcOverhead,
  );
  return {
    options: { ...o },
    layers,
    overhead,
    overheadExpected: mean(
      (l) => l.expectedPackets,
      (l) => l.overhead,
    ),
    reduction: 1 - overhead,
    fcOverhead,
    reductionVsFc: fcOverhead > 0 ? 1 - overhead / fcOverhead : 0,
  };
}

export interface ContourOptions extends OverheadOptions {
  /** Destination cores of the layer the map describes. */
  dstCores: number;
  coreSize: number;
  /** The model's point, marked on the map. */
  slotSize: number;
  p: number;
  /** Grid resolution per axis (default 48). */
  resolution?: number;
}

/** O over slot size s in [1, 256] and density p in [0.001, 1], both log-spaced: values[p index][s index]. */
export function overheadGrid(o: ContourOptions): { slotSizes: number[]; densities: number[]; values: number[][] } {
  const n = o.resolution ?? 48;
  const logSpace = (a: number, b: number) => Array.from({ length: n }, (_, i) => a * (b / a) ** (i / (n - 1)));
  const slotSizes = logSpace(1, 256),
    densities = logSpace(0.001, 1);
  const values = densities.map((p) =>
    slotSizes.map((s) => {
      const chunks = o.chunks === "slots" ? (o.dstCores * o.coreSize) / s : o.chunks;
      return overheadFraction(addressBits(chunks, p), s * o.valueBits);
    }),
  );
  return { slotSizes, densities, values };
}

/**
 * The slides' contour map of O over slot size and density, with the model's
 * (s, p) and the fully connected point (s 1, p 1) marked.
 * @example overheadContourSvg({ ...OVERHEAD_DEFAULTS, dstCores: 50, coreSize: 256, slotSize: 64, p: 0.2 });
 */
export function overheadContourSvg(o: ContourOptions): string {
  const g = overheadGrid(o);
  const at = (s: number, p: number) =>
    overheadFraction(addressBits(o.chunks === "slots" ? (o.dstCores * o.coreSize) / s : o.chunks, p), s * o.valueBits);
  const pct = (v: number) => `${(v * 100).toFixed(v < 0.1 ? 1 : 0)} %`;
  const chunks = o.chunks === "slots" ? `${o.dstCores} x ${o.coreSize} / s destination slots` : `${o.chunks} chunks`;
  return heatmapSvg({
    title: "traffic overhead O = A / (A + D) (ICRC 2025 slides' model)",
    subtitle: `A = log2(chunks x p), ${chunks}; D = s x ${o.valueBits} bit(s) per value`,
    xLabel: "slot size s (values per packet)",
    yLabel: "connection density p",
    xs: g.slotSizes,
    ys: g.densities,
    values: g.values,
    logX: true,
    logY: true,
    xTicks: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    yTicks: [0.001, 0.01, 0.1, 1],
    colorLabel: "O",
    format: pct,
    contours: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 0.8],
    markers: [
      { x: o.slotSize, y: o.p, label: `model (s ${o.slotSize}, p ${o.p}): ${pct(at(o.slotSize, o.p))}` },
      { x: 1, y: 1, label: `FC (s 1, p 1): ${pct(at(1, 1))}` },
    ],
    range: [0, 1],
  });
}
