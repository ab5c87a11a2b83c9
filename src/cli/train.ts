// `scrramble train`: build a model, train it with progress output, and leave a
// run folder: model.safetensors, config.json, metrics.jsonl, curves.svg and
// result.json. The checkpoint is rewritten atomically after every evaluation.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { engine } from "../engine.js";
import { ScrrambleMlp } from "../nn/scrramble-mlp.js";
import { DenseBaseline } from "../nn/dense-baseline.js";
import type { Model } from "../nn/model.js";
import { evaluate, inputResize, trainModel, type EvalInfo, type StepInfo } from "../train/trainer.js";
import { checkpointParts } from "../io/checkpoint.js";
import { helpText, parseCommand, type CommandSpec, UsageError } from "./args.js";
import { DATA_OPTIONS, loadData } from "./datasets.js";
import { MODEL_OPTIONS, TRAIN_OPTIONS, modelConfig, trainOptions } from "./model-options.js";
import { createProgress, progressModeFor } from "./progress.js";
import { writeFileAtomicSync } from "./atomic.js";
import { curvesSvg, formatConfusion, peakRssMb } from "./report-util.js";

export const TRAIN_COMMAND: CommandSpec = {
  name: "train",
  summary: "Train a ScRRAMBLe capsule MLP (default) or the dense partial-sums baseline.",
  usage: "scrramble train [options]",
  options: {
    ...MODEL_OPTIONS,
    ...TRAIN_OPTIONS,
    ...DATA_OPTIONS,
    out: { type: "string", arg: "DIR", help: "run folder (default: runs/<model>-<time>)" },
    json: { type: "boolean", help: "machine-readable progress: one JSON object per line on stdout" },
  },
  groups: { model: "Model", epochs: "Training", data: "Data", out: "Output" },
  examples: [
    "scrramble train                                  # default model on the bundled MNIST subset",
    "scrramble train --model dense --epochs 10        # the partial-sums baseline",
    "scrramble train --activation qrelu --adc-bits 4 --adc-max 2",
    "scrramble train --data ~/mnist --epochs 30 --out runs/full",
  ],
};

export async function trainCommand(argv: string[]): Promise<number> {
  const { values: v, help } = parseCommand(TRAIN_COMMAND, argv);
  if (help) {
    process.stdout.write(helpText(TRAIN_COMMAND));
    return 0;
  }
  const opts = trainOptions(v);
  const mc = modelConfig(v, Number(v.classes));
  const data = await loadData(v);
  // The reconstruction head rebuilds the original image, whatever its size.
  if (mc.kind === "scrramble") mc.config.reconstructionSize = data.train.height * data.train.width * data.train.channels;
  let model: Model;
  try {
    model = mc.kind === "scrramble" ? new ScrrambleMlp(mc.config) : new DenseBaseline(mc.config);
    inputResize(model, data.train);
    if (data.train.classes > model.classes) throw new Error(`the data has ${data.train.classes} classes, the model ${model.classes}`);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const out = typeof v.out === "string" ? v.out : join("runs", `${mc.kind}-${stamp}`);
  mkdirSync(out, { recursive: true });

  const json = Boolean(v.json);
  const progress = createProgress({ mode: progressModeFor(process.stderr, json), stream: json ? process.stdout : process.stderr });
  const meta = { kind: model.kind, model: model.config, train: opts, data: data.description, kernels: engine().variant, threads: engine().threads };
  writeFileAtomicSync(join(out, "config.json"), JSON.stringify(meta, null, 2) + "\n");
  progress.log(json ? { event: "start", ...meta, out } : `${model.kind}: ${model.parameters().reduce((a, p) => a + p.size, 0)} parameters, ${engine().variant} kernels on ${engine().threads} thread(s); ${data.description}; run folder ${out}`);

  const metrics: string[] = [];
  const steps: StepInfo[] = [];
  const evals: EvalInfo[] = [];
  const save = () => {
    writeFileAtomicSync(join(out, "model.safetensors"), checkpointParts(model, { train: JSON.stringify(opts), data: data.description }));
    writeFileAtomicSync(join(out, "metrics.jsonl"), metrics.join(""));
    writeFileAtomicSync(join(out, "curves.svg"), curvesSvg(steps, evals, model.kind));
  };
  let lossEma = NaN, accEma = NaN;
  const heldOut = data.val ?? data.test;
  trainModel(model, data.train, heldOut, opts, {
    onStep(s) {
      lossEma = Number.isNaN(lossEma) ? s.loss : 0.95 * lossEma + 0.05 * s.loss;
      accEma = Number.isNaN(accEma) ? s.acc : 0.95 * accEma + 0.05 * s.acc;
      if (s.step % 10 === 0 || s.step === s.totalSteps) {
        steps.push({ ...s, loss: lossEma, acc: accEma });
        metrics.push(JSON.stringify({ event: "step", step: s.step, epoch: s.epoch + 1, loss: lossEma, acc: accEma, samplesPerSec: s.samples / s.seconds, seconds: s.seconds }) + "\n");
      }
      const stepInEpoch = s.step - s.epoch * s.stepsPerEpoch;
      progress.update({ epoch: s.epoch + 1, epochs: Math.ceil(s.totalSteps / s.stepsPerEpoch), step: stepInEpoch, steps: s.stepsPerEpoch, samplesPerSec: Math.round(s.samples / s.seconds), loss: lossEma, acc: accEma, etaSec: (s.seconds / s.step) * (s.totalSteps - s.step) });
    },
    onEval(e) {
      evals.push(e);
      const line = { event: "eval", split: data.val ? "validation" : "test", step: e.step, epoch: e.epoch + 1, accuracy: e.accuracy, loss: e.loss };
      metrics.push(JSON.stringify(line) + "\n");
      progress.log(json ? line : `epoch ${e.epoch + 1} step ${e.step}: ${line.split} accuracy ${(e.accuracy * 100).toFixed(2)} %, loss ${e.loss.toFixed(4)}`);
      save();
    },
  });
  const final = evaluate(model, data.test);
  const rss = peakRssMb();
  const result = { testAccuracy: final.accuracy, testLoss: final.loss, n: final.n, confusion: final.confusion, peakRssMb: rss, seconds: steps.length ? steps[steps.length - 1].seconds : 0, samplesPerSec: steps.length ? steps[steps.length - 1].samples / steps[steps.length - 1].seconds : 0 };
  metrics.push(JSON.stringify({ event: "test", accuracy: final.accuracy, loss: final.loss }) + "\n");
  save();
  writeFileAtomicSync(join(out, "result.json"), JSON.stringify(result, null, 2) + "\n");
  progress.done();
  if (json) {
    process.stdout.write(JSON.stringify({ event: "done", ...result, out }) + "\n");
  } else {
    process.stdout.write(`test accuracy ${(final.accuracy * 100).toFixed(2)} % on ${final.n} samples (loss ${final.loss.toFixed(4)})\n`);
    process.stdout.write(formatConfusion(final.confusion));
    process.stdout.write(`training: ${result.seconds.toFixed(1)} s, ${result.samplesPerSec.toFixed(0)} samples/s; peak RSS ${rss.toFixed(0)} MB\n`);
    process.stdout.write(`wrote ${join(out, "model.safetensors")}, config.json, metrics.jsonl, curves.svg, result.json\n`);
  }
  return 0;
}
