// The hardware report of a ScRRAMBLe model: accounting of its routing against
// the three baselines, reductions, the spread of the routing-dependent figures
// over several routing seeds beside the closed-form expectation, and the
// slides' traffic overhead model (overhead.ts).
// Pure: builds a JSON-able object and renders it as Markdown tables.

import type { Routing } from "../routing/routing.js";
import { checkCoreGeometry, networkRoutings } from "../routing/network.js";
import { meanStd } from "./stats.js";
import {
  ACCOUNTING_DEFAULTS,
  denseNetwork,
  expectedPackets,
  reductions,
  scrrambleNetwork,
  sparseNetwork,
  type AccountingParams,
  type NetworkAccount,
} from "./accounting.js";
import { overheadModel, OVERHEAD_DEFAULTS, type OverheadModel, type OverheadOptions } from "./overhead.js";

/** A network (e.g. model.routedNetwork()) and the report's settings; missing settings take defaults. */
export interface ReportInput {
  cores: number[];
  /** Core size N (default: params.coreSize). */
  coreSize?: number;
  slotSize: number;
  p: number;
  routingSeed: number;
  /** The model's own routings (e.g. from a checkpoint); generated from routingSeed when absent. */
  routings?: Routing[];
  /** Widths of the equal-core dense baseline (default 1024-2048-512-256). */
  denseSizes?: number[];
  /** Routing seeds for the spread (routingSeed, routingSeed + 1, ...; default 10). */
  seeds?: number;
  /** Accounting parameters (default ACCOUNTING_DEFAULTS). */
  params?: Partial<AccountingParams>;
  /** What the model computes outside the cores (e.g. a convolutional front end): stated, not counted. */
  digital?: string;
  /** Settings of the slides' overhead model (default OVERHEAD_DEFAULTS). */
  overhead?: OverheadOptions;
}

export interface SeedSpread {
  layer: number;
  expectedPackets: number;
  mean: number;
  std: number;
  min: number;
  max: number;
}

export interface HardwareReport {
  params: AccountingParams & { slotSize: number; p: number; cores: number[] };
  /** The model's digital part, not counted in any figure (absent when the whole model is cores). */
  digital?: string;
  scrramble: NetworkAccount;
  baselines: NetworkAccount[];
  reductions: Record<string, Record<string, number>>;
  seedSpread: {
    seeds: number;
    layers: SeedSpread[];
    totalBits: { mean: number; std: number };
    reductionVsEqualNeurons: { totalBits: { mean: number; std: number } };
  };
  /** The ICRC 2025 slides' overhead model (not confirmed as the paper's definition). */
  overhead: OverheadModel;
}

function routingsFor(inp: ReportInput, coreSize: number, seed: number): Routing[] {
  return networkRoutings({ cores: inp.cores, coreSize, slotSize: inp.slotSize, p: inp.p, routingSeed: seed });
}

/**
 * The traffic, ADC and area report of a ScRRAMBLe network against the baselines.
 * @example
 * const r = hardwareReport({
 *   ...model.routedNetwork(),
 *   denseSizes: [1024, 2048, 512, 256],
 *   seeds: 10,
 *   params: ACCOUNTING_DEFAULTS,
 * });
 */
export function hardwareReport(inp: ReportInput): HardwareReport {
  const p: AccountingParams = { ...ACCOUNTING_DEFAULTS, ...inp.params, ...(inp.coreSize ? { coreSize: inp.coreSize } : {}) };
  const { cores } = inp;
  const denseSizes = inp.denseSizes ?? [1024, 2048, 512, 256];
  const seeds = inp.seeds ?? 10;
  const K = checkCoreGeometry({ cores, coreSize: p.coreSize, slotSize: inp.slotSize });
  const routings = inp.routings ?? routingsFor(inp, p.coreSize, inp.routingSeed);
  const ours = scrrambleNetwork(routings, p);
  const widths = cores.map((c) => c * p.coreSize);
  const baselines = [
    denseNetwork(`dense partial sums, equal cores (${denseSizes.join("-")})`, denseSizes, p),
    denseNetwork(`dense partial sums, equal neurons (${widths.join("-")})`, widths, p),
    sparseNetwork(routings, p),
  ];
  const red: Record<string, Record<string, number>> = {};
  for (const b of baselines) red[b.name] = reductions(ours, b);
  const perSeed = Array.from({ length: seeds }, (_, i) => routingsFor(inp, p.coreSize, inp.routingSeed + i));
  const layers = cores.slice(1).map((c, i) => {
    const ps = perSeed.map((rs) => rs[i].coef.length);
    const { mean, std } = meanStd(ps);
    return { layer: i + 1, expectedPackets: expectedPackets(cores[i], c, K, inp.p), mean, std, min: Math.min(...ps), max: Math.max(...ps) };
  });
  const nets = perSeed.map((rs) => scrrambleNetwork(rs, p));
  const eqNeurons = baselines[1];
  return {
    params: { ...p, slotSize: inp.slotSize, p: inp.p, cores },
    ...(inp.digital ? { digital: inp.digital } : {}),
    scrramble: ours,
    baselines,
    reductions: red,
    seedSpread: {
      seeds,
      layers,
      totalBits: meanStd(nets.map((n) => n.total.totalBits)),
      reductionVsEqualNeurons: { totalBits: meanStd(nets.map((n) => reductions(n, eqNeurons).totalBits)) },
    },
    overhead: overheadModel({ cores, coreSize: p.coreSize, slotSize: inp.slotSize, p: inp.p, routings }, inp.overhead ?? OVERHEAD_DEFAULTS),
  };
}

const fmtInt = (x: number) => Math.round(x).toLocaleString("en-US");
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const energy = (j: number) => (j >= 1e-6 ? `${(j * 1e6).toFixed(3)} uJ` : `${(j * 1e9).toFixed(3)} nJ`);

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

function netRows(n: NetworkAccount): string[][] {
  const row = (
    name: string,
    l: {
      cores: number;
      packets: number;
      values: number;
      payloadBits: number;
      headerBits: number;
      totalBits: number;
      adcEnergyJ: number;
      conductances: number;
    },
    adc: string,
  ) => [
    name,
    fmtInt(l.cores),
    fmtInt(l.packets),
    fmtInt(l.values),
    fmtInt(l.payloadBits),
    fmtInt(l.headerBits),
    fmtInt(l.totalBits),
    adc,
    energy(l.adcEnergyJ),
    fmtInt(l.conductances),
  ];
  return [
    ...n.layers.map((l) => row(l.name, l, l.adc.map((a) => `${fmtInt(a.conversions)} x ${a.bits} b`).join(", "))),
    row(
      "**total**",
      n.total,
      Object.entries(n.total.adcConversions)
        .map(([b, c]) => `${fmtInt(c)} x ${b}`)
        .join(", "),
    ),
  ];
}

/** The report as Markdown (the same tables the CLI prints). */
export function reportMarkdown(r: HardwareReport): string {
  const head = [
    "layer",
    "cores",
    "packets",
    "values",
    "payload bits",
    "header bits",
    "total bits",
    "ADC conversions",
    "ADC energy",
    "conductances",
  ];
  const p = r.params;
  const out = [
    `# ScRRAMBLe hardware report`,
    "",
    `Model cores ${p.cores.join(" -> ")}, N = ${p.coreSize}, s = ${p.slotSize}, p = ${p.p}; ` +
      `b_a = ${p.activationBits}, b_w = ${p.weightBits}, ` +
      `b_p = ${p.partialSumBits || p.activationBits + p.weightBits + Math.ceil(Math.log2(p.coreSize))}, ` +
      `ADC FoM ${p.adcFomJ * 1e15} fJ/step, ` +
      `accumulator in tile: ${p.accumulatorInTile ? "yes" : "no"}. Formulas: docs/accounting.md.`,
    ...(r.digital
      ? ["", `Digital, not on crossbar cores and not counted below: ${r.digital}. The figures cover the ScRRAMBLe layers only.`]
      : []),
    "",
    `## ${r.scrramble.name}`,
    "",
    table(head, netRows(r.scrramble)),
  ];
  for (const b of r.baselines) out.push("", `## ${b.name}`, "", table(head, netRows(b)));
  out.push("", "## Reductions (1 - ScRRAMBLe / baseline)", "");
  const keys = ["values", "totalBits", "packets", "headerBits", "adcEnergy", "conductances"];
  out.push(
    table(
      ["baseline", ...keys],
      Object.entries(r.reductions).map(([name, red]) => [name, ...keys.map((k) => pct(red[k]))]),
    ),
  );
  const s = r.seedSpread;
  out.push("", `## Routing seeds (${s.seeds} seeds)`, "");
  out.push(
    table(
      ["layer", "E[packets] (closed form)", "packets mean", "std", "min", "max"],
      s.layers.map((l) => [
        String(l.layer),
        l.expectedPackets.toFixed(1),
        l.mean.toFixed(1),
        l.std.toFixed(1),
        String(l.min),
        String(l.max),
      ]),
    ),
  );
  out.push(
    "",
    `Total bits: mean ${fmtInt(s.totalBits.mean)}, std ${fmtInt(s.totalBits.std)}; ` +
      `reduction of total bits against the equal-neuron dense network: ` +
      `${pct(s.reductionVsEqualNeurons.totalBits.mean)} +- ${pct(s.reductionVsEqualNeurons.totalBits.std)}.`,
  );
  out.push("", ...overheadMarkdown(r.overhead));
  return out.join("\n") + "\n";
}

/** The overhead model's section of the report. */
export function overheadMarkdown(o: OverheadModel): string[] {
  const f4 = (x: number) => x.toFixed(4);
  const chunks = o.options.chunks === "slots" ? "destination slots S_dst K" : `${o.options.chunks} (fixed)`;
  return [
    "## Overhead model (ICRC 2025 slides; not confirmed as the paper's definition)",
    "",
    `Packet-switched links: address bits A = log2(chunks x p), chunks = ${chunks}; data bits D = s x ${o.options.valueBits} ` +
      `bit(s) per value; overhead O = A / (A + D). The network's O is the packet-weighted mean over layers. ` +
      `O_FC: a fully connected network (slot 1, p 1, A = log2(S_dst N), one packet per value and destination row).`,
    "",
    table(
      ["layer", "chunks", "A (bits)", "D (bits)", "O", "packets", "E[packets]", "A_FC", "O_FC"],
      o.layers.map((l) => [
        `${l.layer} (${l.srcCores} -> ${l.dstCores} cores)`,
        String(l.chunks),
        l.addressBits.toFixed(3),
        String(l.dataBits),
        f4(l.overhead),
        String(l.packets),
        l.expectedPackets.toFixed(1),
        l.fcAddressBits.toFixed(3),
        f4(l.fcOverhead),
      ]),
    ),
    "",
    `Network: O = ${f4(o.overhead)} (${f4(o.overheadExpected)} weighted by expected packets), ` +
      `1 - O = ${pct(o.reduction)}; O_FC = ${f4(o.fcOverhead)}, 1 - O / O_FC = ${pct(o.reductionVsFc)}.`,
  ];
}
