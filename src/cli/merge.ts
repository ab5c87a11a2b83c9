// `scrramble merge DIR...`: joins the task records of a sharded sweep (one
// folder per shard, or one shared folder) into the same CSV / JSON / SVG files
// an unsharded run writes. Refuses records of mixed builds or other sweeps, and
// names the tasks still missing.

import { parseOrHelp, UsageError, type CommandSpec } from "./args.js";
import { mergeSweeps } from "./sweep-files.js";

export const MERGE_COMMAND: CommandSpec = {
  name: "merge",
  summary: "Join the shards of a sweep (sweep --shard i/n) into the files an unsharded sweep writes.",
  usage: "scrramble merge DIR... [--out DIR]",
  options: {
    out: { type: "string", arg: "DIR", help: "folder for the merged files", defaultHelp: "the first DIR" },
  },
  positionals: 1000,
  examples: [
    "scrramble merge shards/0 shards/1 shards/2 --out sweeps",
    "scrramble merge sweeps   # shards that wrote into one shared folder",
  ],
};

export async function mergeCommand(argv: string[]): Promise<number> {
  const parsed = parseOrHelp(MERGE_COMMAND, argv);
  if (!parsed) return 0;
  const { values: v, positionals } = parsed;
  if (positionals.length === 0) throw new UsageError("merge: name at least one folder of sweep records");
  const out = typeof v.out === "string" ? v.out : positionals[0];
  for (const m of mergeSweeps(positionals, out))
    process.stdout.write(`sweep ${m.kind}: ${m.tasks} tasks merged; wrote ${m.files.join(", ")} in ${out}\n`);
  return 0;
}
