// Inter-core traffic, ADC and area accounting of one inference (docs/accounting.md
// has every formula): ScRRAMBLe layers from their routing, dense layers cut into
// N x N tiles ("partial sums"), and unstructured sparse layers addressed per value.
// Pure arithmetic on shapes and routings: must not touch the engine or models.

import type { Routing } from "../routing/routing.js";

export interface AccountingParams {
  /** Core size N. */
  coreSize: number;
  /** b_a: bits of an activation crossing between cores. */
  activationBits: number;
  /** b_w: conductance / weight bits. */
  weightBits: number;
  /** b_p: bits of a partial sum; 0 = lossless b_a + b_w + ceil(log2 N). */
  partialSumBits: number;
  /** ADC figure of merit F (Walden), joules per conversion step. */
  adcFomJ: number;
  /** Dense baselines: the accumulator sits in one of the tiles of each output block. */
  accumulatorInTile: boolean;
  /** Bits of a routing coefficient in a packet header; 0 = 1 + ceil(log2 max|coef|) per layer. */
  coefBits: number;
}

export const ACCOUNTING_DEFAULTS: AccountingParams = {
  coreSize: 256,
  activationBits: 8,
  weightBits: 8,
  partialSumBits: 0,
  adcFomJ: 10e-15,
  accumulatorInTile: false,
  coefBits: 0,
};

export interface AdcUse {
  conversions: number;
  bits: number;
}

export interface LayerAccount {
  name: string;
  kind: "scrramble" | "dense-tiled" | "sparse";
  cores: number;
  packets: number;
  values: number;
  payloadBits: number;
  headerBits: number;
  totalBits: number;
  /** Routing-table memory (ScRRAMBLe: packets x header bits). */
  routingTableBits: number;
  adc: AdcUse[];
  adcEnergyJ: number;
  conductances: number;
  /** Dense layers: input-broadcast and partial-sum values separately. */
  broadcastValues?: number;
  partialSumValues?: number;
}

export type Totals = Omit<LayerAccount, "name" | "kind" | "adc" | "broadcastValues" | "partialSumValues"> & {
  adcConversions: Record<string, number>;
};

export interface NetworkAccount {
  name: string;
  layers: LayerAccount[];
  total: Totals;
}

export const log2ceil = (x: number): number => (x <= 1 ? 0 : Math.ceil(Math.log2(x)));

export function partialSumBits(p: AccountingParams): number {
  return p.partialSumBits > 0 ? p.partialSumBits : p.activationBits + p.weightBits + log2ceil(p.coreSize);
}

function adcEnergy(adc: AdcUse[], p: AccountingParams): number {
  return adc.reduce((e, a) => e + a.conversions * p.adcFomJ * 2 ** a.bits, 0);
}

/** A ScRRAMBLe layer: one packet per non-zero routing entry, s values each. */
export function scrrambleLayerAccount(name: string, r: Routing, p: AccountingParams): LayerAccount {
  const N = p.coreSize;
  const K = r.slotsPerCore;
  const s = N / K;
  const packets = r.coef.length;
  let maxAbs = 1;
  for (const c of r.coef) maxAbs = Math.max(maxAbs, Math.abs(c));
  const coefBits = p.coefBits > 0 ? p.coefBits : 1 + log2ceil(maxAbs);
  const header = log2ceil(r.dstCores * K) + coefBits;
  const values = packets * s;
  const adc = [{ conversions: r.dstCores * N, bits: p.activationBits }];
  return {
    name,
    kind: "scrramble",
    cores: r.dstCores,
    packets,
    values,
    payloadBits: values * p.activationBits,
    headerBits: packets * header,
    totalBits: values * p.activationBits + packets * header,
    routingTableBits: packets * header,
    adc,
    adcEnergyJ: adcEnergy(adc, p),
    conductances: r.dstCores * N * N,
  };
}

/** A dense layer nIn -> nOut on N x N tiles with partial sums sent to an accumulator. */
export function denseLayerAccount(name: string, nIn: number, nOut: number, p: AccountingParams): LayerAccount {
  const N = p.coreSize;
  const rows = Math.ceil(nIn / N); // input tiles
  const cols = Math.ceil(nOut / N); // output blocks
  const tiles = rows * cols;
  const bp = partialSumBits(p);
  const broadcastValues = rows * N * cols;
  const broadcastPackets = tiles;
  const psumTiles = p.accumulatorInTile ? (rows - 1) * cols : tiles;
  const partialSumValues = psumTiles * N;
  const packets = broadcastPackets + psumTiles;
  const header = log2ceil(tiles);
  const payloadBits = broadcastValues * p.activationBits + partialSumValues * bp;
  const adc = [{ conversions: tiles * N, bits: bp }];
  return {
    name,
    kind: "dense-tiled",
    cores: tiles,
    packets,
    values: broadcastValues + partialSumValues,
    payloadBits,
    headerBits: packets * header,
    totalBits: payloadBits + packets * header,
    routingTableBits: 0,
    adc,
    adcEnergyJ: adcEnergy(adc, p),
    conductances: 2 * tiles * N * N,
    broadcastValues,
    partialSumValues,
  };
}

/**
 * An unstructured sparse layer moving the same values as a ScRRAMBLe layer, each
 * addressed on its own: one header of ceil(log2(destination rows)) bits per value.
 */
export function sparseLayerAccount(name: string, values: number, dstRows: number, dstCores: number, p: AccountingParams): LayerAccount {
  const header = log2ceil(dstRows);
  const adc = [{ conversions: dstCores * p.coreSize, bits: p.activationBits }];
  return {
    name,
    kind: "sparse",
    cores: dstCores,
    packets: values,
    values,
    payloadBits: values * p.activationBits,
    headerBits: values * header,
    totalBits: values * (p.activationBits + header),
    routingTableBits: values * header,
    adc,
    adcEnergyJ: adcEnergy(adc, p),
    conductances: dstCores * p.coreSize * p.coreSize,
  };
}

export function network(name: string, layers: LayerAccount[]): NetworkAccount {
  const sum = (f: (l: LayerAccount) => number) => layers.reduce((a, l) => a + f(l), 0);
  const adcConversions: Record<string, number> = {};
  for (const l of layers) for (const a of l.adc) adcConversions[`${a.bits}b`] = (adcConversions[`${a.bits}b`] ?? 0) + a.conversions;
  return {
    name,
    layers,
    total: {
      cores: sum((l) => l.cores),
      packets: sum((l) => l.packets),
      values: sum((l) => l.values),
      payloadBits: sum((l) => l.payloadBits),
      headerBits: sum((l) => l.headerBits),
      totalBits: sum((l) => l.totalBits),
      routingTableBits: sum((l) => l.routingTableBits),
      adcEnergyJ: sum((l) => l.adcEnergyJ),
      conductances: sum((l) => l.conductances),
      adcConversions,
    },
  };
}

/** The ScRRAMBLe network of a list of routings. */
export function scrrambleNetwork(routings: Routing[], p: AccountingParams): NetworkAccount {
  return network(
    "ScRRAMBLe",
    routings.map((r, i) => scrrambleLayerAccount(`layer ${i + 1} (${r.srcCores} -> ${r.dstCores} cores)`, r, p)),
  );
}

/** A dense tiled network of the given widths (input first). */
export function denseNetwork(name: string, widths: number[], p: AccountingParams): NetworkAccount {
  return network(
    name,
    widths.slice(1).map((w, i) => denseLayerAccount(`layer ${i + 1} (${widths[i]} -> ${w})`, widths[i], w, p)),
  );
}

/** Unstructured sparse at the same values as each ScRRAMBLe layer. */
export function sparseNetwork(routings: Routing[], p: AccountingParams): NetworkAccount {
  return network(
    "unstructured sparse (equal connections)",
    routings.map((r, i) => {
      const values = r.coef.length * (p.coreSize / r.slotsPerCore);
      return sparseLayerAccount(`layer ${i + 1} (${r.srcCores} -> ${r.dstCores} cores)`, values, r.dstCores * p.coreSize, r.dstCores, p);
    }),
  );
}

/** 1 - ours / baseline for values, total bits, packets, header bits, ADC energy, conductances. */
export function reductions(ours: NetworkAccount, base: NetworkAccount): Record<string, number> {
  const r = (a: number, b: number) => (b === 0 ? 0 : 1 - a / b);
  return {
    values: r(ours.total.values, base.total.values),
    totalBits: r(ours.total.totalBits, base.total.totalBits),
    packets: r(ours.total.packets, base.total.packets),
    headerBits: r(ours.total.headerBits, base.total.headerBits),
    adcEnergy: r(ours.total.adcEnergyJ, base.total.adcEnergyJ),
    conductances: r(ours.total.conductances, base.total.conductances),
  };
}

function binomPmf(n: number, p: number): Float64Array {
  // pmf of Binomial(n, p) by the stable recurrence in log space.
  const out = new Float64Array(n + 1);
  if (p <= 0) {
    out[0] = 1;
    return out;
  }
  if (p >= 1) {
    out[n] = 1;
    return out;
  }
  let logc = 0;
  for (let k = 0; k <= n; k++) {
    if (k > 0) logc += Math.log((n - k + 1) / k);
    out[k] = Math.exp(logc + k * Math.log(p) + (n - k) * Math.log(1 - p));
  }
  return out;
}

/**
 * Closed-form expected packets (non-zero routing entries) of a layer. For one
 * source slot and one destination core, the +1 picks landing there are
 * n ~ Binomial(S_dst K, p / S_dst); given n, the +1 and -1 counts per slot are two
 * independent Multinomial(n, 1/K) vectors, and an entry is zero when they agree:
 * E[P] = S_src K S_dst K sum_n P(n) (1 - sum_k Binomial(k; n, 1/K)^2).
 */
export function expectedPackets(srcCores: number, dstCores: number, K: number, p: number): number {
  const M = dstCores * K;
  const pn = binomPmf(M, p / dstCores);
  let nonzero = 0;
  for (let n = 0; n <= M; n++) {
    if (pn[n] < 1e-300) continue;
    const pk = binomPmf(n, 1 / K);
    let same = 0;
    for (let k = 0; k <= n; k++) same += pk[k] * pk[k];
    nonzero += pn[n] * (1 - same);
  }
  return srcCores * K * dstCores * K * nonzero;
}
