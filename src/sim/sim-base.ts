// What every crossbar simulator shares: it stands in for a trained model (a
// Model of the same kind, no parameters), holds the hardware options and the
// read-noise stream, and calibrates converter ranges by running batches with
// ideal converters. Must not know a model's layout: subclasses map and run cores.

import { endStep } from "../engine.js";
import { Rng } from "../rng.js";
import { Tensor } from "../tensor.js";
import type { BatchInput, Model } from "../nn/model.js";
import type { CoreTargets, Mapping } from "./mapping.js";
import type { Routing } from "../routing/routing.js";
import { checkCrossbarOptions, type CrossbarOptions } from "./options.js";

/** One layer of programming targets: every core's conductances, its routing and the converter full scales. */
export interface TargetLayer {
  /** Per destination core: target arrays (levels applied, no device effects), alpha and row offsets. */
  cores: CoreTargets[];
  /** The slot routing into this layer (models with routed cores). */
  routing: Routing | null;
  dacMax: number;
  adcMax: number;
}

export abstract class SimulatedHardware implements Model {
  /** The simulated model's kind (a simulator stands in for it). */
  readonly kind: string;
  /** Crossbar size N of the simulated cores / tiles. */
  abstract readonly coreSize: number;
  readonly inputSize: number;
  readonly classes: number;
  readonly config: Record<string, unknown>;
  protected opts: CrossbarOptions;
  protected noiseRng = new Rng(0);
  /** True while calibrating: the converters are bypassed. */
  protected calibrating = false;

  constructor(model: Model, config: Record<string, unknown>, defaults: CrossbarOptions) {
    this.kind = model.kind;
    this.inputSize = model.inputSize;
    this.classes = model.classes;
    this.config = config;
    this.opts = { ...defaults };
  }

  parameters(): Tensor[] {
    return [];
  }
  namedParameters(): [string, Tensor][] {
    return [];
  }

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

  /** The options in use (after program()). */
  options(): CrossbarOptions {
    return { ...this.opts };
  }

  /** Program every core / tile from the model's weights with these options (seeded). */
  abstract program(opts: CrossbarOptions): void;
  /** Set the converter full scales given as 0 from sample inputs x [B, inputSize]. */
  abstract calibrate(batches: Iterable<Float32Array>): void;
  /** Converter full scales per layer (fixed or calibrated). */
  abstract ranges(): Record<string, number>[];
  /** Physical conductances of the whole model under a mapping (default: the one in use). */
  abstract conductances(mapping?: Mapping): number;
  /** What programming files hold (after program() and calibrate()); absent for simulators that cannot export. */
  programTargets?(): TargetLayer[];
  /** Program from stored targets (then the device effects of opts, drawn as program() draws them) and fixed ranges. */
  loadTargets?(opts: CrossbarOptions, layers: TargetLayer[]): void;
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
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m) m = v;
  }
  return m;
}
