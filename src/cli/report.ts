// `scrramble report`: traffic, ADC and area accounting of a ScRRAMBLe network
// (from a checkpoint, or from routing options without training) against the
// baselines and the slides' overhead model; prints the tables and writes
// report.json, report.md and overhead-contour.svg.

import { join } from "node:path";
import { ACCOUNTING_DEFAULTS, type AccountingParams } from "../sim/accounting.js";
import { hardwareReport, reportMarkdown, type ReportInput } from "../sim/report.js";
import { overheadContourSvg, type OverheadOptions } from "../sim/overhead.js";
import { readCheckpoint } from "../node/checkpoint-file.js";
import { writeFileAtomic } from "../node/atomic.js";
import { intList, num, parseOrHelp, UsageError, type CommandSpec } from "./args.js";
import { outFolder, asUsage } from "./options.js";
import { ROUTING_OPTIONS, routedFromOptions } from "./routing.js";

const a = ACCOUNTING_DEFAULTS;

export const REPORT_COMMAND: CommandSpec = {
  name: "report",
  summary:
    "Inter-core traffic, ADC and area accounting of a ScRRAMBLe model against dense and sparse baselines (formulas: docs/accounting.md).",
  usage: "scrramble report [--checkpoint PATH | --cores LIST --core-size N --slot-size S --p P --seed N] [options]",
  options: {
    ...ROUTING_OPTIONS,
    seeds: { type: "string", arg: "N", default: "10", help: "routing seeds for the mean / spread" },
    "dense-sizes": { type: "string", arg: "LIST", default: "1024,2048,512,256", help: "equal-core dense baseline widths" },
    "activation-bits": { type: "string", arg: "B", default: String(a.activationBits), help: "b_a, bits of an activation between cores" },
    "weight-bits": { type: "string", arg: "B", default: String(a.weightBits), help: "b_w, weight / conductance bits" },
    "partial-sum-bits": { type: "string", arg: "B", default: "0", help: "b_p, partial-sum bits (0 = lossless b_a + b_w + ceil(log2 N))" },
    "adc-fom": { type: "string", arg: "J", default: String(a.adcFomJ), help: "ADC Walden figure of merit, joules per conversion step" },
    "coef-bits": {
      type: "string",
      arg: "B",
      default: "0",
      help: "routing coefficient bits in a header (0 = from the largest coefficient)",
    },
    "accumulator-in-tile": { type: "boolean", help: "dense baselines: the accumulator sits in one of the tiles" },
    "overhead-chunks": {
      type: "string",
      arg: "C",
      default: "slots",
      help: "overhead model: destination chunks a packet addresses: slots (S_dst K per layer) or a fixed count, e.g. 1024",
    },
    "overhead-value-bits": {
      type: "string",
      arg: "B",
      default: "1",
      help: "overhead model: bits per routed value in D = s x B (1 as on the slides, or activation = --activation-bits)",
    },
    out: { type: "string", arg: "DIR", default: "report", help: "folder for report.json, report.md and overhead-contour.svg" },
    json: { type: "boolean", help: "print the JSON report instead of the tables" },
  },
  examples: [
    "scrramble report",
    "scrramble report --cores 4,40,10 --seeds 20",
    "scrramble report --checkpoint runs/my-run --out runs/my-run",
  ],
};

export async function reportCommand(argv: string[]): Promise<number> {
  const parsed = parseOrHelp(REPORT_COMMAND, argv);
  if (!parsed) return 0;
  const { values: v } = parsed;
  const params: Partial<AccountingParams> = {
    activationBits: num(v, "activation-bits", { int: true, min: 1, max: 32 }),
    weightBits: num(v, "weight-bits", { int: true, min: 1, max: 32 }),
    partialSumBits: num(v, "partial-sum-bits", { int: true, min: 0, max: 64 }),
    adcFomJ: num(v, "adc-fom", { min: 0 }),
    coefBits: num(v, "coef-bits", { int: true, min: 0, max: 16 }),
    accumulatorInTile: Boolean(v["accumulator-in-tile"]),
  };
  const chunksRaw = String(v["overhead-chunks"]);
  const overhead: OverheadOptions = {
    chunks: chunksRaw === "slots" ? "slots" : num(v, "overhead-chunks", { int: true, min: 1 }),
    valueBits:
      v["overhead-value-bits"] === "activation" ? params.activationBits! : num(v, "overhead-value-bits", { int: true, min: 1, max: 64 }),
  };
  const settings = { denseSizes: intList(v, "dense-sizes"), seeds: num(v, "seeds", { int: true, min: 1, max: 1000 }), params, overhead };
  let input: ReportInput;
  if (typeof v.checkpoint === "string") {
    const { model } = readCheckpoint(v.checkpoint);
    if (!model.routedNetwork) throw new UsageError(`${v.checkpoint}: a ${model.kind} checkpoint has no ScRRAMBLe layers to report on`);
    input = { ...model.routedNetwork(), ...settings };
  } else {
    input = { ...routedFromOptions(v), ...settings };
  }
  const out = outFolder(v);
  const report = asUsage(() => hardwareReport(input));
  const md = reportMarkdown(report);
  writeFileAtomic(join(out, "report.json"), JSON.stringify(report, null, 2) + "\n");
  writeFileAtomic(join(out, "report.md"), md);
  const first = report.overhead.layers[0];
  const contour = join(out, "overhead-contour.svg");
  writeFileAtomic(
    contour,
    overheadContourSvg({ ...overhead, dstCores: first.dstCores, coreSize: report.params.coreSize, slotSize: first.slotSize, p: first.p }),
  );
  if (v.json) process.stdout.write(JSON.stringify(report) + "\n");
  else process.stdout.write(md + `\nwrote ${join(out, "report.json")}, ${join(out, "report.md")} and ${contour}\n`);
  return 0;
}
