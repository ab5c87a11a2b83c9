// A training run that leaves a run folder: config.json, metrics.jsonl (a line
// per 10 steps and per evaluation), curves.svg, model.safetensors and
// state.safetensors (rewritten atomically after every evaluation and when
// stopped) and result.json. trainRun starts a run, resumeRun continues one from
// its state to the same bits an unstopped run would reach. What `scrramble
// train` does, for library users; progress goes to the caller's callbacks.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { engine } from "../engine.js";
import { checkFields } from "../options.js";
import type { Model } from "../nn/model.js";
import { curvesSvg, type CurvePoint, type HeldOutPoint } from "../plot/curves.js";
import { evaluate } from "../train/evaluate.js";
import { TRAIN_FIELDS, type TrainOptions } from "../train/options.js";
import { Trainer, TrainingDiverged, type StepInfo, type TrainTiming } from "../train/trainer.js";
import { loadTrainingState, trainingStateParts } from "../io/training-state.js";
import { readFileChecked, writeFileAtomic } from "./atomic.js";
import { readCheckpoint, writeCheckpoint } from "./checkpoint-file.js";
import type { DataOptions, DataSplits } from "./data.js";
import { peakRssMb } from "./process.js";
import { checkRunFolder, prepareRunFolder, RUN_FILES } from "./run-folder.js";

export interface RunEvents {
  /** Every step, with the loss and accuracy smoothed (EMA 0.95); seconds and samples count from the run's start. */
  onStep?(s: StepInfo): void;
  /** Every held-out evaluation; split is "validation" or "test". */
  onEval?(e: { epoch: number; step: number; accuracy: number; loss: number; seconds: number; split: string }): void;
}

export interface RunOptions {
  /** Start over in a folder that holds a previous run (its files are removed; other files stay). */
  force?: boolean;
  /** Checked between steps: once aborted, the run saves its checkpoint and state and returns interrupted. */
  signal?: { readonly aborted: boolean };
}

export interface RunResult {
  interrupted: false;
  testAccuracy: number;
  testLoss: number;
  n: number;
  confusion: number[][];
  peakRssMb: number;
  seconds: number;
  samplesPerSec: number;
  /**
   * This session's seconds per part of the training loop (Trainer.timing), and `other`:
   * the rest of the loop's wall time (the event loop's turns between steps).
   */
  timing: TrainTiming & { other: number };
  /** Samples/s of the steps alone (forward, backward, optimiser): the step `npm run bench` times. */
  stepSamplesPerSec: number;
  step: number;
}

/** A run stopped by its signal: checkpoint and state are saved at `step`; resumeRun continues it. */
export interface RunInterrupted {
  interrupted: true;
  step: number;
  totalSteps: number;
}

/** What config.json holds. */
export function runDescription(model: Model, data: DataSplits, train: TrainOptions): Record<string, unknown> {
  return {
    kind: model.kind,
    model: model.config,
    train,
    data: data.description,
    dataOptions: data.options ?? {},
    kernels: engine().variant,
    threads: engine().threads,
  };
}

/** The held-out split's name: a validation split when there is one, else the test split. */
function heldOutSplit(data: DataSplits): string {
  return data.val ? "validation" : "test";
}

/** The per-epoch curve's name in curves.svg: no checkpoint is ever chosen by the test split. */
function heldOutLabel(data: DataSplits): string {
  return data.val ? "validation split" : "test split (monitoring only, selects nothing)";
}

/** Running averages and elapsed time a resumed run carries on (kept in the state file). */
interface Bookkeeping {
  lossEma: number | null;
  accEma: number | null;
  seconds: number;
}

/** The run folder's files and the loop that keeps them. */
class RunFolder {
  readonly out: string;
  private readonly model: Model;
  private readonly data: DataSplits;
  private readonly opts: TrainOptions;
  private readonly events: RunEvents;
  private readonly metrics: string[] = [];
  private readonly steps: (CurvePoint & StepInfo)[] = [];
  private readonly evals: HeldOutPoint[] = [];
  private lastSaved = -1;
  private book: Bookkeeping = { lossEma: null, accEma: null, seconds: 0 };
  private sessionStart = { step: 0, seconds: 0 };
  constructor(out: string, model: Model, data: DataSplits, opts: TrainOptions, events: RunEvents) {
    this.out = out;
    this.model = model;
    this.data = data;
    this.opts = opts;
    this.events = events;
  }

  private get split(): string {
    return heldOutSplit(this.data);
  }

  /** Continue a stopped run's files: its metrics up to the state's step and its running averages. */
  carryOn(step: number, book: Bookkeeping): void {
    this.book = book;
    this.sessionStart = { step, seconds: book.seconds };
    this.lastSaved = step;
    const path = join(this.out, RUN_FILES.metrics);
    const lines = existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : [];
    for (const line of lines) {
      let m: Record<string, unknown>;
      try {
        m = JSON.parse(line);
      } catch {
        continue;
      }
      if ((m.event !== "step" && m.event !== "eval") || typeof m.step !== "number" || m.step > step) continue;
      this.metrics.push(line + "\n");
      if (m.event === "step") this.steps.push({ step: m.step, loss: m.loss as number, acc: m.acc as number } as CurvePoint & StepInfo);
      else this.evals.push({ step: m.step, accuracy: m.accuracy as number } as HeldOutPoint);
    }
  }

  /** The run's Trainer (checks the data and the batch's memory). */
  trainer(): Trainer {
    const t = new Trainer(this.model, this.data.train, this.data.val ?? this.data.test, this.opts, {
      onStep: (s) => this.onStep(s),
      onEval: (e) => {
        this.evals.push(e);
        this.metrics.push(
          JSON.stringify({ event: "eval", split: this.split, step: e.step, epoch: e.epoch + 1, accuracy: e.accuracy, loss: e.loss }) + "\n",
        );
        this.save(t);
        this.events.onEval?.({ ...e, split: this.split });
      },
    });
    return t;
  }

  private onStep(s: StepInfo): void {
    const b = this.book;
    b.lossEma = b.lossEma === null ? s.loss : 0.95 * b.lossEma + 0.05 * s.loss;
    b.accEma = b.accEma === null ? s.acc : 0.95 * b.accEma + 0.05 * s.acc;
    b.seconds = this.sessionStart.seconds + s.seconds;
    const samplesPerSec = ((s.step - this.sessionStart.step) * this.opts.batchSize) / Math.max(s.seconds, 1e-9);
    const smooth = { ...s, loss: b.lossEma, acc: b.accEma, seconds: b.seconds };
    if (s.step % 10 === 0 || s.step === s.totalSteps) {
      this.steps.push(smooth);
      const line = { event: "step", step: s.step, epoch: s.epoch + 1, loss: b.lossEma, acc: b.accEma, samplesPerSec, seconds: b.seconds };
      this.metrics.push(JSON.stringify(line) + "\n");
    }
    this.events.onStep?.(smooth);
  }

  private writeMetrics(): void {
    writeFileAtomic(join(this.out, RUN_FILES.metrics), this.metrics.join(""));
    writeFileAtomic(join(this.out, RUN_FILES.curves), curvesSvg(this.steps, this.evals, this.model.kind, heldOutLabel(this.data)));
  }

  /** Checkpoint, metrics, curves, then the training state (last, so a state never runs ahead of the others). */
  save(t: Trainer): void {
    writeCheckpoint(
      join(this.out, RUN_FILES.checkpoint),
      this.model,
      { train: JSON.stringify(this.opts), data: this.data.description },
      { step: t.step },
    );
    this.writeMetrics();
    const info = {
      kind: this.model.kind,
      config: JSON.stringify(this.model.config),
      train: JSON.stringify(this.opts),
      extra: { data: this.data.description, dataOptions: JSON.stringify(this.data.options ?? {}), run: JSON.stringify(this.book) },
    };
    // views: no copy of weights and moments
    writeFileAtomic(join(this.out, RUN_FILES.state), trainingStateParts(t.state({ views: true }), info));
    this.lastSaved = t.step;
  }

  /** Train to the end (or to the signal), between steps giving the event loop a turn (Ctrl-C handlers run there). */
  async run(t: Trainer, signal: RunOptions["signal"]): Promise<RunResult | RunInterrupted> {
    const loop0 = performance.now();
    while (!t.done) {
      if (signal?.aborted) {
        if (this.lastSaved !== t.step) this.save(t);
        return { interrupted: true, step: t.step, totalSteps: t.totalSteps };
      }
      try {
        t.next();
      } catch (e) {
        if (!(e instanceof TrainingDiverged)) throw e;
        this.metrics.push(JSON.stringify({ event: "diverged", step: e.step, message: e.message }) + "\n");
        writeFileAtomic(join(this.out, RUN_FILES.metrics), this.metrics.join(""));
        const kept =
          this.lastSaved >= 0
            ? `the last good checkpoint ${join(this.out, RUN_FILES.checkpoint)} (step ${this.lastSaved}) is kept`
            : "no checkpoint had been written yet";
        throw new Error(`${e.message}; ${kept}`, { cause: e });
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const loopSeconds = (performance.now() - loop0) / 1000;
    const parts = t.timing;
    const other = Math.max(0, loopSeconds - parts.data - parts.steps - parts.evaluation - parts.handlers);
    const stepSamples = (t.step - this.sessionStart.step) * this.opts.batchSize;
    const final = evaluate(this.model, this.data.test);
    const result: RunResult = {
      interrupted: false,
      testAccuracy: final.accuracy,
      testLoss: final.loss,
      n: final.n,
      confusion: final.confusion,
      peakRssMb: peakRssMb(),
      seconds: this.book.seconds,
      samplesPerSec: this.samplesPerSec(t),
      timing: { ...parts, other },
      stepSamplesPerSec: parts.steps > 0 ? stepSamples / parts.steps : 0,
      step: t.step,
    };
    this.metrics.push(JSON.stringify({ event: "test", split: "test", accuracy: final.accuracy, loss: final.loss }) + "\n");
    this.save(t);
    writeFileAtomic(join(this.out, RUN_FILES.result), JSON.stringify(result, null, 2) + "\n");
    return result;
  }

  private samplesPerSec(t: Trainer): number {
    const seconds = this.book.seconds - this.sessionStart.seconds;
    return seconds > 0 ? ((t.step - this.sessionStart.step) * this.opts.batchSize) / seconds : 0;
  }
}

/**
 * Train `model` and keep everything in the run folder `out`: absent or empty,
 * or holding a previous run with `force`. Checks the data and the batch's
 * memory before the folder is touched. Resolves with the result, or with
 * `interrupted` when `signal` stopped it (checkpoint and state saved).
 * @example const result = await trainRun("runs/a", model, await loadData(), { ...TRAIN_DEFAULTS, epochs: 5 });
 */
export async function trainRun(
  out: string,
  model: Model,
  data: DataSplits,
  opts: TrainOptions,
  events: RunEvents = {},
  o: RunOptions = {},
): Promise<RunResult | RunInterrupted> {
  const mode = o.force ? "force" : "new";
  checkRunFolder(out, mode);
  const folder = new RunFolder(out, model, data, opts, events);
  const t = folder.trainer();
  prepareRunFolder(out, mode);
  writeFileAtomic(join(out, RUN_FILES.config), JSON.stringify(runDescription(model, data, opts), null, 2) + "\n");
  return folder.run(t, o.signal);
}

/** What a stopped run was started with, from its training state (to load the same data before resumeRun). */
export interface StoredRun {
  kind: string;
  config: object;
  train: TrainOptions;
  data: string;
  dataOptions: DataOptions;
  step: number;
}

/**
 * The settings of the run in `out` as its training state records them.
 * @example const run = readStoredRun("runs/a"); const data = await loadData(run.dataOptions);
 */
export function readStoredRun(out: string): StoredRun {
  checkRunFolder(out, "resume");
  const path = join(out, RUN_FILES.state);
  const { state, info } = loadTrainingState(readFileChecked(path), path);
  const parse = (key: string, text: string | undefined): unknown => {
    try {
      return JSON.parse(text ?? "");
    } catch {
      throw new Error(`${path}: metadata "${key}" is not valid JSON`);
    }
  };
  const train = parse("train", info.train);
  checkFields(TRAIN_FIELDS, train, `${path}: train`);
  return {
    kind: info.kind,
    config: parse("config", info.config) as object,
    train: train as TrainOptions,
    data: info.extra?.data ?? "",
    dataOptions: parse("dataOptions", info.extra?.dataOptions) as DataOptions,
    step: state.step,
  };
}

/**
 * Continue the run in `out` from its training state, on the same data (as
 * readStoredRun(out).dataOptions loads it): the model comes from the folder's
 * checkpoint, weights, optimiser and data position from the state, so the run
 * ends bit-identical to one that never stopped.
 * @example const result = await resumeRun("runs/a", await loadData(readStoredRun("runs/a").dataOptions));
 */
export async function resumeRun(
  out: string,
  data: DataSplits,
  events: RunEvents = {},
  o: RunOptions = {},
): Promise<RunResult | RunInterrupted> {
  const run = readStoredRun(out);
  const statePath = join(out, RUN_FILES.state);
  if (existsSync(join(out, RUN_FILES.result)) && run.step > 0) {
    const done = JSON.parse(readFileSync(join(out, RUN_FILES.result), "utf8")) as { step?: number };
    if (done.step === run.step) throw new Error(`${join(out, RUN_FILES.result)}: the run in ${out} has finished; nothing to resume`);
  }
  if (run.data !== data.description)
    throw new Error(`${statePath}: the run trained on "${run.data}", the data given is "${data.description}"`);
  const { model } = readCheckpoint(join(out, RUN_FILES.checkpoint));
  if (model.kind !== run.kind || JSON.stringify(model.config) !== JSON.stringify(run.config))
    throw new Error(`${join(out, RUN_FILES.checkpoint)}: holds another model than ${statePath} (kind or config differ)`);
  const { state, info } = loadTrainingState(readFileChecked(statePath), statePath);
  prepareRunFolder(out, "resume");
  const folder = new RunFolder(out, model, data, run.train, events);
  const t = folder.trainer();
  try {
    t.restore(state);
  } catch (e) {
    throw new Error(`${statePath}: ${(e as Error).message}`);
  }
  const book = JSON.parse(info.extra?.run ?? "null") as Bookkeeping | null;
  folder.carryOn(state.step, book ?? { lossEma: null, accEma: null, seconds: 0 });
  return folder.run(t, o.signal);
}
