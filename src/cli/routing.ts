// `scrramble routing`: statistics of each layer's routing (from a config or a
// checkpoint) and an SVG picture of its slot-to-slot connectivity per layer.

import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { generateRouting, type Routing } from "../routing/routing.js";
import { expectedPositiveRoutes, routingStats } from "../routing/stats.js";
import { routingSvg } from "../routing/svg.js";
import { layerRoutingSeed } from "../nn/scrramble-mlp.js";
import { ScrrambleMlp } from "../nn/scrramble-mlp.js";
import { helpText, intList, num, parseCommand, type CommandSpec, UsageError } from "./args.js";
import { readCheckpoint } from "./checkpoint-file.js";
import { writeFileAtomicSync } from "./atomic.js";

export const ROUTING_COMMAND: CommandSpec = {
  name: "routing",
  summary: "Print routing statistics per layer and write an SVG of each layer's slot connectivity.",
  usage: "scrramble routing [--cores LIST --core-size N --slot-size S --p P --seed N | --checkpoint PATH] [--out DIR]",
  options: {
    cores: { type: "string", arg: "LIST", default: "4,50,10", help: "cores per layer, input cores first" },
    "core-size": { type: "string", arg: "N", default: "256", help: "crossbar size N" },
    "slot-size": { type: "string", arg: "S", default: "64", help: "slot size s" },
    p: { type: "string", arg: "P", default: "0.2", help: "connection probability" },
    seed: { type: "string", arg: "N", default: "0", help: "routing seed (same derivation as train --seed / --routing-seed)" },
    checkpoint: { type: "string", arg: "PATH", help: "use the routing stored in a checkpoint instead" },
    out: { type: "string", arg: "DIR", default: ".", help: "folder for routing-layer<i>.svg" },
    "no-svg": { type: "boolean", help: "statistics only" },
    json: { type: "boolean", help: "print one JSON object" },
  },
  examples: ["scrramble routing --p 0.2 --out figures", "scrramble routing --checkpoint runs/my-run"],
};

export async function routingCommand(argv: string[]): Promise<number> {
  const { values: v, help } = parseCommand(ROUTING_COMMAND, argv);
  if (help) {
    process.stdout.write(helpText(ROUTING_COMMAND));
    return 0;
  }
  let routings: Routing[];
  let p: number;
  if (typeof v.checkpoint === "string") {
    const { model } = readCheckpoint(v.checkpoint);
    if (!(model instanceof ScrrambleMlp)) throw new UsageError(`${v.checkpoint}: a ${model.kind} checkpoint has no routing`);
    routings = model.layers.map((l) => l.routing);
    p = model.config.p;
  } else {
    const cores = intList(v, "cores");
    const N = num(v, "core-size", { int: true, min: 1 });
    const S = num(v, "slot-size", { int: true, min: 1 });
    if (N % S !== 0) throw new UsageError(`slot size ${S} does not divide core size ${N}`);
    if (cores.length < 2) throw new UsageError("--cores needs at least two entries");
    p = num(v, "p", { min: 0, max: 1 });
    const seed = num(v, "seed", { int: true });
    routings = cores.slice(1).map((c, i) => generateRouting({ srcCores: cores[i], dstCores: c, slotsPerCore: N / S, p, seed: layerRoutingSeed(seed, i + 1) }));
  }
  const layers = routings.map((r, i) => {
    const s = routingStats(r);
    return { layer: i + 1, srcCores: r.srcCores, dstCores: r.dstCores, slotsPerCore: r.slotsPerCore, expectedPositivePicks: expectedPositiveRoutes(r.srcCores, r.dstCores, r.slotsPerCore, p), ...s };
  });
  const files: string[] = [];
  if (!v["no-svg"]) {
    const out = String(v.out);
    mkdirSync(out, { recursive: true });
    routings.forEach((r, i) => {
      const f = join(out, `routing-layer${i + 1}.svg`);
      writeFileAtomicSync(f, routingSvg(r, { title: `layer ${i + 1}: ${r.srcCores} -> ${r.dstCores} cores, ${r.slotsPerCore} slots/core, p = ${p}`, p }));
      files.push(f);
    });
  }
  if (v.json) {
    process.stdout.write(JSON.stringify({ p, layers, files }) + "\n");
    return 0;
  }
  for (const l of layers) {
    process.stdout.write(
      `layer ${l.layer}: ${l.srcCores} -> ${l.dstCores} cores x ${l.slotsPerCore} slots\n` +
      `  packets (non-zero routes) ${l.packets}: +${l.positive} / -${l.negative}, max |coef| ${l.maxAbsCoef}, sum |coef| ${l.sumAbsCoef}\n` +
      `  expected +1 picks ${l.expectedPositivePicks.toFixed(1)}\n` +
      `  fan-in per destination slot min/mean/max ${l.fanIn.min}/${l.fanIn.mean.toFixed(2)}/${l.fanIn.max}, empty destination slots ${l.emptyDstSlots}\n` +
      `  fan-out per source slot min/mean/max ${l.fanOut.min}/${l.fanOut.mean.toFixed(2)}/${l.fanOut.max}\n` +
      `  balance error (max |sum over a destination core|) ${l.balanceMaxError}\n`,
    );
  }
  for (const f of files) process.stdout.write(`wrote ${f}\n`);
  return 0;
}
