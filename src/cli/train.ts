// `scrramble train`: build a model of any registered kind, train it into a run
// folder (scrramble/node's trainRun) and draw the progress.

import { join } from "node:path";
import { engine } from "../engine.js";
import { createModel } from "../nn/registry.js";
import { inputResize } from "../train/evaluate.js";
import { loadData } from "../node/data.js";
import { trainRun } from "../node/run.js";
import { helpText, parseCommand, type CommandSpec } from "./args.js";
import {
  asUsage,
  DATA_OPTIONS,
  dataOptionsFrom,
  modelFromOptions,
  modelOptions,
  recipeOf,
  TRAIN_OPTIONS,
  trainOptionsFrom,
} from "./options.js";
import { RECIPES } from "../train/recipes.js";
import { createProgress, progressModeFor } from "./progress.js";
import { formatConfusion } from "./format.js";

export function trainSpec(): CommandSpec {
  return {
    name: "train",
    summary: "Train a model (default: the ScRRAMBLe capsule MLP) into a run folder.",
    usage: "scrramble train [options]",
    options: {
      ...modelOptions(),
      ...TRAIN_OPTIONS,
      ...DATA_OPTIONS,
      out: { type: "string", arg: "DIR", help: "run folder", defaultHelp: "runs/<model>-<time>" },
      json: { type: "boolean", help: "machine-readable progress: one JSON object per line on stdout" },
    },
    groups: { model: "Model", recipe: "Training", data: "Data", out: "Output" },
    examples: [
      "scrramble train                                  # default model on the bundled MNIST subset",
      "scrramble train --model dense --epochs 10        # the partial-sums baseline",
      "scrramble train --activation qrelu --adc-bits 4 --adc-max 2",
      "scrramble train --data ~/mnist --epochs 30 --out runs/full",
      "scrramble train --recipe reference --out runs/reference      # the authors' MNIST protocol (50k steps)",
      "scrramble train --activation binary      # 1-bit activations, straight-through estimator",
    ],
  };
}

export async function trainCommand(argv: string[]): Promise<number> {
  const spec = trainSpec();
  const { values: v, help } = parseCommand(spec, argv);
  if (help) {
    process.stdout.write(helpText(spec));
    return 0;
  }
  const opts = trainOptionsFrom(v);
  const recipe = recipeOf(v);
  for (const note of RECIPES[recipe].notes) process.stderr.write(`recipe ${recipe}: ${note}\n`);
  const dataOpts = dataOptionsFrom(v);
  const data = await loadData(dataOpts);
  const { height, width, channels } = data.train;
  const mc = modelFromOptions(v, { classes: dataOpts.classes ?? 10, seed: opts.seed, input: { height, width, channels } });
  const model = asUsage(() => {
    const m = createModel(mc.kind, mc.config);
    inputResize(m, data.train);
    if (data.train.classes > m.classes) throw new Error(`the data has ${data.train.classes} classes, the model ${m.classes}`);
    return m;
  });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const out = typeof v.out === "string" ? v.out : join("runs", `${model.kind}-${stamp}`);

  const json = Boolean(v.json);
  const progress = createProgress({ mode: progressModeFor(process.stderr, json), stream: json ? process.stdout : process.stderr });
  const params = model.parameters().reduce((a, p) => a + p.size, 0);
  const e = engine();
  progress.log(
    json
      ? {
          event: "start",
          kind: model.kind,
          model: model.config,
          train: opts,
          data: data.description,
          kernels: e.variant,
          threads: e.threads,
          out,
        }
      : `${model.kind}: ${params} parameters, ${e.variant} kernels on ${e.threads} thread(s); ${data.description}; run folder ${out}`,
  );
  const result = trainRun(out, model, data, opts, {
    onStep(s) {
      const stepInEpoch = s.step - s.epoch * s.stepsPerEpoch;
      progress.update({
        epoch: s.epoch + 1,
        epochs: Math.ceil(s.totalSteps / s.stepsPerEpoch),
        step: stepInEpoch,
        steps: s.stepsPerEpoch,
        samplesPerSec: Math.round(s.samples / s.seconds),
        loss: s.loss,
        acc: s.acc,
        etaSec: (s.seconds / s.step) * (s.totalSteps - s.step),
      });
    },
    onEval(ev) {
      const line = { event: "eval", split: ev.split, step: ev.step, epoch: ev.epoch + 1, accuracy: ev.accuracy, loss: ev.loss };
      progress.log(
        json
          ? line
          : `epoch ${ev.epoch + 1} step ${ev.step}: ${ev.split} accuracy ${(ev.accuracy * 100).toFixed(2)} %, loss ${ev.loss.toFixed(4)}`,
      );
    },
  });
  progress.done();
  if (json) {
    process.stdout.write(JSON.stringify({ event: "done", ...result, out }) + "\n");
  } else {
    process.stdout.write(
      `test accuracy ${(result.testAccuracy * 100).toFixed(2)} % on ${result.n} samples (loss ${result.testLoss.toFixed(4)})\n`,
    );
    process.stdout.write(formatConfusion(result.confusion));
    process.stdout.write(
      `training: ${result.seconds.toFixed(1)} s, ${result.samplesPerSec.toFixed(0)} samples/s; ` +
        `peak RSS ${result.peakRssMb.toFixed(0)} MB\n`,
    );
    process.stdout.write(`wrote ${join(out, "model.safetensors")}, config.json, metrics.jsonl, curves.svg, result.json\n`);
  }
  return 0;
}
