// `scrramble routing`: statistics of each layer's routing (from routing options
// or a checkpoint) and an SVG picture of its slot-to-slot connectivity per layer.
// Also the routing options report shares.

import { join } from "node:path";
import { networkRoutings } from "../routing/network.js";
import { expectedPositiveRoutes, routingStats } from "../routing/stats.js";
import { routingSvg } from "../routing/svg.js";
import type { RoutedNetwork } from "../nn/model.js";
import { readCheckpoint } from "../node/checkpoint-file.js";
import { writeFileAtomic } from "../node/atomic.js";
import { intList, num, parseOrHelp, UsageError, type CommandSpec, type OptionTable, type Parsed } from "./args.js";
import { outFolder, asUsage } from "./options.js";

/** The network a routing-only command describes: from a checkpoint or from these options. */
export const ROUTING_OPTIONS: OptionTable = {
  checkpoint: { type: "string", arg: "PATH", help: "take the network (and its stored routing) from a checkpoint" },
  cores: { type: "string", arg: "LIST", default: "4,50,10", help: "cores per layer, input cores first (without --checkpoint)" },
  "core-size": { type: "string", arg: "N", default: "256", help: "crossbar size N (without --checkpoint)" },
  "slot-size": { type: "string", arg: "S", default: "64", help: "slot size s (without --checkpoint)" },
  p: { type: "string", arg: "P", default: "0.2", help: "connection probability (without --checkpoint)" },
  seed: {
    type: "string",
    arg: "N",
    default: "0",
    help: "routing seed, derived per layer as train --seed / --routing-seed (without --checkpoint)",
  },
};

/** A network's routing options, generated from --cores, --core-size, --slot-size, --p and --seed. */
export function routedFromOptions(v: Parsed): RoutedNetwork {
  const net = {
    cores: intList(v, "cores"),
    coreSize: num(v, "core-size", { int: true, min: 1 }),
    slotSize: num(v, "slot-size", { int: true, min: 1 }),
    p: num(v, "p", { min: 0, max: 1 }),
    routingSeed: num(v, "seed", { int: true }),
  };
  return { ...net, routings: asUsage(() => networkRoutings(net)) };
}

/** The network of --checkpoint, or the one the routing options describe. */
export function routedNetworkOf(v: Parsed): RoutedNetwork {
  if (typeof v.checkpoint !== "string") return routedFromOptions(v);
  const { model } = readCheckpoint(v.checkpoint);
  if (!model.routedNetwork) throw new UsageError(`${v.checkpoint}: a ${model.kind} checkpoint has no routing`);
  return model.routedNetwork();
}

export const ROUTING_COMMAND: CommandSpec = {
  name: "routing",
  summary: "Print routing statistics per layer and write an SVG of each layer's slot connectivity.",
  usage: "scrramble routing [--cores LIST --core-size N --slot-size S --p P --seed N | --checkpoint PATH] [--out DIR]",
  options: {
    ...ROUTING_OPTIONS,
    out: { type: "string", arg: "DIR", default: ".", help: "folder for routing-layer<i>.svg" },
    "no-svg": { type: "boolean", help: "statistics only" },
    json: { type: "boolean", help: "print one JSON object" },
  },
  examples: ["scrramble routing --p 0.2 --out figures", "scrramble routing --checkpoint runs/my-run"],
};

export async function routingCommand(argv: string[]): Promise<number> {
  const parsed = parseOrHelp(ROUTING_COMMAND, argv);
  if (!parsed) return 0;
  const { values: v } = parsed;
  const { routings, p } = routedNetworkOf(v);
  const layers = routings.map((r, i) => {
    const s = routingStats(r);
    const expectedPositivePicks = expectedPositiveRoutes(r.srcCores, r.dstCores, r.slotsPerCore, p);
    return { layer: i + 1, srcCores: r.srcCores, dstCores: r.dstCores, slotsPerCore: r.slotsPerCore, expectedPositivePicks, ...s };
  });
  const files: string[] = [];
  if (!v["no-svg"]) {
    const out = outFolder(v);
    routings.forEach((r, i) => {
      const f = join(out, `routing-layer${i + 1}.svg`);
      writeFileAtomic(
        f,
        routingSvg(r, { title: `layer ${i + 1}: ${r.srcCores} -> ${r.dstCores} cores, ${r.slotsPerCore} slots/core, p = ${p}`, p }),
      );
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
        `  packets (non-zero routes) ${l.packets}: +${l.positive} / -${l.negative}, ` +
        `max |coef| ${l.maxAbsCoef}, sum |coef| ${l.sumAbsCoef}\n` +
        `  expected +1 picks ${l.expectedPositivePicks.toFixed(1)}\n` +
        `  fan-in per destination slot min/mean/max ${l.fanIn.min}/${l.fanIn.mean.toFixed(2)}/${l.fanIn.max}, ` +
        `empty destination slots ${l.emptyDstSlots}\n` +
        `  fan-out per source slot min/mean/max ${l.fanOut.min}/${l.fanOut.mean.toFixed(2)}/${l.fanOut.max}\n` +
        `  balance error (max |sum over a destination core|) ${l.balanceMaxError}\n`,
    );
  }
  for (const f of files) process.stdout.write(`wrote ${f}\n`);
  return 0;
}
