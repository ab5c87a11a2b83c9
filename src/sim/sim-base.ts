// What both simulators share: they stand in for a trained model (Model, no
// parameters), hold the hardware options and the read-noise stream, and
// calibrate converter ranges by running batches with ideal converters.
// Must not know a model's layout: the subclasses map and run the cores.

import { endStep } from "../engine.js";
import { Rng } from "../rng.js";
import { Tensor } from "../tensor.js";
import type { BatchInput, Model } from "../nn/model.js";
import { checkCrossbarOptions, type CrossbarOptions } from "./options.js";

export abstract class SimulatedHardware implements Model {
  abstract readonly kind: string;
  readonly inputSize: number;
  readonly classes: number;
  readonly config: Record<string, unknown>;
  protected opts: CrossbarOptions;
  protected noiseRng = new Rng(0);
  /** True while calibrating: the converters are bypassed. */
  protected calibrating = false;

  constructor(model: { inputSize: number; classes: number }, config: Record<string, unknown>, defaults: CrossbarOptions) {
    this.inputSize = model.inputSize;
    this.classes = model.classes;
    this.config = config;
    this.opts = { ...defaults };
  }

  parameters(): Tensor[] { return []; }
  namedParameters(): [string, Tensor][] { return []; }

  /** Check and keep the options, restart the read-noise stream; returns the programming stream. */
  protected begin(opts: CrossbarOptions): Rng {
    checkCrossbarOptions(opts);
    this.opts = { ...opts };
    this.noiseRng = new Rng(opts.seed).fork("read");
    return new Rng(opts.seed).fork("program");
  }

  /** Run every calibration batch x [B, inputSize] with ideal converters. */
  protected calibrationRuns(batches: Iterable<Float32Array>, run: (x: Tensor) => void): void {
    this.calibrating = true;
    try {
      for (const xs of batches) {
        run(Tensor.from(xs, [xs.length / this.inputSize, this.inputSize]));
        endStep();
      }
    } finally {
      this.calibrating = false;
    }
  }

  abstract scores(x: Tensor): Tensor;
  abstract loss(batch: BatchInput): { loss: Tensor; scores: Tensor };
}

export function maxPositive(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > m) m = a[i];
  return m;
}

export function maxAbs(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) { const v = Math.abs(a[i]); if (v > m) m = v; }
  return m;
}
