// `scrramble eval`: load a checkpoint and report accuracy and the confusion
// matrix on the test split of the bundled data or an IDX folder.

import { evaluate } from "../train/trainer.js";
import { helpText, parseCommand, type CommandSpec, UsageError } from "./args.js";
import { DATA_OPTIONS, loadData } from "./datasets.js";
import { readCheckpoint } from "./checkpoint-file.js";
import { formatConfusion } from "./report-util.js";

export const EVAL_COMMAND: CommandSpec = {
  name: "eval",
  summary: "Evaluate a trained checkpoint: accuracy and confusion matrix on the test split.",
  usage: "scrramble eval --checkpoint DIR|FILE [options]",
  options: {
    checkpoint: { type: "string", arg: "PATH", help: "run folder (holding model.safetensors) or a .safetensors file" },
    ...DATA_OPTIONS,
    json: { type: "boolean", help: "print one JSON object instead of tables" },
  },
  examples: ["scrramble eval --checkpoint runs/scrramble-2026-01-01T10-00-00"],
};

export async function evalCommand(argv: string[]): Promise<number> {
  const { values: v, help } = parseCommand(EVAL_COMMAND, argv);
  if (help) {
    process.stdout.write(helpText(EVAL_COMMAND));
    return 0;
  }
  if (typeof v.checkpoint !== "string") throw new UsageError("eval: --checkpoint is required");
  const { model, path } = readCheckpoint(v.checkpoint);
  const data = await loadData({ ...v, classes: v.classes ?? String(model.classes) });
  const r = evaluate(model, data.test);
  if (v.json) {
    process.stdout.write(JSON.stringify({ checkpoint: path, kind: model.kind, data: data.description, accuracy: r.accuracy, loss: r.loss, n: r.n, confusion: r.confusion }) + "\n");
  } else {
    process.stdout.write(`${path} (${model.kind}) on ${data.description}\n`);
    process.stdout.write(`test accuracy ${(r.accuracy * 100).toFixed(2)} % on ${r.n} samples (loss ${r.loss.toFixed(4)})\n`);
    process.stdout.write(formatConfusion(r.confusion));
  }
  return 0;
}
