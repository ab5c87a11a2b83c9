// `scrramble train`: build a model of any registered kind, train it into a run
// folder (scrramble/node's trainRun), or continue a stopped run (--resume), and
// draw the progress. Ctrl-C finishes the step, saves, and exits 130.

import { join } from "node:path";
import { engine } from "../engine.js";
import { flagOf } from "../options.js";
import { createModel } from "../nn/registry.js";
import { inputResize } from "../train/evaluate.js";
import { stepMemory } from "../train/trainer.js";
import { TRAIN_FIELDS } from "../train/options.js";
import { featureSize } from "../data/dataset.js";
import type { Model } from "../nn/model.js";
import { loadData, type DataSplits } from "../node/data.js";
import { readStoredRun, resumeRun, trainRun, type RunEvents, type RunInterrupted, type RunResult } from "../node/run.js";
import { checkRunFolder } from "../node/run-folder.js";
import { parseOrHelp, UsageError, type CommandSpec, type Parsed } from "./args.js";
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
import { createProgress, progressModeFor, type Progress } from "./progress.js";
import { formatConfusion, formatTiming } from "./format.js";

export function trainSpec(): CommandSpec {
  return {
    name: "train",
    summary:
      "Train a model (default: the ScRRAMBLe capsule MLP; also the dense baseline and the ScRRAMBLe-ResNet) into a run folder, " +
      "or continue a stopped run.",
    usage: "scrramble train [options] | scrramble train --resume DIR",
    options: {
      ...modelOptions(),
      ...TRAIN_OPTIONS,
      ...DATA_OPTIONS,
      out: { type: "string", arg: "DIR", help: "run folder (must be empty or absent)", defaultHelp: "runs/<model>-<time>" },
      force: { type: "boolean", help: "start over in a run folder that holds a previous run (removes that run's files)" },
      resume: {
        type: "string",
        arg: "DIR",
        help: "continue the stopped run in DIR from its training state, with its own settings (to the same result)",
      },
      json: { type: "boolean", help: "machine-readable progress: one JSON object per line on stdout" },
    },
    groups: { model: "Model", recipe: "Training", dataset: "Data", out: "Run folder" },
    examples: [
      "scrramble train                                  # default model on the bundled MNIST subset",
      "scrramble train --model dense --epochs 10        # the partial-sums baseline",
      "scrramble train --activation qrelu --adc-bits 4 --adc-max 2",
      "scrramble train --data ~/mnist --epochs 30 --out runs/full",
      "scrramble train --recipe reference --out runs/reference      # the authors' MNIST protocol (50k steps)",
      "scrramble train --activation binary      # 1-bit activations, straight-through estimator",
      "scrramble train --model resnet --width 0.25 --depth 0.34 --epochs 15   # the small ResNet on the bundled digits",
      "scrramble train --model resnet --dataset cifar10 --data cifar-10-binary.tar.gz --recipe paper",
      "scrramble train --model resnet --dataset cifar100 --data ~/data --width 0.5 --depth 0.5 --epochs 50",
      "scrramble train --resume runs/full               # after Ctrl-C or a crash",
    ],
  };
}

/** Options that only a new run takes (a resumed run keeps its own). */
function settingsGiven(spec: CommandSpec, v: Parsed): string[] {
  const own = new Set(["resume", "json"]);
  return Object.keys(spec.options).filter((k) => !own.has(k) && v[k] !== undefined && v[k] !== false && v[k] !== spec.options[k].default);
}

/** Refuse a batch the data cannot fill or the kernel memory cannot hold, naming --batch-size. */
function checkBatch(model: Model, data: DataSplits, batchSize: number): void {
  const flag = `--${flagOf("batchSize", TRAIN_FIELDS.batchSize)}`;
  if (batchSize > data.train.n)
    throw new UsageError(`${flag} ${batchSize} is larger than the ${data.train.n} training samples: an epoch would have no full batch`);
  const m = stepMemory(model, Math.max(batchSize, 64), featureSize(data.train));
  if (m.persistent + m.step > m.limit) {
    const gb = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
    throw new UsageError(
      `${flag} ${batchSize} needs about ${gb(m.step)} of kernel memory per step, above the ${gb(m.limit)} limit ` +
        `(${engine().threads > 1 ? "with threads" : "on one thread"}); at most about ${m.maxBatch} fit`,
    );
  }
}

/** SIGINT stops the run after the current step (a second one exits at once). */
function stopOnInterrupt(): { signal: AbortSignal; release: () => void } {
  const ac = new AbortController();
  const onSignal = () => {
    if (ac.signal.aborted) process.exit(130);
    ac.abort();
  };
  process.on("SIGINT", onSignal);
  return { signal: ac.signal, release: () => process.off("SIGINT", onSignal) };
}

function progressEvents(progress: Progress, json: boolean): RunEvents {
  return {
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
  };
}

export async function trainCommand(argv: string[]): Promise<number> {
  const spec = trainSpec();
  const parsed = parseOrHelp(spec, argv);
  if (!parsed) return 0;
  const { values: v } = parsed;
  const json = Boolean(v.json);
  const resume = typeof v.resume === "string" ? v.resume : null;
  let out: string;
  let model: Model;
  let data: DataSplits;
  let start: Record<string, unknown>;
  if (resume !== null) {
    const extra = settingsGiven(spec, v);
    if (extra.length) throw new UsageError(`--${extra[0]} does not go with --resume: a resumed run keeps its own settings`);
    out = resume;
    const run = asUsage(() => readStoredRun(resume));
    data = await loadData(run.dataOptions);
    start = { event: "resume", kind: run.kind, step: run.step, train: run.train, data: data.description, out };
    model = createModel(run.kind, run.config); // for the header line only; the run rebuilds it from its checkpoint
  } else {
    const opts = trainOptionsFrom(v);
    const recipe = recipeOf(v);
    for (const note of RECIPES[recipe].notes) process.stderr.write(`recipe ${recipe}: ${note}\n`);
    const dataOpts = dataOptionsFrom(v);
    const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
    const mode = v.force ? "force" : "new";
    if (typeof v.out === "string") {
      try {
        checkRunFolder(v.out, mode);
      } catch (e) {
        throw new UsageError(`--out: ${(e as Error).message}`);
      }
    }
    data = await loadData(dataOpts);
    const { height, width, channels } = data.train;
    const mc = modelFromOptions(v, { classes: data.train.classes, seed: opts.seed, input: { height, width, channels } });
    model = asUsage(() => {
      const m = createModel(mc.kind, mc.config);
      inputResize(m, data.train);
      if (data.train.classes > m.classes) throw new Error(`the data has ${data.train.classes} classes, the model ${m.classes}`);
      return m;
    });
    checkBatch(model, data, opts.batchSize);
    out = typeof v.out === "string" ? v.out : join("runs", `${model.kind}-${stamp}`);
    start = { event: "start", kind: model.kind, model: model.config, train: opts, data: data.description, out };
  }

  const progress = createProgress({ mode: progressModeFor(process.stderr, json), stream: json ? process.stdout : process.stderr });
  const params = model.parameters().reduce((a, p) => a + p.size, 0);
  const e = engine();
  progress.log(
    json
      ? { ...start, kernels: e.variant, threads: e.threads }
      : `${model.kind}: ${params} parameters, ${e.variant} kernels on ${e.threads} thread(s); ${data.description}; ` +
          `${resume !== null ? `resuming the run in ${out} at step ${start.step}` : `run folder ${out}`}`,
  );
  const stop = stopOnInterrupt();
  let result: RunResult | RunInterrupted;
  try {
    const events = progressEvents(progress, json);
    result =
      resume !== null
        ? await resumeRun(out, data, events, { signal: stop.signal })
        : await trainRun(out, model, data, trainOptionsFrom(v), events, { force: Boolean(v.force), signal: stop.signal });
  } finally {
    stop.release();
    progress.done();
  }
  if (result.interrupted) {
    if (json) process.stdout.write(JSON.stringify({ event: "interrupted", step: result.step, out }) + "\n");
    process.stderr.write(`interrupted at step ${result.step} of ${result.totalSteps}; resume with --resume ${out}\n`);
    return 130;
  }
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
    process.stdout.write(formatTiming(result.timing, result.stepSamplesPerSec));
    process.stdout.write(
      `wrote ${join(out, "model.safetensors")}, state.safetensors, config.json, metrics.jsonl, curves.svg, result.json\n`,
    );
  }
  return 0;
}
