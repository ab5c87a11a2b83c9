// A training run that leaves a run folder: config.json, metrics.jsonl (a line
// per 10 steps and per evaluation), curves.svg, model.safetensors (rewritten
// atomically after every evaluation) and result.json. What `scrramble train`
// does, for library users; progress goes to the caller's callbacks.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { engine } from "../engine.js";
import type { Model } from "../nn/model.js";
import { curvesSvg, type CurvePoint, type HeldOutPoint } from "../plot/curves.js";
import { evaluate } from "../train/evaluate.js";
import type { TrainOptions } from "../train/options.js";
import { trainModel, type EvalInfo, type StepInfo } from "../train/trainer.js";
import { writeFileAtomic } from "./atomic.js";
import { writeCheckpoint } from "./checkpoint-file.js";
import type { DataSplits } from "./data.js";
import { peakRssMb } from "./process.js";

export interface RunEvents {
  /** Every step, with the loss and accuracy smoothed (EMA 0.95). */
  onStep?(s: StepInfo): void;
  /** Every held-out evaluation; split is "validation" or "test". */
  onEval?(e: EvalInfo & { split: string }): void;
}

export interface RunResult {
  testAccuracy: number;
  testLoss: number;
  n: number;
  confusion: number[][];
  peakRssMb: number;
  seconds: number;
  samplesPerSec: number;
}

/** What config.json holds. */
export function runDescription(model: Model, data: DataSplits, train: TrainOptions): Record<string, unknown> {
  return { kind: model.kind, model: model.config, train, data: data.description, kernels: engine().variant, threads: engine().threads };
}

/**
 * Train `model` and keep everything in the run folder `out` (created if needed).
 * @example const result = trainRun("runs/a", model, await loadData(), { ...TRAIN_DEFAULTS, epochs: 5 });
 */
export function trainRun(out: string, model: Model, data: DataSplits, opts: TrainOptions, events: RunEvents = {}): RunResult {
  mkdirSync(out, { recursive: true });
  writeFileAtomic(join(out, "config.json"), JSON.stringify(runDescription(model, data, opts), null, 2) + "\n");
  const split = data.val ? "validation" : "test";
  const metrics: string[] = [];
  const steps: (CurvePoint & StepInfo)[] = [];
  const evals: HeldOutPoint[] = [];
  const save = () => {
    writeCheckpoint(join(out, "model.safetensors"), model, { train: JSON.stringify(opts), data: data.description });
    writeFileAtomic(join(out, "metrics.jsonl"), metrics.join(""));
    writeFileAtomic(join(out, "curves.svg"), curvesSvg(steps, evals, model.kind, `${split} (held-out)`));
  };
  let lossEma = NaN,
    accEma = NaN;
  trainModel(model, data.train, data.val ?? data.test, opts, {
    onStep(s) {
      lossEma = Number.isNaN(lossEma) ? s.loss : 0.95 * lossEma + 0.05 * s.loss;
      accEma = Number.isNaN(accEma) ? s.acc : 0.95 * accEma + 0.05 * s.acc;
      const smooth = { ...s, loss: lossEma, acc: accEma };
      if (s.step % 10 === 0 || s.step === s.totalSteps) {
        steps.push(smooth);
        const line = {
          event: "step",
          step: s.step,
          epoch: s.epoch + 1,
          loss: lossEma,
          acc: accEma,
          samplesPerSec: s.samples / s.seconds,
          seconds: s.seconds,
        };
        metrics.push(JSON.stringify(line) + "\n");
      }
      events.onStep?.(smooth);
    },
    onEval(e) {
      evals.push(e);
      metrics.push(JSON.stringify({ event: "eval", split, step: e.step, epoch: e.epoch + 1, accuracy: e.accuracy, loss: e.loss }) + "\n");
      events.onEval?.({ ...e, split });
      save();
    },
  });
  const final = evaluate(model, data.test);
  const last = steps[steps.length - 1];
  const result: RunResult = {
    testAccuracy: final.accuracy,
    testLoss: final.loss,
    n: final.n,
    confusion: final.confusion,
    peakRssMb: peakRssMb(),
    seconds: last ? last.seconds : 0,
    samplesPerSec: last ? last.samples / last.seconds : 0,
  };
  metrics.push(JSON.stringify({ event: "test", accuracy: final.accuracy, loss: final.loss }) + "\n");
  save();
  writeFileAtomic(join(out, "result.json"), JSON.stringify(result, null, 2) + "\n");
  return result;
}
