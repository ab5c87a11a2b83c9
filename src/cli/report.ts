// `scrramble report`: traffic, ADC and area accounting of a ScRRAMBLe network
// (from a checkpoint, or from routing options without training) against the
// baselines; prints the tables and writes report.json and report.md.

import { join } from "node:path";
import { ACCOUNTING_DEFAULTS, type AccountingParams } from "../sim/accounting.js";
import { hardwareReport, reportMarkdown, type ReportInput } from "../sim/report.js";
import { readCheckpoint } from "../node/checkpoint-file.js";
import { writeFileAtomic } from "../node/atomic.js";
import { helpText, intList, num, parseCommand, UsageError, type CommandSpec } from "./args.js";
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
    out: { type: "string", arg: "DIR", default: "report", help: "folder for report.json and report.md" },
    json: { type: "boolean", help: "print the JSON report instead of the tables" },
  },
  examples: [
    "scrramble report",
    "scrramble report --cores 4,40,10 --seeds 20",
    "scrramble report --checkpoint runs/my-run --out runs/my-run",
  ],
};

export async function reportCommand(argv: string[]): Promise<number> {
  const { values: v, help } = parseCommand(REPORT_COMMAND, argv);
  if (help) {
    process.stdout.write(helpText(REPORT_COMMAND));
    return 0;
  }
  const params: Partial<AccountingParams> = {
    activationBits: num(v, "activation-bits", { int: true, min: 1, max: 32 }),
    weightBits: num(v, "weight-bits", { int: true, min: 1, max: 32 }),
    partialSumBits: num(v, "partial-sum-bits", { int: true, min: 0, max: 64 }),
    adcFomJ: num(v, "adc-fom", { min: 0 }),
    coefBits: num(v, "coef-bits", { int: true, min: 0, max: 16 }),
    accumulatorInTile: Boolean(v["accumulator-in-tile"]),
  };
  const settings = { denseSizes: intList(v, "dense-sizes"), seeds: num(v, "seeds", { int: true, min: 1, max: 1000 }), params };
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
  if (v.json) process.stdout.write(JSON.stringify(report) + "\n");
  else process.stdout.write(md + `\nwrote ${join(out, "report.json")} and ${join(out, "report.md")}\n`);
  return 0;
}
